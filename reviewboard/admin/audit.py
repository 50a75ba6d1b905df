"""The audit log's admin: the history, read-only to everyone (superusers included), with its filters
and the chair's CSV export of what the filters show. The wording comes from the declarations
(``reviewboard.review.actions.catalog.audit_label``) and ``reviewboard.admin.review_words``.
"""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from reviewboard.admin.board import ReadOnlyAdmin, article_link
from reviewboard.admin.review_words import short_hash, state_change_words
from reviewboard.board import permissions
from reviewboard.models import (
    AuditEntry,
)
from reviewboard.review import selectors
from reviewboard.review.actions.catalog import audit_label


class AuditActionFilter(admin.SimpleListFilter):
    """Filter the history by what was done, named as the history names it (``catalog.audit_label``)."""

    title = "what was done"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        names = model_admin.get_queryset(request).order_by().values_list("action", flat=True).distinct()
        return sorted(((name, audit_label(name)) for name in names), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditActorFilter(admin.SimpleListFilter):
    """Filter the history by who acted, by name and credentials (not username)."""

    title = "who"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        ids = model_admin.get_queryset(request).order_by().exclude(actor=None).values_list("actor", flat=True)
        users = get_user_model().objects.filter(pk__in=ids.distinct()).select_related("reviewer_profile")
        return sorted(((str(u.pk), permissions.display_name(u)) for u in users), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


AUDIT_CSV_COLUMNS = ("#", "when", "who", "what", "article", "state", "content hash", "comment")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The append-only audit log: readable, never added to, changed or deleted here (superusers included).
    People read it in words: who by name, what by its label, states by their labels; filtered by date, who and
    what; the chair exports what the filters show as CSV (``export/``)."""

    list_display = ("seq", "created_at", "who", "what", "article_question", "states", "content", "comment")
    list_display_links = ("seq",)
    visible = staticmethod(selectors.visible_audit_entries)
    list_filter = (
        ("created_at", admin.DateFieldListFilter),
        AuditActorFilter,
        AuditActionFilter,
        ("article", admin.RelatedOnlyFieldListFilter),  # names only the articles the user sees
    )
    search_fields = ("actor_name", "action", "article__slug", "article__question", "content_hash", "comment")
    list_select_related = ("article", "actor__reviewer_profile")
    date_hierarchy = "created_at"
    ordering = ("-seq",)
    change_list_template = "admin/reviewboard/auditentry/change_list.html"
    readonly_fields = (
        "seq",
        "created_at",
        "actor",
        "actor_name",
        "article",
        "action",
        "from_state",
        "to_state",
        "content_hash",
        "comment",
        "data",
        "prev_hash",
        "entry_hash",
    )

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def get_urls(self) -> list[Any]:
        return [
            path("export/", self.admin_site.admin_view(self.export_view), name="reviewboard_auditentry_export"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        query = request.GET.urlencode()
        export = reverse("admin:reviewboard_auditentry_export") + (f"?{query}" if query else "")
        extra = {"export_url": export if permissions.is_chair(request.user) else "", **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """The entries the list's filters select, as CSV, for the chair (others: an error and the list)."""
        if not permissions.is_chair(request.user):
            self.message_user(request, "Only the board chair exports the history.", level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reviewboard_auditentry_changelist"))
        changelist = self.get_changelist_instance(request)
        entries = changelist.get_queryset(request).order_by("seq")
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="board-history-{timezone.now():%Y-%m-%d}.csv"'
        writer = csv.writer(response)
        writer.writerow(AUDIT_CSV_COLUMNS)
        for entry in entries.iterator(chunk_size=500):
            writer.writerow(
                [
                    entry.seq,
                    timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
                    self.who(entry),
                    self.what(entry),
                    entry.article.question if entry.article_id else "",
                    state_change_words(entry) if entry.to_state else "",
                    entry.content_hash,
                    entry.comment,
                ]
            )
        return response

    @admin.display(description="who", ordering="actor_name")
    def who(self, obj: AuditEntry) -> str:
        return permissions.display_name(obj.actor) if obj.actor_id else obj.actor_name or "the system"

    @admin.display(description="what", ordering="action")
    def what(self, obj: AuditEntry) -> str:
        return audit_label(obj.action)

    @admin.display(description="state")
    def states(self, obj: AuditEntry) -> str:
        return state_change_words(obj) if obj.to_state else ""

    @admin.display(description="article", ordering="article__question")
    def article_question(self, obj: AuditEntry) -> str:
        return article_link(obj.article) if obj.article_id else ""

    @admin.display(description="content hash", ordering="content_hash")
    def content(self, obj: AuditEntry) -> str:
        if not obj.content_hash:
            return ""
        return format_html('<code title="{}">{}</code>', obj.content_hash, short_hash(obj.content_hash))
