"""Articles, their ordered sections, and immutable published versions.

``Article.state`` is the review state: a protected django-fsm field. The moves between states
are declared, with who may make them and what must hold, in ``reviewboard.review.actions`` (one
declaration per action) and performed by its runner; nothing else changes ``state``. This app
only knows the states and which of them freeze or lock the content.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Upper
from django_fsm import ConcurrentTransitionMixin, FSMField

from articles.content import validate_single_line


class ReviewState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    UNDER_REVIEW = "under_review", "Under review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"
    RETRACTED = "retracted", "Retracted"
    ARCHIVED = "archived", "Archived"


# The state sets, each defined once: every surface (admin, APIs, selectors, jobs) imports these.
FROZEN_STATES = frozenset({ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW})
EDITABLE_STATES = frozenset({ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED})
LOCKED_STATES = frozenset({ReviewState.APPROVED, ReviewState.RETRACTED, ReviewState.ARCHIVED})
CLOSED_STATES = frozenset({ReviewState.RETRACTED, ReviewState.ARCHIVED})


# Reader visibility, the one definition. Readers see an article that has a rendered live version and is neither
# retracted nor archived (a revised article in draft or review keeps serving its live version). ``reader_visible``
# says it in Python, ``READABLE`` in SQL: the listing's partial indexes take it as their condition and
# ``articles.selectors`` compiles the list's hand-built statement from it; tests/articles/test_visibility.py checks
# that every surface agrees on every combination of state and flags.
READER_HIDDEN_STATES = (ReviewState.RETRACTED, ReviewState.ARCHIVED)  # in the order the indexes were written with
READABLE = Q(live_rendered_at__isnull=False, retracted_at__isnull=True) & ~Q(
    state__in=[state.value for state in READER_HIDDEN_STATES]
)


def reader_visible(*, state: str, retracted: bool, rendered: bool) -> bool:
    """``READABLE`` in Python: a rendered live version (``rendered``), not retracted, not in a hidden state."""
    return rendered and not retracted and state not in READER_HIDDEN_STATES


class Article(ConcurrentTransitionMixin, models.Model):
    slug = models.SlugField(max_length=120, unique=True)
    question = models.CharField(max_length=300, help_text="The title readers see.", validators=[validate_single_line])
    topic = models.CharField(max_length=120, blank=True, db_index=True, validators=[validate_single_line])
    required_specialty = models.ForeignKey(
        "reviewboard.Specialty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    quorum = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Sign-offs needed to approve; empty means the board default."
    )
    authors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="authored_articles")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    state = FSMField(default=ReviewState.DRAFT, choices=ReviewState.choices, protected=True, db_index=True)
    review_hash = models.CharField(
        max_length=64,
        blank=True,
        help_text="The open review round's frozen content hash (kept by the action runner; empty between rounds).",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    next_review_due = models.DateTimeField(null=True, blank=True)
    review_overdue = models.BooleanField(default=False)
    review_overdue_notified_at = models.DateTimeField(null=True, blank=True)
    # Set when the chair retracts the live version (in any state), cleared by the next approval:
    # while set, readers get 410 Gone with the reason, whatever the working copy is doing.
    retraction_reason = models.TextField(blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)
    live_version = models.ForeignKey(
        "articles.PublishedVersion",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The published version readers get.",
    )
    # A copy of ``live_version.rendered_at``, written by the render (``articles.publishing``) in the
    # same transaction as the version: the read API's list is ordered by it, and an order that spans
    # the join to the versions could not be served by an index (see ``Meta.indexes``).
    live_rendered_at = models.DateTimeField(null=True, blank=True, editable=False)
    # A copy of ``live_version.topic`` kept the same way, so the list's topic filter reads this table too.
    live_topic = models.CharField(max_length=120, blank=True, editable=False)
    change_summary = models.TextField(
        blank=True,
        help_text="What the working copy changes for readers (given at revise); the next published version carries it.",
    )
    # Where the review stands, as readers may see it (the seed page's tracker, ``articles.status``): the latest
    # review round's number and dates, kept by the board's action runner (``reviewboard.review.tracker``) the way it
    # keeps ``review_hash``, so that the read API answers without knowing the board.
    review_round = models.PositiveIntegerField(default=0, help_text="The latest review round (0: never submitted).")
    review_submitted_at = models.DateTimeField(null=True, blank=True, help_text="When the latest round opened.")
    review_started_at = models.DateTimeField(null=True, blank=True, help_text="When its review started.")
    review_closed_at = models.DateTimeField(null=True, blank=True, help_text="When it closed (null: open).")
    review_outcome = models.CharField(max_length=20, blank=True, help_text="How it closed (empty: open).")
    status_changed_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When what the read API's status/ answers last moved."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "id"]
        permissions = [
            ("author_article", "Can write and submit own articles"),
            ("edit_any_article", "Can edit and submit any article (editor)"),
            ("chair_review", "Can assign reviewers, start reviews, approve, retract and archive"),
            ("review_article", "Can review articles assigned to them"),
        ]
        indexes = [
            # The read API's list, newest change first: one index scan from the cursor, only over
            # the articles readers may see (``articles.selectors.published_page`` compiles its WHERE from the same
            # ``READABLE``, so that PostgreSQL can prove the index applies); the second serves ?topic=.
            models.Index(F("live_rendered_at").desc(), F("id").desc(), name="article_listing_idx", condition=READABLE),
            models.Index(
                Upper("live_topic"),
                F("live_rendered_at").desc(),
                F("id").desc(),
                name="article_listing_topic_idx",
                condition=READABLE,
            ),
        ]

    def __str__(self) -> str:
        return self.question

    @property
    def is_frozen(self) -> bool:
        return self.state in FROZEN_STATES

    @property
    def is_retracted(self) -> bool:
        """The live version was retracted and nothing approved has replaced it (410 for readers)."""
        return self.retracted_at is not None


class Audience(models.TextChoices):
    """Who a section is written for. Every article has the clinician version; a patient version is optional."""

    CLINICIAN = "clinician", "Clinicians"
    PATIENT = "patient", "Patients"


class Section(models.Model):
    """One heading and its Markdown body. ``level`` 2 is a top-level heading, 3 nested, and so on.

    ``audience``: the clinician sections come first (by position), then the patient version's."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField()
    audience = models.CharField(max_length=20, choices=Audience.choices, default=Audience.CLINICIAN)
    heading = models.CharField(max_length=300, validators=[validate_single_line])
    level = models.PositiveSmallIntegerField(default=2)
    body = models.TextField(blank=True)

    class Meta:
        ordering = ["article", "position"]
        constraints = [
            models.UniqueConstraint(fields=["article", "position"], name="section_unique_position"),
            models.CheckConstraint(condition=Q(level__gte=1) & Q(level__lte=6), name="section_level_1_to_6"),
        ]

    def __str__(self) -> str:
        return self.heading


