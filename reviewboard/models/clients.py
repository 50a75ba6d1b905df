"""What client apps send: reader reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReaderReport(models.Model):
    """A reader's report on a published article, filed by a client app with its API key; the chair
    triages it (dismiss with a reason, or open a re-review) and the filing client reads its status."""

    class Kind(models.TextChoices):
        FACTUAL_ERROR = "factual_error", "Factual error"
        OUTDATED = "outdated", "Outdated"
        BROKEN_REFERENCE = "broken_reference", "Broken reference"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        DISMISSED = "dismissed", "Dismissed"
        REREVIEW = "rereview_opened", "Re-review opened"

    public_id = models.UUIDField(unique=True, editable=False)
    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="reader_reports")
    version_number = models.PositiveIntegerField(help_text="The live version when the report was filed.")
    api_key = models.ForeignKey(
        "rest_framework_api_key.APIKey",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The client that filed it (only it may read the report back).",
    )
    client_name = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    section = models.CharField(max_length=300, blank=True, help_text="The heading of the section reported on.")
    text = models.TextField()
    contact = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED, db_index=True)
    created_at = models.DateTimeField()
    triaged_at = models.DateTimeField(null=True, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    triage_note = models.TextField(blank=True, help_text="Why it was dismissed, or what the re-review is for.")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.article_id} ({self.get_status_display()})"
