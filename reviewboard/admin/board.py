"""Django admin for the board: reviewers and specialties, and read-only views of the review records.

Assignments, sign-offs, comments and audit entries are written only by ``reviewboard.review.services``
(from the article's review screen, the API, commands and tasks), so their admin pages are lists
to read: no add, change or delete. The audit log refuses them to everyone, superusers included.

"My review queue" (``<admin>/reviewboard/assignment/queue/``) lists the articles assigned to the
user that still wait for their sign-off on the content under review. The admin index shows it
first to board reviewers (``admin/reviewboard/index.html``).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.auth import get_user_model
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from config.exceptions import ServiceError
from reviewboard.admin.review_words import STATE_LABELS, person_name, short_hash, state_change_words
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.board.credentials import VERIFIED_FIELDS, credential_verify
from reviewboard.models import (
    Assignment,
    AuditEntry,
    Comment,
    Credential,
    Declaration,
    ReviewerProfile,
    SignOff,
    Specialty,
)
from reviewboard.review import selectors
from reviewboard.review.actions.catalog import audit_label
from reviewboard.review.services import comment_resolve


def article_link(article: Any) -> str:
    """The article's question, linking to its review screen (editing is one click further)."""
    url = reverse("admin:articles_article_review", args=[article.pk])
    return format_html('<a href="{}">{}</a>', url, article.question)


def perform_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    service: Callable[[Any], Any],
    *,
    name: Callable[[Any], str],
    done: str,
    not_done: str,
) -> None:
    """An admin action over the selected rows: one service call each (its own transaction); the refused ones
    are named with the service's reason, the others done."""
    count, refused = 0, []
    for obj in queryset.order_by("pk"):
        try:
            service(obj)
        except ServiceError as exc:
            refused.append(f"{name(obj)}: {exc.message}")
        else:
            count += 1
    if count:
        model_admin.message_user(request, f"{count} {done}.", level=messages.SUCCESS)
    if refused:
        model_admin.message_user(request, f"{not_done}: " + " ".join(refused), level=messages.ERROR)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records the services write: visible to those with the view permission, never edited here."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class CredentialInline(admin.TabularInline):
    """The reviewer's credentials on record. Verification is the chair's action ("Verify the selected
    credentials" in the credential list, ``credential_verify``); editing what a verified credential
    says withdraws its verification (``ReviewerProfileAdmin.save_formset``)."""

    model = Credential
    extra = 0
    fields = ("kind", "name", "number", "issuing_body", "expires_on", "status", "verified_by", "verified_at")
    readonly_fields = ("status", "verified_by", "verified_at")

    @admin.display(description="status")
    def status(self, obj: Credential) -> str:
        return board_selectors.credential_status(obj) if obj.pk else "new"


