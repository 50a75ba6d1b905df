"""Review rounds and what belongs to them: assignments, sign-offs, comments, reports, decision letters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviewboard.models.board import Declaration


class ReviewRound(models.Model):
    """One pass of the board over one frozen content hash.

    Opens at submit with the content exactly as submitted (``snapshot``, the source form of
    ``articles.content.ArticleContent``; ``content_hash`` is its hash) and closes with an outcome.
    At most one round per article is open. Assignments, sign-offs and comments belong to a round;
    approval publishes the round's snapshot, so what readers get is what the board read.
    """

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="review_rounds")
    number = models.PositiveIntegerField()
    content_hash = models.CharField(max_length=64)
    snapshot = models.JSONField(help_text="The content as submitted: what every sign-off in this round approves.")
    opened_at = models.DateTimeField()
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    awaiting_decision_since = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the quorum signed and the round began to await the chair's decision (the chair decides).",
    )

    class Meta:
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="round_unique_number"),
            models.UniqueConstraint(
                fields=["article"], condition=Q(closed_at__isnull=True), name="round_one_open_per_article"
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, outcome="") | Q(closed_at__isnull=False) & ~Q(outcome=""),
                name="round_outcome_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"round {self.number}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def describe(self) -> str:
        """ "round 2 (open)", "round 2 (ended with changes requested)": how people refer to it."""
        if self.is_open:
            return f"round {self.number} (open)"
        return f"round {self.number} (ended: {self.get_outcome_display().lower()})"


class Assignment(models.Model):
    """A reviewer assigned to one review round of an article. Open while ``closed_at`` is null."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="assignments")
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments")
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=40, blank=True)
    reminders_sent = models.PositiveIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    chair_notified_at = models.DateTimeField(null=True, blank=True)
    # The reviewer's answer: accepted (confirming no conflict) or declined with a reason (which closes it).
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_declaration = models.ForeignKey(
        Declaration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The declaration of interests the reviewer accepted under (carried over while it stands).",
    )
    declined_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.TextField(blank=True)
    answer_chased_at = models.DateTimeField(
        null=True, blank=True, help_text="When the chair was told that the reviewer had not answered."
    )
    due_explicit = models.BooleanField(default=False, help_text="The chair set the due date (acceptance keeps it).")
    override_reason = models.TextField(
        blank=True, help_text="The chair's written reason for assigning over a conflict of interest."
    )
    override_conflict = models.TextField(blank=True, help_text="The conflict the chair overrode, as it was stated.")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "reviewer"],
                condition=Q(closed_at__isnull=True),
                name="assignment_one_open_per_reviewer",
            ),
        ]
        indexes = [models.Index(fields=["closed_at", "due_at"], name="assignment_open_due_idx")]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.article_id}"


class SignOff(models.Model):
    class Decision(models.TextChoices):
        APPROVE = "approve", "Approve"
        REQUEST_CHANGES = "request_changes", "Request changes"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="signoffs")
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="signoffs")
    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="signoffs")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signoffs")
    content_hash = models.CharField(max_length=64, help_text="The content this sign-off approves.")
    declaration = models.ForeignKey(
        Declaration,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="signoffs",
        help_text="The reviewer's declaration of interests in force when they signed.",
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.APPROVE)
    comment = models.TextField(blank=True)
    acknowledgements = models.JSONField(
        default=list,
        blank=True,
        help_text="The integrity warnings on the frozen content this reviewer answered: "
        '[{"warning": key, "code": ..., "message": ..., "reason": ...}].',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "content_hash"],
                condition=Q(decision="approve"),
                name="signoff_one_approval_per_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reviewer} {self.decision} {self.content_hash[:12]}"


class Comment(models.Model):
    """A review comment, in the round that was open when it was made (none for a comment on a draft)."""

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="review_comments")
    round = models.ForeignKey(ReviewRound, null=True, blank=True, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    section = models.ForeignKey("articles.Section", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    section_heading = models.CharField(max_length=300, blank=True, help_text="The heading when the comment was made.")
    body = models.TextField()
    blocking = models.BooleanField(default=False)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(
        blank=True, help_text="Why it was resolved (required from anyone but its author)."
    )
    # A thread: replies point at the comment that opened it (never at another reply).
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies", help_text="The thread's start."
    )
    # The article's author says the comment was dealt with; its raiser (or the chair) still resolves it.
    addressed_at = models.DateTimeField(null=True, blank=True)
    addressed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["article", "blocking", "resolved_at"], name="comment_open_blocking_idx")]

    def __str__(self) -> str:
        return self.body[:60]


class ChecklistItem(models.Model):
    """One question of the board's review checklist, kept by the chair ("dosing checked against the label")."""

    text = models.CharField(max_length=300)
    position = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Inactive items are no longer asked; past answers stay.")

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.text


class ReviewReport(models.Model):
    """A reviewer's structured report on one round: recommendation, checklist answers, comments to the
    author and confidential comments to the chair (never shown to authors on any surface)."""

    class Recommendation(models.TextChoices):
        APPROVE = "approve", "Approve"
        MINOR_REVISIONS = "minor_revisions", "Minor revisions"
        MAJOR_REVISIONS = "major_revisions", "Major revisions"
        REJECT = "reject", "Reject"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="review_reports")
    round = models.ForeignKey(ReviewRound, on_delete=models.CASCADE, related_name="reports")
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="report")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="review_reports")
    recommendation = models.CharField(max_length=20, choices=Recommendation.choices)
    checklist = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"item": id, "text": the question as asked, "answer": "yes" | "no" | "n/a", "note": ...}]',
    )
    comments_to_author = models.TextField(blank=True)
    confidential_comments = models.TextField(blank=True, help_text="For the chair only; never shown to authors.")
    submitted_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["round", "submitted_at", "id"]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.round}: {self.recommendation}"


class DecisionLetter(models.Model):
    """The chair's decision on a round, as sent to the authors: the reviewers' comments to the author and
    recommendations, and the chair's note (never a confidential comment)."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        REJECTED = "rejected", "Rejected"

    article = models.ForeignKey("articles.Article", on_delete=models.CASCADE, related_name="decision_letters")
    round = models.OneToOneField(ReviewRound, on_delete=models.CASCADE, related_name="decision_letter")
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(blank=True, help_text="The chair's note to the authors.")
    body = models.TextField(help_text="The letter as sent.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Decision on {self.round}: {self.get_decision_display()}"
