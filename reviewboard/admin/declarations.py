"""A board member's own declaration of interests, kept up in the admin (issue 18).

``<admin>/reviewboard/declaration/`` lists declarations (a member: their own; the chair: everyone's),
read-only: a declaration is never edited, a new one replaces it. "Renew or update my declaration"
(``…/declaration/mine/``) is the member's form; it calls the same entry point as the review API
(``reviewboard.board.declarations.declaration_sign``, the ``declare_interests`` action), so the checks,
the audit entry and the 400 naming the bad field are the same. The home page warns a member
``DECLARATION_REMINDER_DAYS[0]`` days before theirs expires (``board_selectors.declaration_warning``).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from config.exceptions import ServiceError
from reviewboard.admin.board import ReadOnlyAdmin
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.board.declarations import declaration_sign
from reviewboard.models import Declaration, DeclaredRelationship

RELATIONSHIP_ROWS = 4


class DeclarationForm(forms.Form):
    nothing_to_declare = forms.BooleanField(required=False, label="I have nothing to declare")
    statement = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class RelationshipForm(forms.Form):
    organisation = forms.CharField(required=False, max_length=200)
    kind = forms.ChoiceField(required=False, choices=[("", "—"), *DeclaredRelationship.Kind.choices])
    topics = forms.CharField(required=False, max_length=1000, help_text="Article topics it touches, comma-separated.")
    started_on = forms.DateField(required=False, help_text="YYYY-MM-DD")
    ended_on = forms.DateField(required=False, help_text="YYYY-MM-DD; empty: ongoing.")


RelationshipFormSet = forms.formset_factory(RelationshipForm, extra=RELATIONSHIP_ROWS, max_num=50)


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ("member_name", "signed_at", "expires_at", "nothing_to_declare", "relationship_list")
    list_select_related = ("member",)
    ordering = ("-signed_at", "-id")

    def get_queryset(self, request: HttpRequest) -> Any:
        rows = super().get_queryset(request).prefetch_related("relationships")
        return rows if permissions.is_chair(request.user) else rows.filter(member=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_board_member(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_board_member(request.user)

    @admin.display(description="member", ordering="member__last_name")
    def member_name(self, obj: Declaration) -> str:
        return permissions.display_name(obj.member)

    @admin.display(description="relationships")
    def relationship_list(self, obj: Declaration) -> str:
        return "; ".join(r.describe() for r in obj.relationships.all()) or "—"

    def get_urls(self) -> list[Any]:
        return [
            path("mine/", self.admin_site.admin_view(self.mine_view), name="reviewboard_declaration_mine"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = {**(extra_context or {}), "title": "Declarations of interests"}
        return super().changelist_view(request, extra_context=extra)

    def mine_view(self, request: HttpRequest) -> HttpResponse:
        """Renew or update my declaration: a new one, signed now, valid for ``DECLARATION_VALID_FOR``."""
        if not permissions.is_board_member(request.user):
            self.message_user(request, "Only board members sign a declaration of interests.", level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:index"))
        current = board_selectors.current_declaration(request.user)
        post = request.POST if request.method == "POST" else None
        form, rows = DeclarationForm(post), RelationshipFormSet(post, prefix="rel")
        if post is not None and form.is_valid() and rows.is_valid():
            relationships = [
                {**row, "topics": row.get("topics") or ""}
                for row in rows.cleaned_data
                if row and (row.get("organisation") or row.get("kind"))
            ]
            try:
                declaration = declaration_sign(
                    user=request.user,
                    nothing_to_declare=form.cleaned_data["nothing_to_declare"],
                    relationships=relationships,
                    statement=form.cleaned_data["statement"],
                )
            except ServiceError as exc:
                self.message_user(request, f"Declaration not signed: {exc.message}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"Declaration signed; it runs until {declaration.expires_at:%Y-%m-%d}.",
                    level=messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:index"))
        elif post is not None:
            problems = [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()]
            problems += [
                f"relationship {i + 1} {name}: {' '.join(errors)}"
                for i, errors_of_row in enumerate(rows.errors)
                for name, errors in errors_of_row.items()
            ]
            self.message_user(request, "Declaration not signed: " + "; ".join(problems), level=messages.ERROR)
        request.current_app = self.admin_site.name
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Renew or update my declaration of interests",
            "form": form,
            "rows": rows,
            "current": current,
            "warning": board_selectors.declaration_warning(request.user),
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/reviewboard/declaration_mine.html", context)
