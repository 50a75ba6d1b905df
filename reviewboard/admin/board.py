"""Django admin for the board: reviewers and specialties, and read-only views of the review records.

Assignments, sign-offs, comments and audit entries are written only by ``reviewboard.review.services``
(from the article's review screen, the API, commands and tasks), so their admin pages are lists
to read: no add, change or delete. The audit log's admin (``reviewboard.admin.audit``) refuses them
to everyone, superusers included.

"My review queue" (``<admin>/reviewboard/assignment/queue/``) lists the articles assigned to the
user that still wait for their sign-off on the content under review. The admin index shows it
first to board reviewers (``admin/reviewboard/index.html``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from config.exceptions import ServiceError
from reviewboard.admin.review_words import close_reason_words, person_name, short_hash
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.board.credentials import VERIFIED_FIELDS, credential_verify
from reviewboard.models import (
    Assignment,
    Comment,
    Credential,
    Declaration,
    ReviewerProfile,
    SignOff,
    Specialty,
)
from reviewboard.review import selectors
from reviewboard.review.services import comment_resolve
from reviewboard.review.states import state_label


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
    """Records the services write: visible to those with the view permission, never edited here.

    ``visible``: the selector that scopes the rows to the articles the user sees, like the review screen and
    the review API (``selectors.visible_articles``); lists, detail pages and exports read only those."""

    visible: Callable[[Any], QuerySet] | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if self.visible is None:
            return queryset
        return queryset.filter(pk__in=self.visible(request.user).values("pk"))

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
    fields = ("kind", "name", "number", "issuing_body", "expires_on", "status", "verified_by_name", "verified_at")
    readonly_fields = ("status", "verified_by_name", "verified_at")

    @admin.display(description="status")
    def status(self, obj: Credential) -> str:
        return board_selectors.credential_status(obj) if obj.pk else "new"

    @admin.display(description="verified by")
    def verified_by_name(self, obj: Credential) -> str:
        return permissions.display_name(obj.verified_by) if obj.verified_by_id else ""


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
        "verified_by_name",
        "verified_at",
    )
    list_filter = ("kind", ("verified_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "number", "profile__user__username", "profile__user__last_name")
    list_select_related = ("profile__user", "verified_by")
    readonly_fields = ("verified_by_name", "verified_at")
    actions = ("verify_selected",)

    @admin.display(description="reviewer", ordering="profile__user__last_name")
    def reviewer(self, obj: Credential) -> str:
        return person_name(obj.profile.user)

    @admin.display(description="verified by", ordering="verified_by__last_name")
    def verified_by_name(self, obj: Credential) -> str:
        return permissions.display_name(obj.verified_by) if obj.verified_by_id else ""

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


class CloseReasonFilter(admin.SimpleListFilter):
    """Why assignments closed, in words ("changes requested", "reviewer removed"), not the stored codes."""

    title = "closed because"
    parameter_name = "close_reason"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        reasons = Assignment.objects.exclude(close_reason="").values_list("close_reason", flat=True).distinct()
        return [(reason, close_reason_words(reason)) for reason in sorted(reasons)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> QuerySet[Assignment]:
        return queryset.filter(close_reason=self.value()) if self.value() else queryset


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    visible = staticmethod(selectors.visible_assignments)
    list_display = (
        "article_question",
        "reviewer_name",
        "assigned_at",
        "due_at",
        "closed_at",
        "closed_because",
        "reminders_sent",
    )
    list_filter = (("closed_at", admin.EmptyFieldListFilter), CloseReasonFilter)
    search_fields = ("article__question", "article__slug", "reviewer__username", "reviewer__last_name")
    list_select_related = ("article", "reviewer")
    date_hierarchy = "assigned_at"

    @admin.display(description="article", ordering="article__question")
    def article_question(self, obj: Assignment) -> str:
        return article_link(obj.article)

    @admin.display(description="reviewer", ordering="reviewer__last_name")
    def reviewer_name(self, obj: Assignment) -> str:
        return person_name(obj.reviewer)

    @admin.display(description="closed because", ordering="close_reason")
    def closed_because(self, obj: Assignment) -> str:
        return close_reason_words(obj.close_reason) if obj.closed_at else ""

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
                "state": state_label(assignment.article.state),
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
            "invitations": sum(1 for row in rows if row["answer"] == "awaiting"),
            "to_sign": sum(1 for row in rows if row["answer"] != "awaiting"),
            "is_reviewer": permissions.is_board_reviewer(request.user),
            "reviewer_name": person_name(request.user),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/reviewboard/review_queue.html", context)


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    visible = staticmethod(selectors.visible_signoffs)
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
    visible = staticmethod(selectors.visible_comments)
    actions = ("resolve_selected",)
    action_form = ResolveActionForm

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
