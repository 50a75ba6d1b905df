"""Admin for what client apps send and receive: the chair's queue of reader reports, the published
versions whose clinical significance is still to be assessed (What's new), webhook endpoints and
their deliveries (with each attempt, and manual redelivery).

All of it is the chair's (``permissions.is_chair``): reports are triaged with the declared actions
(``dismiss_report``, ``open_rereview``) through ``reviewboard.clients.reports``; endpoints are
created and changed through ``reviewboard.delivery.webhooks`` so URLs, event types and secrets are checked
the same way as in the API.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html

from articles.models import PublishedVersion
from config.exceptions import ServiceError
from reviewboard.admin.board import ReadOnlyAdmin, article_link, perform_each
from reviewboard.board import permissions
from reviewboard.clients import reports
from reviewboard.delivery import webhooks
from reviewboard.models import ReaderReport, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from reviewboard.review import actions, services
from reviewboard.review.actions import ACTIONS

# The triage actions a report's own page offers, each with the one service call it makes (its text input
# is the declaration's only text field: the reason to dismiss, the note for the re-review).
TRIAGE = {
    "open_rereview": lambda report, user, text: reports.report_open_rereview(report=report, user=user, note=text),
    "dismiss_report": lambda report, user, text: reports.report_dismiss(report=report, user=user, reason=text),
}


class ChairOnly:
    """Visible to the chair (and superusers) only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_chair(request.user)


class ChairQueue(ChairOnly, ReadOnlyAdmin):
    """A chair's queue of records about articles, worked through with declared actions on the
    selected rows (``reviewboard.admin.board.perform_each``: each done or refused on its own)."""

    @admin.display(description="article", ordering="article__question")
    def article_question(self, obj: Any) -> str:
        return article_link(obj.article)


# --- reader reports -------------------------------------------------------------------------------


class TriageActionForm(ActionForm):
    note = forms.CharField(
        required=False,
        label="Reason / note",
        help_text="Dismissing needs a reason (the filing client reads it); a re-review takes an optional note.",
    )


