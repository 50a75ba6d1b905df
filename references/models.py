"""The shared reference library and the numbered citations that point into it."""

from django.db import models
from django.db.models import Q

from articles.content import validate_link_url, validate_single_line


class Reference(models.Model):
    """One bibliographic record, shared by every article that cites it.

    Deduplicated by DOI and by PMID (each unique when present). DOIs are stored lower-case.
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
    title = models.CharField(max_length=500, validators=[validate_single_line])
    authors = models.CharField(
        max_length=500, blank=True, help_text="Issuing body or authors.", validators=[validate_single_line]
    )
    publisher = models.CharField(
        max_length=300, blank=True, help_text="Publisher or journal.", validators=[validate_single_line]
    )
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    doi = models.CharField("DOI", max_length=255, blank=True, db_index=True)
    pmid = models.CharField("PMID", max_length=20, blank=True, db_index=True)
    url = models.URLField("URL", max_length=1000, blank=True, validators=[validate_link_url])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CURRENT)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["doi"], condition=~Q(doi=""), name="reference_unique_doi"),
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
