"""The edit form's content: an article's sections and its reference list as admin inlines.

Both follow the article's permissions (``ArticleContentInline``): editable only while the article is new
or in draft / changes requested, by someone who may edit it; shown a page at a time
(``PagedInlineFormSet``). The reference list is edited in place, one compact row per citation
(``CitationRowForm``): a reference of the library, or one pasted as a DOI, a PMID or a citation line.
Saving goes through ``ArticleAdmin`` (``reviewboard.admin.articles``) and its one write path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, QueryDict

from articles.importing import ImportError_, read_reference
from articles.models import EDITABLE_STATES, Article, Section
from references.lookup import registered_reference
from references.models import Citation, Reference

if TYPE_CHECKING:
    from reviewboard.admin.articles import ArticleAdmin


def content_is_editable(article: Article | None) -> bool:
    """A new article, or one in draft / changes requested."""
    return article is None or article.pk is None or article.state in EDITABLE_STATES


class PagedInlineFormSet(BaseInlineFormSet):
    """An inline formset showing one page of the article's rows (``?<prefix>-page=N``).

    An article with thousands of citations would otherwise draw thousands of rows (megabytes of
    HTML). The page number travels in the query string, which the change form posts back to, so a
    save reads and validates exactly the rows that were shown; rows on other pages are untouched.
    """

    per_page = 50
    request: HttpRequest | None = None  # set per request by ArticleContentInline.get_formset

    def get_queryset(self) -> Any:
        if not hasattr(self, "_paged_queryset"):
            queryset = super().get_queryset()
            number = self.request.GET.get(f"{self.prefix}-page") if self.request is not None else None
            self.page = Paginator(queryset, self.per_page).get_page(number)
            self._paged_queryset = list(self.page.object_list)
        return self._paged_queryset

    def page_links(self) -> list[dict[str, Any]]:
        """Links to every page when there is more than one (for the inline's template)."""
        self.get_queryset()
        if self.page.paginator.num_pages <= 1:
            return []
        query = self.request.GET.copy() if self.request is not None else QueryDict(mutable=True)
        links = []
        for number in self.page.paginator.page_range:
            query[f"{self.prefix}-page"] = number
            links.append({"number": number, "url": f"?{query.urlencode()}", "current": number == self.page.number})
        return links


class ArticleContentInline:
    """Sections and citations are the article's content: they follow the article's permissions.

    Editable only while the article is (a new article or) in an editable state and the user
    may edit this article; no add, change or delete otherwise. Shown a page at a time
    (``PagedInlineFormSet``).
    """

    formset = PagedInlineFormSet
    template = "admin/articles/article/paged_inline.html"  # page links, then ``rows_template``

    def get_formset(self, request: HttpRequest, obj: Article | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"request": request})

    def _parent(self) -> ArticleAdmin:
        return self.admin_site.get_model_admin(Article)

    def _may_edit(self, request: HttpRequest, obj: Article | None) -> bool:
        parent = self._parent()
        if obj is None:
            return parent.has_add_permission(request)
        return content_is_editable(obj) and parent.has_change_permission(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return self._parent().has_view_or_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return self._may_edit(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return self._may_edit(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Article | None = None) -> bool:
        return self._may_edit(request, obj)


class SectionInline(ArticleContentInline, admin.StackedInline):
    model = Section
    rows_template = "admin/edit_inline/stacked.html"
    fields = (("position", "audience", "level", "heading"), "body")
    ordering = ("position",)
    extra = 0


class CitedReferenceSelect(AutocompleteSelect):
    """The reference autocomplete, drawing each row's chosen reference from ``loaded``.

    Django's widget runs one query per citation row to label the selected option; the
    citation inline loads the article's references once and shares them with every row.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Shared by the copies Django makes for each row (widgets are copied shallowly).
        self.loaded: dict[str, Reference] = {}

    def optgroups(self, name: str, value: list[Any], attr: Any = None) -> list[tuple[Any, list, int]]:
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if not selected or not selected <= self.loaded.keys():
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        for pk in sorted(selected):
            reference = self.loaded[pk]
            label = self.choices.field.label_from_instance(reference)
            options.append(self.create_option(name, reference.pk, label, selected, len(options)))
        return [(None, options, 0)]


class CitationRowForm(forms.ModelForm):
    """One row of the reference list, edited in place: a reference of the library (autocomplete), or one
    pasted as a DOI, a PMID or a whole citation line, read by the importer's reference reader
    (``articles.importing.read_reference``) and completed by the reference lookup when it is on. The number
    may be left empty on a new row: it takes the next free number. The pasted reference travels as
    ``cleaned_data["reference_data"]`` to the one write path (``ArticleAdmin._content_from_forms``)."""

    paste = forms.CharField(
        required=False,
        max_length=5_000,
        label="or paste a DOI, PMID or citation",
        widget=forms.TextInput(attrs={"size": 48, "class": "citation-paste", "autocomplete": "off"}),
    )

    class Meta:
        model = Citation
        fields = ("number", "reference")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("number", "reference"):
            if name in self.fields:
                self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        pasted = (cleaned.get("paste") or "").strip()
        if cleaned.get("DELETE"):
            return cleaned
        if pasted:
            try:
                data = registered_reference(read_reference(pasted))
            except ImportError_ as exc:
                self.add_error("paste", exc.message)
                return cleaned
            if not data.title:
                self.add_error(
                    "paste",
                    "A DOI or PMID alone gives no title while the reference lookup is off: paste the whole citation.",
                )
                return cleaned
            cleaned["reference_data"] = data
            cleaned["reference"] = None
        elif "reference" in self.fields and not cleaned.get("reference"):
            self.add_error("reference", "Choose a reference from the library, or paste a DOI, PMID or citation.")
        return cleaned


class CitationInline(ArticleContentInline, admin.StackedInline):
    """Stacked, not tabular: each field keeps its own label (a table's inputs have none; screen readers need one).
    One compact line per reference, no pop-ups: the library's autocomplete, or a pasted identifier or citation."""

    model = Citation
    form = CitationRowForm
    rows_template = "admin/edit_inline/stacked.html"
    fields = (("number", "reference", "paste"),)
    autocomplete_fields = ("reference",)
    ordering = ("number",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Citation]:
        return super().get_queryset(request).select_related("reference")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "reference":
            kwargs["widget"] = CitedReferenceSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "reference" and field is not None and hasattr(field.widget, "can_add_related"):
            # No pop-ups: a new reference is pasted on the row; the library is edited on its own page.
            field.widget.can_add_related = field.widget.can_change_related = False
            field.widget.can_view_related = field.widget.can_delete_related = False
        return field

    def get_formset(self, request: HttpRequest, obj: Article | None = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("reference")
        widget = getattr(field, "widget", None)
        widget = getattr(widget, "widget", widget)  # inside the admin's add/change-related wrapper
        if obj is not None and obj.pk is not None and isinstance(widget, CitedReferenceSelect):
            widget.loaded.update((str(c.reference_id), c.reference) for c in obj.citations.select_related("reference"))
        return formset