class QueueFilter(admin.SimpleListFilter):
    """A list filter that selects ``default`` (what waits for the chair) when the URL names none;
    "all" is one of its choices."""

    default = "all"

    def __init__(self, request: HttpRequest, params: Any, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        # Opened without a choice: what waits for the chair, unless nothing does (then everything: a
        # queue never opens on an empty view).
        self.fallback = False
        if super().value() is None and self.default != "all":
            self.fallback = not self.queryset(request, model_admin.get_queryset(request)).exists()

    def value(self) -> str:
        if super().value() is None and getattr(self, "fallback", False):
            return "all"
        return super().value() or self.default

    def choices(self, changelist):
        for value, label in self.lookup_choices:
            yield {
                "selected": self.value() == value,
                "query_string": changelist.get_query_string({self.parameter_name: value}),
                "display": label,
            }


class ReceivedFirst(QueueFilter):
    title = "status"
    parameter_name = "status"
    default = ReaderReport.Status.RECEIVED

    def lookups(self, request, model_admin):
        return [("all", "All"), *ReaderReport.Status.choices]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(ReaderReport)
class ReaderReportAdmin(ChairQueue):
    """The chair's queue: reports waiting for triage first (the default filter), oldest first."""

    list_display = ("created_at", "article_question", "version_number", "kind", "section", "text_start", "status")
    list_filter = (ReceivedFirst, "kind")
    search_fields = ("text", "article__slug", "article__question", "section", "client_name")
    list_select_related = ("article", "triaged_by")
    ordering = ("created_at", "pk")
    actions = ("dismiss_selected", "open_rereview_selected")
    action_form = TriageActionForm
    readonly_fields = (
        "public_id",
        "article",
        "version_number",
        "client_name",
        "kind",
        "section",
        "text",
        "contact",
        "status",
        "created_at",
        "triaged_at",
        "triaged_by",
        "triage_note",
    )
    fields = readonly_fields

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<path:object_id>/triage/<str:name>/",
                self.admin_site.admin_view(self.triage_view),
                name="reviewboard_readerreport_triage",
            ),
            *super().get_urls(),
        ]

    def triage_forms(self, request: HttpRequest, report: ReaderReport) -> list[dict[str, Any]]:
        """The triage actions this user may take on this report now, drawn from their declarations."""
        forms_: list[dict[str, Any]] = []
        if report.status != ReaderReport.Status.RECEIVED:
            return forms_  # triaged once: the actions' validation (``_validate_triage``) refuses a second time
        for name in TRIAGE:
            if actions.refusal(name, article=report.article, user=request.user, target=report) is not None:
                continue
            action = ACTIONS[name]
            field = action.fields[0]
            forms_.append(
                {
                    "name": name,
                    "label": action.label,
                    "field": field.name,
                    "prompt": field.label,
                    "required": field.required,
                    "help": field.help,
                    "confirm": f"{action.label}? {action.confirm}" if action.confirm else "",
                    "url": reverse("admin:reviewboard_readerreport_triage", args=[report.pk, name]),
                }
            )
        return forms_

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        report = self.get_object(request, object_id)
        extra = {"triage_forms": self.triage_forms(request, report) if report is not None else []}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def triage_view(self, request: HttpRequest, object_id: str, name: str) -> HttpResponse:
        """One report's triage from its own page: the declared action's service, then the next report."""
        report = self.get_object(request, object_id)
        if report is None or not self.has_view_permission(request, report) or name not in TRIAGE:
            self.message_user(request, "There is no such reader report to triage.", level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:reviewboard_readerreport_changelist"))
        page = reverse("admin:reviewboard_readerreport_change", args=[report.pk])
        if request.method != "POST":
            return HttpResponseRedirect(page)
        field = ACTIONS[name].fields[0].name
        try:
            TRIAGE[name](report, request.user, request.POST.get(field, ""))
        except ServiceError as exc:
            self.message_user(request, f"Not triaged: {exc.message}", level=messages.ERROR)
            return HttpResponseRedirect(page)
        self.message_user(request, f"{ACTIONS[name].audit_label}.", level=messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:reviewboard_readerreport_changelist"))

    @admin.display(description="report")
    def text_start(self, obj: ReaderReport) -> str:
        return obj.text[:100] + ("…" if len(obj.text) > 100 else "")

    def has_triage_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    def _triage(self, request: HttpRequest, queryset: QuerySet[ReaderReport], perform, done_label: str) -> None:
        note = request.POST.get("note", "")
        perform_each(
            self,
            request,
            queryset.select_related("article"),
            lambda report: perform(report, note),
            name=lambda report: str(report.public_id),
            done=f"report(s) {done_label}",
            not_done="Not triaged",
        )

    @admin.action(description="Dismiss the selected reports (reason in the note)", permissions=["triage"])
    def dismiss_selected(self, request: HttpRequest, queryset: QuerySet[ReaderReport]) -> None:
        self._triage(
            request,
            queryset,
            lambda report, note: reports.report_dismiss(report=report, user=request.user, reason=note),
            "dismissed",
        )

    @admin.action(description="Open a re-review of the selected reports' articles", permissions=["triage"])
    def open_rereview_selected(self, request: HttpRequest, queryset: QuerySet[ReaderReport]) -> None:
        self._triage(
            request,
            queryset,
            lambda report, note: reports.report_open_rereview(report=report, user=request.user, note=note),
            "sent to re-review",
        )


# --- what changed for readers ----------------------------------------------------------------------


class AssessmentFilter(QueueFilter):
    title = "clinical significance"
    parameter_name = "assessed"
    default = "no"

    def lookups(self, request, model_admin):
        return [
            ("no", "Not assessed yet"),
            ("significant", "Significant"),
            ("minor", "Not significant"),
            ("all", "All"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "no":
            return queryset.filter(clinically_significant__isnull=True, retracted_at__isnull=True)
        if value == "all":
            return queryset
        return queryset.filter(clinically_significant=value == "significant")


@admin.register(PublishedVersion)
class PublishedVersionAdmin(ChairQueue):
    """Published versions; by default those approved by the reviewers' sign-offs without the chair's
    mark of clinical significance, which the chair gives here (``assess_significance``)."""

    list_display = ("approved_at", "article_question", "number", "change_summary", "sections", "clinically_significant")
    list_filter = (AssessmentFilter,)
    search_fields = ("article__slug", "question", "change_summary")
    list_select_related = ("article",)
    ordering = ("-approved_at", "-pk")
    actions = ("mark_significant", "mark_not_significant")
    fields = (
        "article",
        "number",
        "question",
        "approved_at",
        "change_summary",
        "sections_changed",
        "clinically_significant",
        "significance_assessed_at",
        "rendered_at",
        "retracted_at",
        "retraction_reason",
    )
    readonly_fields = fields

    @admin.display(description="sections changed")
    def sections(self, obj: PublishedVersion) -> str:
        return ", ".join(obj.sections_changed) or "-"

    def has_assess_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    def _assess(self, request: HttpRequest, queryset: QuerySet[PublishedVersion], significant: bool) -> None:
        label = "clinically significant" if significant else "not clinically significant"
        perform_each(
            self,
            request,
            queryset.select_related("article"),
            lambda version: services.version_assess_significance(
                version=version, user=request.user, clinically_significant=significant
            ),
            name=str,
            done=f"version(s) marked {label}",
            not_done="Not marked",
        )

    @admin.action(description="Mark clinically significant (listed under What's new)", permissions=["assess"])
    def mark_significant(self, request: HttpRequest, queryset: QuerySet[PublishedVersion]) -> None:
        self._assess(request, queryset, True)

    @admin.action(description="Mark not clinically significant", permissions=["assess"])
    def mark_not_significant(self, request: HttpRequest, queryset: QuerySet[PublishedVersion]) -> None:
        self._assess(request, queryset, False)


# --- webhooks -------------------------------------------------------------------------------------


class WebhookEndpointForm(forms.ModelForm):
    url = forms.CharField(max_length=500, help_text="Where deliveries are POSTed (https in production).")
    events = forms.MultipleChoiceField(
        choices=[(e, e) for e in webhooks.EVENT_TYPES], widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "events", "api_key", "active")

    def clean_url(self) -> str:
        try:
            return webhooks.clean_url(self.cleaned_data["url"])
        except ServiceError as exc:
            raise forms.ValidationError(exc.message) from exc


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ChairOnly, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "events_list", "api_key", "active", "failing_since", "disabled_at")
    list_filter = ("active",)
    readonly_fields = ("secret", "previous_secret_expires_at", "failing_since", "disabled_at", "disabled_reason")
    actions = ("rotate_secret", "enable")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_chair(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return permissions.is_chair(request.user)

    @admin.display(description="events")
    def events_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events)

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form, change: bool) -> None:
        data = form.cleaned_data
        if change:
            endpoint = webhooks.webhook_endpoint_update(
                endpoint=obj,
                url=data["url"],
                events=data["events"],
                description=data["description"],
                active=data["active"],
            )
        else:
            endpoint = webhooks.webhook_endpoint_create(
                url=data["url"], events=data["events"], api_key=data["api_key"], description=data["description"]
            )
        obj.pk = endpoint.pk

    @admin.action(description="Rotate the signing secret (the old one signs too for the overlap)")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhooks.webhook_secret_rotate(endpoint=endpoint)
        self.message_user(request, f"{queryset.count()} secret(s) rotated.", level=messages.SUCCESS)

    @admin.action(description="Enable (sends what waited, in order)")
    def enable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            webhooks.webhook_endpoint_update(endpoint=endpoint, active=True)
        self.message_user(request, f"{queryset.count()} endpoint(s) enabled.", level=messages.SUCCESS)


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ("attempted_at", "status_code", "ok", "duration_ms", "manual", "response_excerpt")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ChairOnly, ReadOnlyAdmin):
    list_display = ("created_at", "event_type", "endpoint", "status", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("status", "event_type")
    search_fields = ("endpoint__url", "message_id")
    list_select_related = ("endpoint",)
    fields = (
        "endpoint",
        "event_type",
        "message_id",
        "status",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "body_pre",
    )
    readonly_fields = fields
    inlines = (WebhookAttemptInline,)
    actions = ("redeliver",)

    @admin.display(description="body")
    def body_pre(self, obj: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", obj.body)

    def has_redeliver_permission(self, request: HttpRequest) -> bool:
        return permissions.is_chair(request.user)

    @admin.action(description="Redeliver now (same webhook-id)", permissions=["redeliver"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset.order_by("priority", "created_at", "pk"):
            try:
                attempt = webhooks.webhook_redeliver(delivery=delivery)
            except ServiceError as exc:
                self.message_user(request, f"{delivery}: {exc.message}", level=messages.ERROR)
                continue
            level = messages.SUCCESS if attempt.ok else messages.WARNING
            self.message_user(request, f"{delivery}: answered {attempt.status_code or 'nothing'}.", level=level)
