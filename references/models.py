"""The shared reference library and the numbered citations that point into it."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from articles.content import validate_link_url, validate_reference_year, validate_single_line


class Retraction(models.Model):
    """One notice of the retraction dataset (Retraction Watch layout) about an original paper.

    Loaded by ``manage.py import_retractions`` (``references.retractions``); matched to library
    records by the original paper's normalised DOI or PMID. Only a notice of nature
    ``retraction`` withdraws a record; an expression of concern is linked and shown as a warning;
    corrections and reinstatements are kept for the record and change nothing.
    """

    class Nature(models.TextChoices):
        RETRACTION = "retraction", "Retraction"
        EXPRESSION_OF_CONCERN = "expression_of_concern", "Expression of concern"
        CORRECTION = "correction", "Correction"
        REINSTATEMENT = "reinstatement", "Reinstatement"

    record_id = models.CharField("Record ID", max_length=32, unique=True, help_text="Retraction Watch's Record ID.")
    nature = models.CharField(max_length=32, choices=Nature.choices)
    title = models.CharField(max_length=1000, blank=True, help_text="Title of the original paper.")
    journal = models.CharField(max_length=500, blank=True)
    publisher = models.CharField(max_length=500, blank=True)
    original_doi = models.CharField(
        "original paper DOI",
        max_length=255,
        blank=True,
        db_index=True,
        help_text="Normalised (lower-case, no resolver prefix).",
    )
    original_pmid = models.CharField("original paper PMID", max_length=20, blank=True, db_index=True)
    original_date = models.DateField(null=True, blank=True)
    notice_doi = models.CharField("notice DOI", max_length=255, blank=True)
    notice_pmid = models.CharField("notice PMID", max_length=20, blank=True)
    notice_date = models.DateField(null=True, blank=True, help_text="Date of the retraction or other notice.")
    reasons = models.TextField(blank=True, help_text="Reasons given, separated by '; '.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-notice_date", "record_id"]

    def __str__(self) -> str:
        return f"{self.get_nature_display()} {self.record_id}: {self.title}"

    def describe(self) -> str:
        """``Retraction of 2021-03-04, notice 10.5555/x (Retraction Watch record 123; reasons: ...)``."""
        text = self.get_nature_display()
        if self.notice_date:
            text += f" of {self.notice_date.isoformat()}"
        if self.notice_doi or self.notice_pmid:
            text += f", notice {self.notice_doi or 'PMID ' + self.notice_pmid}"
        text += f" (Retraction Watch record {self.record_id}"
        if self.reasons:
            text += f"; reasons: {self.reasons}"
        return text + ")"


class Reference(models.Model):
    """One bibliographic record, shared by every article that cites it.

    Deduplicated by DOI and by PMID (each unique when present). A DOI is stored as its author wrote it
    (without a resolver prefix) and is unique and compared case-insensitively, as DOIs are.
    """

    class Kind(models.TextChoices):
        GUIDELINE = "guideline", "Guideline"
        SYSTEMATIC_REVIEW = "systematic_review", "Systematic review"
        TRIAL = "trial", "Trial"
        DRUG_LABEL = "drug_label", "Drug label"
        TEXTBOOK = "textbook", "Textbook"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        SUPERSEDED = "superseded", "Superseded"
        WITHDRAWN = "withdrawn", "Withdrawn"

    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    label = models.CharField(
        max_length=100,
        blank=True,
        help_text="The publication type as the source wrote it (e.g. 'Practice Bulletin'); the kind is its class.",
    )
    title = models.CharField(max_length=500, validators=[validate_single_line])
    authors = models.CharField(
        max_length=500, blank=True, help_text="Issuing body or authors.", validators=[validate_single_line]
    )
    publisher = models.CharField(
        max_length=300, blank=True, help_text="Publisher or journal.", validators=[validate_single_line]
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True, validators=[validate_reference_year])
    doi = models.CharField("DOI", max_length=255, blank=True, db_index=True)
    pmid = models.CharField("PMID", max_length=20, blank=True, db_index=True)
    url = models.URLField("URL", max_length=1000, blank=True, validators=[validate_link_url])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CURRENT)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    retraction = models.ForeignKey(
        Retraction,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="references",
        help_text="The retraction notice or expression of concern matched to this record by DOI or PMID.",
    )
    registered_title = models.CharField(
        max_length=500, blank=True, help_text="The title registered for its DOI or PMID (reference lookup)."
    )
    registered_source = models.CharField(max_length=16, blank=True, help_text="Where registered_title came from.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(Lower("doi"), condition=~Q(doi=""), name="reference_unique_doi_any_case"),
            models.UniqueConstraint(fields=["pmid"], condition=~Q(pmid=""), name="reference_unique_pmid"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})" if self.year else self.title


class Citation(models.Model):
    """Citation number ``number`` of an article points to ``reference``."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="citations")
    number = models.PositiveIntegerField()
    reference = models.ForeignKey(Reference, on_delete=models.PROTECT, related_name="citations")

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="citation_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="citation_number_positive"),
        ]

    def __str__(self) -> str:
        return f"[{self.number}] {self.reference.title}"
