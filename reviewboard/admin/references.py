"""Django admin for the shared reference library.

A new reference is created through ``references.services.reference_get_or_create`` (DOI and
PMID normalised and validated, deduplicated against the library). A correction to an
existing one goes through ``references.services.reference_correct``, which validates it and
regenerates the published versions that cite it after commit. Service errors become an
error message, never a 500. The change page lists the articles that cite the reference.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from articles.content import ReferenceData
from articles.models import Article
from config.admin import ServiceErrorsAsMessagesMixin
from references.integrity import doi_as_written, is_valid_doi, is_valid_pmid, normalise_doi, normalise_pmid
from references.models import Citation, Reference
from references.services import reference_get_or_create
from reviewboard.review.services.library import reference_correct, reference_mark_status

# "https://doi.org/10.1/x", "doi:10.1/x", "PMID: 123" are searched as "10.1/x" and "123".
IDENTIFIER_PREFIX_RE = re.compile(r"(?i)(?:https?://(?:dx\.)?doi\.org/|\bdoi:\s*|\bpmid:?\s*)")
DATA_FIELDS = ("kind", "label", "title", "authors", "publisher", "year", "doi", "pmid", "url", "status")
STATUS_FIELDS = ("status", "superseded_by")


class ReferenceAdminForm(forms.ModelForm):
    """Normalises DOI and PMID as the library stores them and rejects malformed ones on the field."""

    class Meta:
        model = Reference
        fields = (*DATA_FIELDS, "superseded_by")
        # A URL typed without a scheme is read as https (Django 6's default; no deprecation warning).
        field_classes = {"url": partial(forms.URLField, assume_scheme="https")}

    def clean_doi(self) -> str:
        doi = doi_as_written(self.cleaned_data.get("doi", ""))
        if doi and not is_valid_doi(normalise_doi(doi)):
            raise forms.ValidationError(
                "Malformed DOI: expected 10.<registrant>/<suffix>, for example 10.7326/m16-2367.", code="invalid-doi"
            )
        return doi

    def clean_pmid(self) -> str:
        pmid = normalise_pmid(self.cleaned_data.get("pmid", ""))
        if pmid and not is_valid_pmid(pmid):
            raise forms.ValidationError("Malformed PMID: expected 1 to 8 digits.", code="invalid-pmid")
        return pmid


@admin.register(Reference)
class ReferenceAdmin(ServiceErrorsAsMessagesMixin, admin.ModelAdmin):
    form = ReferenceAdminForm
    list_display = ("title", "kind", "year", "doi", "pmid", "status", "citing_articles")
    list_filter = ("kind", "status", "year")
    search_fields = ("title", "doi", "pmid", "authors")
    list_per_page = 50
    autocomplete_fields = ("superseded_by",)
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("kind", "label", "title", "authors", "publisher", "year")}),
        ("Identifiers", {"fields": ("doi", "pmid", "url")}),
        ("Status", {"fields": ("status", "superseded_by", "created_at", "updated_at")}),
    )

    class Media:
        css = {"all": ("articles/admin.css",)}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reference]:
        return super().get_queryset(request).annotate(_citing_articles=Count("citations__article", distinct=True))

    def get_fieldsets(self, request: HttpRequest, obj: Reference | None = None) -> Any:
        if obj is None:  # a new record: what it is and how to find it; status changes come later
            return ((None, {"fields": ("kind", "title", "authors", "publisher", "year", "doi", "pmid", "url")}),)
        return super().get_fieldsets(request, obj)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Reference], search_term: str
    ) -> tuple[QuerySet[Reference], bool]:
        return super().get_search_results(request, queryset, IDENTIFIER_PREFIX_RE.sub("", search_term))

    @admin.display(description="citing articles", ordering="_citing_articles")
    def citing_articles(self, obj: Reference) -> int:
        return obj._citing_articles

    # --- saving through the services ---------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Reference, form: Any, change: bool) -> None:
        if change:
            corrected = {name: form.cleaned_data[name] for name in form.changed_data if name not in STATUS_FIELDS}
            if corrected:
                reference_correct(reference=obj, user=request.user, **corrected)
            if any(name in form.changed_data for name in STATUS_FIELDS):
                reference_mark_status(
                    reference=obj,
                    user=request.user,
                    status=form.cleaned_data["status"],
                    superseded_by=form.cleaned_data.get("superseded_by"),
                )
            obj.refresh_from_db()
            return
        data = ReferenceData(**{name: form.cleaned_data[name] for name in DATA_FIELDS if name in form.cleaned_data})
        started = timezone.now()
        reference = reference_get_or_create(data=data)
        obj.pk = reference.pk
        obj.refresh_from_db()
        obj._state.adding = False
        if reference.created_at < started:
            self.message_user(
                request,
                "The library already holds this work (same DOI, PMID or title and year); "
                "the existing record was kept unchanged.",
                level=messages.WARNING,
            )

    # --- the change page ---------------------------------------------------------------------

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Reference | None = None,
    ) -> HttpResponse:
        if obj is not None and obj.pk is not None:
            context.update(self.citing_panel(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def citing_panel(self, request: HttpRequest, reference: Reference) -> dict[str, Any]:
        """The articles citing ``reference``: linked where the user may open the article."""
        article_admin = self.admin_site.get_model_admin(Article)
        visible: set[int] = set()
        if article_admin.has_view_or_change_permission(request):
            visible = set(
                article_admin.get_queryset(request).filter(citations__reference=reference).values_list("pk", flat=True)
            )
        citations = (
            Citation.objects.filter(reference=reference)
            .select_related("article")
            .order_by("article__question", "article_id", "number")
        )
        rows = [
            {
                "article": c.article,
                "number": c.number,
                "url": reverse("admin:articles_article_change", args=[c.article_id]),
            }
            for c in citations
            if c.article_id in visible
        ]
        hidden = len({c.article_id for c in citations} - visible)
        return {"citing_rows": rows, "citing_hidden": hidden}
