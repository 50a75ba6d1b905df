"""Django admin for authors and editors: articles with their sections and citations.

The change page shows the working copy's integrity findings, its content hash, a rendered
preview and the published versions. Every save re-runs the integrity check and reports it.

Content is frozen while an article is submitted or under review, and locked once approved,
retracted or archived: every field and inline is then read-only, and a save is refused on
the server by the ``edit_content`` action (``reviewboard.review.services.content``), through which every
save of this form goes (a forged POST changes nothing).
State never changes here: ``state`` is read-only and transitions go through
``reviewboard.review.services``.

The change page is also the review screen, and the list shows each review's progress: that part
is ``reviewboard.admin.review.ArticleReviewAdminMixin`` (review panels, one admin URL per review
action, each calling the one service for it).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import ngettext
from django_fsm import ConcurrentTransition

from articles.content import ArticleContent, CitationData, SectionData, content_from_article, reference_data
from articles.models import Article, Audience, Section
from config.admin import ServiceErrorsAsMessagesMixin
from config.exceptions import ServiceError
from references.explain import explain
from references.integrity import Finding, check_content
from references.models import Citation, Reference
from reviewboard.admin.article_content import CitationInline, SectionInline, content_is_editable
from reviewboard.admin.dashboard import NEEDS, needs_rows
from reviewboard.admin.in_place import InPlaceAdminMixin
from reviewboard.admin.review import ArticleReviewAdminMixin
from reviewboard.admin.review_screen import ReviewScreenAdminMixin, preview_of
from reviewboard.admin.review_words import in_groups
from reviewboard.board import permissions
from reviewboard.review import selectors
from reviewboard.review.services.content import article_review_settings_update, content_create, content_update
from reviewboard.review.states import edit_banner, state_label

# Fields only a chair sets: they decide how the article is reviewed.
CHAIR_FIELDS = permissions.REVIEW_SETTINGS_FIELDS
# Written by the review workflow and publishing, never by a form.
WORKFLOW_FIELDS = (
    "state",
    "review_hash",
    "approved_at",
    "next_review_due",
    "review_overdue",
    "retraction_reason",
    "retracted_at",
    "live_version",
    "created_by_name",
    "created_at",
    "updated_at",
)


def count_per_article(model: type) -> Coalesce:
    """Rows of ``model`` per article as a correlated subquery (no GROUP BY on the article list)."""
    rows = model.objects.filter(article=OuterRef("pk")).order_by().values("article").annotate(n=Count("*"))
    return Coalesce(Subquery(rows.values("n"), output_field=IntegerField()), 0)


def finding_location(finding: Finding) -> str:
    parts = []
    if finding.section is not None:
        heading = f' "{finding.heading}"' if finding.heading else ""
        parts.append(f"section {finding.section}{heading}")
    if finding.marker:
        parts.append(f"marker {finding.marker}")
    elif finding.number is not None:
        parts.append(f"citation [{finding.number}]")
    return ", ".join(parts) or "article"


def summarise_findings(findings: list[Finding], *, limit: int = 5) -> str:
    """The findings as the sentences people act on (``references.explain``), never their codes."""
    problems = explain(findings)
    shown = " ".join(problem.sentence for problem in problems[:limit])
    more = len(problems) - limit
    return f"{shown} And {more} more problems." if more > 0 else shown


class NeedsFilter(admin.SimpleListFilter):
    """The article list's "Needs" filter: the admin home's counts link here (``reviewboard.admin.dashboard``)."""

    title = "needs"
    parameter_name = "needs"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(need.key, need.label.capitalize()) for need in NEEDS if need.who(request.user)]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Article]) -> QuerySet[Article]:
        if not self.value():
            return queryset
        return queryset.filter(pk__in=needs_rows(self.value(), Article.objects.all(), request.user).values("pk"))


@admin.register(Article)
class ArticleAdmin(
    ServiceErrorsAsMessagesMixin, InPlaceAdminMixin, ReviewScreenAdminMixin, ArticleReviewAdminMixin, admin.ModelAdmin
):
    list_display = (
        "question_link",
        "slug",
        "topic",
        "state",
        "signoffs",
        "next_due",
        "overdue",
        "updated_at",
        "section_count",
        "citation_count",
        "live",
    )
    list_display_links = None  # the question opens the review screen; it links to the edit form
    list_filter = (NeedsFilter, "state", "topic")
    search_fields = ("question", "slug", "topic")
    list_per_page = 50
    save_on_top = True  # Save is in view without scrolling past the sections
    # A plain multiple select: Django's two-box widget adds an aria-label that is not allowed on its span (axe).
    prepopulated_fields = {"slug": ("question",)}
    inlines = (SectionInline, CitationInline)
    # People by name in a search-as-you-type box (the admin's autocomplete, ``people_autocomplete``), not a
    # multi-select of every account.
    autocomplete_fields = ("authors",)
    fieldsets = (
        (None, {"fields": ("question", "slug", "topic", "authors")}),
        ("Review", {"classes": ("collapse",), "fields": ("required_specialty", "quorum", "state", "review_hash")}),
        (
            "Publication",
            {
                "classes": ("collapse",),  # read-only workflow dates: folded, the form stays short
                "fields": (
                    "live_version",
                    "approved_at",
                    "next_review_due",
                    "review_overdue",
                    "retraction_reason",
                    "retracted_at",
                    "created_by_name",
                    "created_at",
                    "updated_at",
                ),
            },
        ),
    )

    class Media:
        css = {"all": ("articles/admin.css",)}

    # --- who sees and edits what ------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[Article]:
        queryset = (
            super()
            .get_queryset(request)
            .select_related("live_version")
            .annotate(
                _section_count=count_per_article(Section),
                _citation_count=count_per_article(Citation),
            )
        )
        return queryset.filter(pk__in=selectors.visible_articles(request.user).values("pk"))

    def has_change_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.pk is None:
            return True
        # Memoised per request: the admin asks many times while drawing one page.
        cache = request.__dict__.setdefault("_article_edit_permission", {})
        if obj.pk not in cache:
            cache[obj.pk] = permissions.can_edit_as_author(obj, request.user)
        return cache[obj.pk]

    def has_delete_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        if obj is not None and not content_is_editable(obj):
            return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        # Bulk delete would skip the per-article state check above.
        actions.pop("delete_selected", None)
        return actions

    def _fieldsets(self, request: HttpRequest, obj: Article | None = None) -> Any:
        if obj is None:  # a new article has no review or publication data yet
            fields = ["question", "slug", "topic", "authors"]
            if permissions.can_set_review_settings(request.user):
                fields += CHAIR_FIELDS
            return ((None, {"fields": fields}),)
        return super().get_fieldsets(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Article | None = None) -> Any:
        fieldsets = self._fieldsets(request, obj)
        if self._may_set_authors(request):
            return fieldsets
        # Authors are set by editors and the chair (``save_related``): others read the names.
        return tuple(
            (name, {**options, "fields": tuple("author_names" if f == "authors" else f for f in options["fields"])})
            for name, options in fieldsets
        )

    def _may_set_authors(self, request: HttpRequest) -> bool:
        return permissions.is_editor(request.user) or permissions.is_chair(request.user)

    @admin.display(description="authors")
    def author_names(self, obj: Article) -> str:
        if obj is None or obj.pk is None:
            return ""
        return ", ".join(permissions.display_name(u) for u in obj.authors.select_related("reviewer_profile"))

    def get_readonly_fields(self, request: HttpRequest, obj: Article | None = None) -> tuple[str, ...]:
        if not content_is_editable(obj):
            return tuple(flatten_fieldsets(self.get_fieldsets(request, obj)))
        readonly = list(WORKFLOW_FIELDS) + ([] if self._may_set_authors(request) else ["author_names"])
        if not permissions.can_set_review_settings(request.user):
            readonly += CHAIR_FIELDS
        if obj is not None and (obj.live_version_id or obj.approved_at):
            readonly.append("slug")  # readers' URLs use it once it has been published
        return tuple(readonly)

    def get_prepopulated_fields(self, request: HttpRequest, obj: Article | None = None) -> dict[str, Any]:
        if "slug" in self.get_readonly_fields(request, obj):
            return {}
        return super().get_prepopulated_fields(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "authors" and field is not None:
            field.queryset = field.queryset.select_related("reviewer_profile")
            field.label_from_instance = permissions.display_name  # people by name, never by username
        return field

    @admin.display(description="created by")
    def created_by_name(self, obj: Article) -> str:
        return permissions.display_name(obj.created_by) if obj.created_by_id else ""

    # --- list columns -----------------------------------------------------------------------

    @admin.display(description="question", ordering="question")
    def question_link(self, obj: Article) -> str:
        return format_html('<a href="{}">{}</a>', self.review_url("review", obj), obj.question)

    @admin.display(description="sections", ordering="_section_count")
    def section_count(self, obj: Article) -> int:
        return obj._section_count

    @admin.display(description="citations", ordering="_citation_count")
    def citation_count(self, obj: Article) -> int:
        return obj._citation_count

    @admin.display(description="live", ordering="live_version__number")
    def live(self, obj: Article) -> str | None:
        return f"v{obj.live_version.number}" if obj.live_version_id else None

    # --- saving -----------------------------------------------------------------------------

    # A transition that committed while the form was open makes the save stale (ConcurrentTransitionMixin).
    refusals = (ServiceError, ConcurrentTransition)

    def refusal_message(self, exc: Exception) -> str:
        if isinstance(exc, ConcurrentTransition):
            return "Not saved: the article changed state while you were editing. Reload and try again."
        return super().refusal_message(exc)

    # The one write path: the form and its inlines become an ``ArticleContent`` that goes through
    # ``reviewboard.review.services.content`` like the API and the importer (who may, frozen/locked states,
    # the audit entry with the hash before and after). Nothing is saved by the ModelAdmin itself.

    def save_model(self, request: HttpRequest, obj: Article, form: Any, change: bool) -> None:
        """Nothing here: ``save_related`` has the inlines too, and writes everything in one service call."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        content = self._content_from_forms(form, formsets)
        if change:
            article = content_update(article=form.instance, user=request.user, content=content)
            if self._may_set_review_fields(request):
                article_review_settings_update(
                    article=article,
                    user=request.user,
                    quorum=form.cleaned_data.get("quorum", article.quorum),
                    required_specialty=form.cleaned_data.get("required_specialty", article.required_specialty),
                )
        else:
            article = content_create(content=content, author=request.user)
            if self._may_set_review_fields(request):
                article_review_settings_update(
                    article=article,
                    user=request.user,
                    quorum=form.cleaned_data.get("quorum"),
                    required_specialty=form.cleaned_data.get("required_specialty"),
                )
            form.instance.pk, form.instance.slug = article.pk, article.slug
            form.instance._state.adding = False
        if "authors" in form.cleaned_data and permissions.sees_every_article(request.user):
            article.authors.set(form.cleaned_data["authors"])
        self.report_integrity(request, article)

    def _may_set_review_fields(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: Any, add: bool = False) -> Any:
        """The admin log names the changed article fields only: the inline formsets are never saved by the
        admin (no ``new_objects`` & co.); the content change is audited by the service (hash before/after)."""
        return super().construct_change_message(request, form, [], add)

    @staticmethod
    def _content_from_forms(form: Any, formsets: Any) -> ArticleContent:
        """The submitted question, topic, sections and citations as plain content. An inline shows one page
        of rows (``PagedInlineFormSet``): rows on the other pages are kept as stored, the page's rows are
        replaced by what was posted, deleted rows are left out and new ones added."""
        data, instance = form.cleaned_data, form.instance
        stored: dict[type, dict[Any, dict[str, Any]]] = {Section: {}, Citation: {}}
        if instance.pk:
            for section in instance.sections.all():
                stored[Section][section.pk] = {
                    "position": section.position,
                    "audience": section.audience,
                    "heading": section.heading,
                    "body": section.body,
                    "level": section.level,
                }
            for citation in instance.citations.select_related("reference"):
                stored[Citation][citation.pk] = {"number": citation.number, "reference": citation.reference}
        for formset in formsets:
            rows = stored.get(formset.model)
            if rows is None:
                continue
            for extra, row_form in enumerate(formset.forms):
                cleaned, pk = row_form.cleaned_data, row_form.instance.pk
                if not cleaned:  # an empty extra form
                    continue
                if cleaned.get("DELETE"):
                    rows.pop(pk, None)
                else:
                    rows[pk if pk else ("new", extra)] = cleaned
        sections = sorted(stored[Section].values(), key=lambda r: r.get("position") or 0)
        citations = stored[Citation].values()
        # A view-only inline (content not editable) has its initial values as cleaned data: reference pks.
        pks = [r["reference"] for r in citations if isinstance(r.get("reference"), int)]
        records = Reference.objects.in_bulk(pks) if pks else {}
        cited = []
        taken = {row["number"] for row in citations if row.get("number")}
        free = (n for n in range(1, len(taken) + len(citations) + 2) if n not in taken)
        for row in citations:
            number = row.get("number") or next(free)  # a new row left without a number: the next free one
            if row.get("reference_data") is not None:  # pasted on the row (``CitationRowForm``)
                cited.append(CitationData(number=number, reference=row["reference_data"]))
                continue
            reference = row.get("reference")
            reference = records.get(reference) if isinstance(reference, int) else reference
            if reference is not None:
                cited.append(CitationData(number=number, reference=reference_data(reference)))
        return ArticleContent(
            question=data.get("question", instance.question),
            topic=data.get("topic", instance.topic) or "",
            slug=data.get("slug", instance.slug) or "",
            sections=tuple(
                SectionData(
                    heading=r["heading"],
                    body=r.get("body") or "",
                    level=r.get("level") or 2,
                    audience=r.get("audience") or Audience.CLINICIAN,
                )
                for r in sections
            ),
            citations=tuple(sorted(cited, key=lambda c: c.number)),
        )

    def report_integrity(self, request: HttpRequest, article: Article) -> None:
        report = check_content(content_from_article(article))
        if report.errors:
            count = len(report.errors)
            self.message_user(
                request,
                ngettext(
                    "%(count)d citation problem will block submission: %(list)s",
                    "%(count)d citation problems will block submission: %(list)s",
                    count,
                )
                % {"count": count, "list": summarise_findings(report.errors)},
                level=messages.WARNING,
            )
        if report.warnings:
            count = len(report.warnings)
            self.message_user(
                request,
                ngettext(
                    "%(count)d citation warning for reviewers: %(list)s",
                    "%(count)d citation warnings for reviewers: %(list)s",
                    count,
                )
                % {"count": count, "list": summarise_findings(report.warnings)},
                level=messages.WARNING,  # a finding is never drawn as a (green) success
            )
        if not report.findings:
            self.message_user(request, "Citation check: no problems.", level=messages.INFO)

    # --- the change page --------------------------------------------------------------------

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Article | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            # Loaded once for the page: the content hash, the preview, the transition conditions
            # and the comment form all read these (content_from_article uses prefetched rows).
            prefetch_related_objects(
                [obj], "sections", Prefetch("citations", queryset=Citation.objects.select_related("reference"))
            )
            content = content_from_article(obj)
            context.update(self.article_panels(obj, content=content))
            context.update(
                review_screen_url=self.review_url("review", obj),
                state_label=state_label(obj.state),
            )
            if not content_is_editable(obj):
                context.update(
                    show_save=False, show_save_and_continue=False, show_save_and_add_another=False, show_delete=False
                )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def article_panels(self, article: Article, *, content: ArticleContent | None = None) -> dict[str, Any]:
        """What the change page shows around the form: banner, findings, hash, preview, versions."""
        content = content or content_from_article(article)
        report = check_content(content)
        versions = list(
            article.versions.order_by("-number").only(
                "id", "number", "content_hash", "approved_at", "rendered_at", "retracted_at", "retraction_reason"
            )
        )
        problems = explain(report.findings)
        warning_groups = sum(1 for problem in problems if not problem.is_error)
        return {
            "content_banner": edit_banner(article.state),
            "content_hash": content.content_hash,
            "integrity_errors": [{"finding": f, "location": finding_location(f)} for f in report.errors],
            "integrity_warnings": [{"finding": f, "location": finding_location(f)} for f in report.warnings],
            "problems": problems,
            # counted as the panel lists them (one entry per problem), in the words of the jump strip
            "problem_warnings": in_groups(len(report.warnings), warning_groups),
            "findings_words": in_groups(len(report.errors) + len(report.warnings), len(problems)),
            "preview": preview_of(content),
            "published_versions": [
                {"version": v, "short_hash": v.content_hash[:12], "is_live": v.pk == article.live_version_id}
                for v in versions
            ],
        }