@admin.register(ReviewerProfile)
class ReviewerProfileAdmin(admin.ModelAdmin):
    list_display = ("__str__", "username", "credentials", "specialty_list", "declaration_status", "active")
    list_filter = ("active", "specialties")
    search_fields = ("user__username", "user__first_name", "user__last_name", "credentials")
    filter_horizontal = ("specialties",)
    raw_id_fields = ("user",)
    inlines = (CredentialInline,)
    readonly_fields = ("declarations",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReviewerProfile]:
        newest = Declaration.objects.filter(member=OuterRef("user")).order_by("-signed_at", "-id")
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("specialties")
            .annotate(_declaration_expires=Subquery(newest.values("expires_at")[:1]))
        )

    @admin.display(description="declaration of interests", ordering="_declaration_expires")
    def declaration_status(self, obj: ReviewerProfile) -> str:
        expires = getattr(obj, "_declaration_expires", None)
        if expires is None:
            return "none"
        verb = "expired" if expires <= timezone.now() else "expires"
        return f"{verb} {timezone.localtime(expires):%Y-%m-%d}"

    @admin.display(description="declarations of interest (newest first, read-only)")
    def declarations(self, obj: ReviewerProfile) -> str:
        """The member's signed declarations: signed through ``declaration_sign`` (API), never edited."""
        if obj.pk is None:
            return "—"
        rows = Declaration.objects.filter(member=obj.user).prefetch_related("relationships")
        rows = rows.order_by("-signed_at", "-id")
        now = timezone.now()
        items = [
            format_html(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                f"{timezone.localtime(d.signed_at):%Y-%m-%d}",
                f"{timezone.localtime(d.expires_at):%Y-%m-%d}" + (" (expired)" if d.is_expired(now) else ""),
                "Nothing to declare"
                if d.nothing_to_declare
                else "; ".join(r.describe() for r in d.relationships.all()),
                d.statement,
            )
            for d in rows
        ]
        if not items:
            return "None signed: this member cannot be assigned until they sign one."
        return format_html(
            '<table class="declaration-history"><thead><tr><th>Signed</th><th>Expires</th><th>Relationships</th>'
            "<th>Statement</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "{}", ((item,) for item in items)),
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Credential:
            for inline_form in formset.forms:
                credential = inline_form.instance
                if credential.pk and credential.is_verified and set(inline_form.changed_data) & set(VERIFIED_FIELDS):
                    credential.verified_by = credential.verified_at = None
                    self.message_user(
                        request,
                        f"{credential.name}: changed, so its verification was withdrawn; the chair verifies it again.",
                        level=messages.WARNING,
                    )
        super().save_formset(request, form, formset, change)

    @admin.display(description="username", ordering="user__username")
    def username(self, obj: ReviewerProfile) -> str:
        return obj.user.get_username()

    @admin.display(description="specialties")
    def specialty_list(self, obj: ReviewerProfile) -> str:
        return ", ".join(s.name for s in obj.specialties.all())


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    """Credentials are recorded on the reviewer profile; here the chair verifies them."""

    list_display = (
        "name",
        "reviewer",
        "kind",
        "number",
        "issuing_body",
        "expires_on",
        "status",
        "verified_by",
        "verified_at",
    )
    list_filter = ("kind", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "number", "profile__user__username", "profile__user__last_name")
    list_select_related = ("profile__user", "verified_by")
    readonly_fields = ("verified_by", "verified_at")
    actions = ("verify_selected",)

    @admin.display(description="reviewer", ordering="profile__user__last_name")
    def reviewer(self, obj: Credential) -> str:
        return person_name(obj.profile.user)

    @admin.display(description="status")
    def status(self, obj: Credential) -> str:
        return board_selectors.credential_status(obj)

    def has_verify_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    @admin.action(description="Verify the selected credentials (checked at their source)", permissions=["verify"])
    def verify_selected(self, request: HttpRequest, queryset: QuerySet[Credential]) -> None:
        perform_each(
            self,
            request,
            queryset,
            lambda credential: credential_verify(credential=credential, user=request.user),
            name=lambda credential: f"{credential.name} ({person_name(credential.profile.user)})",
            done="credential(s) verified",
            not_done="Not verified",
        )


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = (
        "article_question",
        "reviewer",
        "assigned_at",
        "due_at",
        "closed_at",
        "close_reason",
        "reminders_sent",
    )
    list_filter = (("closed_at", admin.EmptyFieldListFilter), "close_reason")
    search_fields = ("article__question", "article__slug", "reviewer__username", "reviewer__last_name")
    list_select_related = ("article", "reviewer")
    date_hierarchy = "assigned_at"

    @admin.display(description="article", ordering="article__question")
    def article_question(self, obj: Assignment) -> str:
        return article_link(obj.article)

    def get_urls(self) -> list[Any]:
        return [
            path("queue/", self.admin_site.admin_view(self.queue_view), name="reviewboard_review_queue"),
            *super().get_urls(),
        ]

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        """My review queue: open assignments on articles under review that I have not signed yet."""
        now = timezone.now()
        queue = selectors.review_queue(user=request.user).annotate(
            _signed=selectors.signed_count(article="article_id", review_hash="article__review_hash"),
            _quorum=selectors.quorum_of("article__quorum"),
        )
        rows = [
            {
                "assignment": assignment,
                "article": assignment.article,
                "url": reverse("admin:articles_article_review", args=[assignment.article_id]),
                "state": STATE_LABELS.get(assignment.article.state, assignment.article.state),
                "progress": f"{assignment._signed} of {assignment._quorum}",
                "short_hash": short_hash(assignment.article.review_hash),
                "overdue": bool(assignment.due_at and assignment.due_at < now),
                "answer": selectors.assignment_answer(assignment),
                "answer_text": selectors.describe_answer(assignment),
            }
            for assignment in queue
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": "My review queue",
            "subtitle": None,
            "opts": self.opts,
            "rows": rows,
            "overdue_count": sum(1 for row in rows if row["overdue"]),
            "is_reviewer": request.user.has_perm(permissions.REVIEWER_PERM),
            "reviewer_name": person_name(request.user),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/reviewboard/review_queue.html", context)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    list_display = ("article_question", "reviewer", "decision", "content", "created_at")
    list_filter = ("decision",)
    search_fields = ("article__question", "article__slug", "reviewer__username", "content_hash")
    list_select_related = ("article", "reviewer")

    @admin.display(description="article", ordering="article__question")
    def article_question(self, obj: SignOff) -> str:
        return article_link(obj.article)

    @admin.display(description="content hash", ordering="content_hash")
    def content(self, obj: SignOff) -> str:
        return format_html('<code title="{}">{}</code>', obj.content_hash, short_hash(obj.content_hash))


class ResolveActionForm(ActionForm):
    """The comment list's action bar, with the note that resolving someone else's blocking comment needs."""

    note = forms.CharField(
        required=False,
        label="Note",
        help_text="How the comments were handled: required to resolve someone else's blocking comment.",
    )


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin):
    """Comments are added on the article's review screen; here they are listed, and can be resolved."""

    list_display = ("body_start", "article_question", "author", "section_heading", "blocking", "resolved", "created_at")
    list_filter = ("blocking", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("body", "article__question", "article__slug", "author__username")
    list_select_related = ("article", "author")
    actions = ("resolve_selected",)
    action_form = ResolveActionForm

    def get_queryset(self, request: HttpRequest) -> QuerySet[Comment]:
        """Only the comments of the articles the user sees (``selectors.visible_comments``)."""
        visible = selectors.visible_comments(request.user).values("pk")
        return super().get_queryset(request).filter(pk__in=visible)

    @admin.display(description="comment")
    def body_start(self, obj: Comment) -> str:
        return obj.body[:80] + ("…" if len(obj.body) > 80 else "")

    @admin.display(description="article", ordering="article__question")
    def article_question(self, obj: Comment) -> str:
        return article_link(obj.article)

    @admin.display(description="resolved", boolean=True, ordering="resolved_at")
    def resolved(self, obj: Comment) -> bool:
        return obj.resolved_at is not None

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @admin.action(description="Resolve the selected comments", permissions=["resolve"])
    def resolve_selected(self, request: HttpRequest, queryset: QuerySet[Comment]) -> None:
        note = request.POST.get("note", "")
        perform_each(
            self,
            request,
            queryset,
            lambda comment: comment_resolve(comment=comment, user=request.user, note=note),
            name=lambda comment: f"#{comment.pk}",
            done="comment(s) resolved",
            not_done="Not resolved",
        )


class AuditActionFilter(admin.SimpleListFilter):
    """Filter the history by what was done, named as the history names it (``catalog.audit_label``)."""

    title = "what was done"
    parameter_name = "action"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        names = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        return sorted(((name, audit_label(name)) for name in names), key=lambda pair: pair[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditActorFilter(admin.SimpleListFilter):
    """Filter the history by who acted, by name and credentials (not username)."""

    title = "who"
    parameter_name = "actor"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        ids = AuditEntry.objects.order_by().exclude(actor=None).values_list("actor", flat=True).distinct()
        users = get_user_model().objects.filter(pk__in=ids).select_related("reviewer_profile")
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
    list_filter = (("created_at", admin.DateFieldListFilter), AuditActorFilter, AuditActionFilter, "article")
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