class PublishedVersion(models.Model):
    """An immutable, numbered snapshot of approved content.

    ``source`` (the approved question, sections, citations and reference records) is written
    once, in the approval transaction, and never changes. ``payload_json`` is what the read API
    serves byte for byte; a Celery task renders it after commit and may re-render it from
    ``source`` when a cited reference record is corrected. ``rendered_at`` is null until then.
    """

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    source = models.JSONField()
    approved_at = models.DateTimeField()
    reviewers = models.JSONField(default=list, help_text="Who signed off: name and credentials, at approval.")
    # Copies of the approved question and topic (immutable, like ``source``) so that the read
    # API filters on what readers see, never on the working copy.
    question = models.CharField(max_length=300, blank=True)
    topic = models.CharField(max_length=120, blank=True, db_index=True)
    payload_json = models.TextField(blank=True)
    summary_json = models.TextField(blank=True, help_text="The list-item form of the payload, served as is.")
    etag = models.CharField(max_length=80, blank=True)
    # The patient version's payload and ETag (empty when the version has no patient sections).
    patient_payload_json = models.TextField(blank=True)
    patient_etag = models.CharField(max_length=80, blank=True)
    rendered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the served bytes last changed (null: not rendered yet)."
    )
    render_requested_at = models.DateTimeField(
        null=True, blank=True, help_text="Set while a (re-)render is pending; cleared by the render."
    )
    retracted_at = models.DateTimeField(null=True, blank=True, help_text="When the chair retracted this version.")
    retraction_reason = models.TextField(blank=True)
    # What changed, for readers ("What's new"): written once with the version.
    change_summary = models.TextField(blank=True, help_text="What this version changed, in the reviser's words.")
    sections_changed = models.JSONField(
        default=list, blank=True, help_text="Headings of the sections added, removed or changed since the last version."
    )
    clinically_significant = models.BooleanField(
        null=True,
        blank=True,
        help_text="Marked by the chair at approval, or afterwards for an approval completed by a sign-off "
        "(empty: not assessed yet).",
    )
    significance_assessed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the chair assessed clinical significance: the order of the What's new feed.",
    )
    # The review cycle that produced this version (the tracker's dates while it is live), copied from
    # the article's tracker fields at approval (null: published before the tracker existed).
    review_round = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    review_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="version_unique_number"),
        ]
        indexes = [
            models.Index(fields=["rendered_at"], name="version_rendered_idx"),
            models.Index(
                fields=["significance_assessed_at"],
                condition=Q(clinically_significant=True),
                name="version_significant_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article.slug} v{self.number}"


class PublishedCitation(models.Model):
    """Citation ``number`` of a published version and the reference record it was approved with.

    Written once with the version. Rendering reads the reference's current record through it, and
    a corrected reference finds every version to regenerate through it. When the record is gone,
    the reference data stored in the version's ``source`` is used.
    """

    version = models.ForeignKey(PublishedVersion, on_delete=models.CASCADE, related_name="published_citations")
    number = models.PositiveIntegerField()
    reference = models.ForeignKey(
        "references.Reference", null=True, blank=True, on_delete=models.SET_NULL, related_name="published_citations"
    )

    class Meta:
        ordering = ["version", "number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number"], name="published_citation_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} [{self.number}] -> {self.reference_id}"


class PendingContent(models.Model):
    """The frozen content of an article's open review round, rendered for the read API's one exception
    to "approved content only": ``GET /api/v1/pending/{slug}/`` (``API_PENDING_CONTENT``, off by default).

    Written by the board when a round opens (from the round's snapshot: never the working copy) and
    deleted when the round closes, whatever its outcome; so it exists only while a round is open.
    ``source`` is the snapshot (the integrity check re-reads it with the cited records' current status
    before anything is served); ``payload_json`` is the rendered part of the answer.
    """

    article = models.OneToOneField(Article, primary_key=True, on_delete=models.CASCADE, related_name="pending_content")
    round = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    submitted_at = models.DateTimeField()
    source = models.JSONField()
    reference_ids = models.JSONField(default=dict, help_text="Citation number -> reference id, at submit.")
    payload_json = models.TextField()

    def __str__(self) -> str:
        return f"{self.article_id} round {self.round} (pending)"
