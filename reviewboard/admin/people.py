"""The admin's autocomplete with people named as people: an article's authors are picked by searching board
accounts by name (``ArticleAdmin.autocomplete_fields``), shown with their names and credentials, never their
usernames, and searched only by those who may set authors (editors and the chair, ``ArticleAdmin.save_related``).
Every other autocomplete (the reference library) is Django's own."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import HttpRequest, HttpResponse

from articles.models import Article
from reviewboard.board import permissions


def _is_authors(field: Any) -> bool:
    return getattr(field, "model", None) is Article and getattr(field, "name", "") == "authors"


class PeopleAutocompleteView(AutocompleteJsonView):
    def has_perm(self, request: HttpRequest, obj: Any = None) -> bool:
        if _is_authors(self.source_field):
            return permissions.is_editor(request.user) or permissions.is_chair(request.user)
        return self.model_admin.has_view_permission(request, obj=obj)  # Django's own answer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if _is_authors(self.source_field):
            queryset = queryset.filter(is_active=True).select_related("reviewer_profile")
        return queryset

    def serialize_result(self, obj: Any, to_field_name: str) -> dict[str, str]:
        if _is_authors(self.source_field):
            return {"id": str(getattr(obj, to_field_name)), "text": permissions.display_name(obj)}
        return super().serialize_result(obj, to_field_name)


def autocomplete_view(request: HttpRequest) -> HttpResponse:
    """``AdminSite.autocomplete_view`` for the board's admin site (set in ``reviewboard.admin``)."""
    return PeopleAutocompleteView.as_view(admin_site=admin.site)(request)
