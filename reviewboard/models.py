"""The board: reviewers, assignments, sign-offs, comments, and the append-only audit log.

All writes go through ``reviewboard.review.services``.
"""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q


class Specialty(models.Model):
    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class ReviewerProfile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviewer_profile")
    credentials = models.CharField(max_length=120, blank=True, help_text='For example "MD, FACP".')
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="reviewers")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__username"]

    def __str__(self) -> str:
        name = self.user.get_full_name() or self.user.get_username()
        return f"{name}, {self.credentials}" if self.credentials else name


class Credential(models.Model):
    """One credential on a reviewer's record: a degree, a board certification or a licence.

    Readers only ever see credentials that the board verified and that have not expired
    (``reviewboard.board.selectors.verified_credentials``); an expired credential on record blocks new
    assignments (``reviewboard.board.selectors.conflict_of_interest``) until it is renewed or removed.
    """

    class Kind(models.TextChoices):
        DEGREE = "degree", "Degree"
        BOARD_CERTIFICATION = "board_certification", "Board certification"
        LICENCE = "licence", "Licence"

    profile = models.ForeignKey(ReviewerProfile, on_delete=models.CASCADE, related_name="credential_records")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    name = models.CharField(max_length=200, help_text='As printed: "MD", "Board certified, Internal Medicine (ABIM)".')
    number = models.CharField(max_length=80, blank=True, help_text="Licence or certificate number.")
    issuing_body = models.CharField(max_length=200, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: does not expire (a degree).")
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["profile", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True) | Q(verified_by__isnull=False),
                name="credential_verified_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_expired(self, today: date) -> bool:
        return self.expires_on is not None and self.expires_on < today

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None


class Declaration(models.Model):
    """A board member's declaration of interests, signed on ``signed_at``: relationships, or nothing to declare.

    Declarations are never edited: a new one replaces the last (the current one is the newest,
    ``reviewboard.board.selectors.current_declaration``). It expires ``DECLARATION_VALID_FOR``
    (365 days) after it was signed.
    """

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declarations")
    nothing_to_declare = models.BooleanField(default=False)
    signed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    statement = models.TextField(blank=True, help_text="Anything else the member wants on record.")
    # The expiry reminders (30 and 7 days before) already sent for this declaration.
    reminded_30_at = models.DateTimeField(null=True, blank=True)
    reminded_7_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["member", "-signed_at", "-id"]
        indexes = [models.Index(fields=["member", "-signed_at"], name="declaration_member_signed_idx")]

    def __str__(self) -> str:
        return f"declaration of {self.member} signed {self.signed_at:%Y-%m-%d}"

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at <= now


class DeclaredRelationship(models.Model):
    """One relationship of a declaration: an organisation, what kind, which topics and specialties it touches."""

    class Kind(models.TextChoices):
        CONSULTANCY = "consultancy", "Consultancy"
        GRANT = "grant", "Research grant"
        SHARES = "shares", "Shares or stock options"
        SPEAKER_FEES = "speaker_fees", "Speaker fees"
        EMPLOYMENT = "employment", "Employment"
        OTHER = "other", "Other"

    declaration = models.ForeignKey(Declaration, on_delete=models.CASCADE, related_name="relationships")
    organisation = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    topics = models.JSONField(default=list, blank=True, help_text="Article topics it touches (matched ignoring case).")
    specialties = models.ManyToManyField(Specialty, blank=True, related_name="+")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True, help_text="Empty: ongoing.")

    class Meta:
        ordering = ["declaration", "id"]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        """ "Consultancy, Acme Pharma (2024-01-01 to ongoing)": how readers and the chair see it."""
        span = ""
        if self.started_on or self.ended_on:
            span = f" ({self.started_on or '?'} to {self.ended_on or 'ongoing'})"
        return f"{self.get_kind_display()}, {self.organisation}{span}"


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


class Event(models.Model):
    """A domain event in the transactional outbox.

    Written by the action runner in the same transaction as the action and its audit entry, so an
    event exists exactly when its action committed. ``reviewboard.delivery.outbox`` delivers it after commit
    (a Celery task, and the ``deliver_pending`` sweep for anything a lost task left pending) to each of
    its consumers, tracked per consumer in ``EventDelivery``. A failed delivery is recorded there and
    retried with backoff; it never undoes or errors the action. Types and payloads:
    ``reviewboard.delivery.events.CATALOG``.
    """

    type = models.CharField(max_length=60, db_index=True)
    article = models.ForeignKey("articles.Article", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey(ReviewRound, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    version = models.ForeignKey(
        "articles.PublishedVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    # A summary of its deliveries (``EventDelivery``, one per consumer), kept by the outbox:
    dispatched_at = models.DateTimeField(null=True, blank=True, help_text="When every consumer had it.")
    failed_at = models.DateTimeField(
        null=True, blank=True, help_text="Settled, but at least one consumer refused it for good."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="The most attempts any consumer took.")
    next_attempt_at = models.DateTimeField(null=True, blank=True, help_text="The earliest retry of a consumer.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(dispatched_at__isnull=True, failed_at__isnull=True),
                name="event_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"

    @property
    def pending(self) -> bool:
        return self.dispatched_at is None and self.failed_at is None


class EventDelivery(models.Model):
    """One consumer's delivery of one outbox event (``reviewboard.delivery.outbox``).

    Written with the event, one row per consumer registered for its type (``reviewboard.delivery.events``),
    and tracked on its own: attempts, the next try, the last error, delivered or given up. One consumer
    that fails for good never holds back the others. ``consumer`` is the consumer's stable key, not a
    function name.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    consumer = models.CharField(max_length=100)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Given up: a permanent error, or too many tries.")

    class Meta:
        ordering = ["event_id", "id"]
        verbose_name_plural = "event deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "consumer"], name="event_delivery_once")]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True, failed_at__isnull=True),
                name="event_delivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.consumer} of event #{self.event_id}"

    @property
    def state(self) -> str:
        if self.delivered_at is not None:
            return "delivered"
        if self.failed_at is not None:
            return "failed"
        return "retrying" if self.attempts else "pending"


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    """Reads only: the log is append-only, and ``reviewboard.audit.chain.audit_append`` is the one writer."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries are appended one at a time, chained to the one before.")

    def update_or_create(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")


class AuditEntry(models.Model):
    """One append-only entry of the audit log, chained to the one before.

    ``seq`` numbers the chain 1, 2, 3...; ``prev_hash`` is the ``entry_hash`` of entry ``seq - 1``
    (64 zeros for the first); ``entry_hash`` is sha256 of the entry's canonical JSON including
    ``prev_hash`` (``reviewboard.audit.chain``). Both are unique, so the chain cannot fork.
    """

    GENESIS_HASH = "0" * 64

    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the chain, from 1, without gaps.")
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["article", "seq"], name="audit_article_seq_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed once written.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class AuditCheckpoint(models.Model):
    """A signed record of the audit chain's head at one moment, kept apart from the chain.

    ``signature`` is HMAC-SHA256 over (seq, entry_hash, created_at) with ``AUDIT_CHECKPOINT_KEY``
    (``reviewboard.audit.checkpoints``). ``verify_audit_log`` checks that every checkpointed
    entry is still in the chain with the same hash, so deleting the newest entries is detected up
    to the last checkpoint. On PostgreSQL a trigger refuses deleting checkpoints and changing what
    they record (only ``signature`` may be rewritten, by ``checkpoint_audit_log --resign``).
    """

    seq = models.PositiveBigIntegerField(unique=True, help_text="The chain's head entry (seq) when checkpointed.")
    entry_hash = models.CharField(max_length=64, help_text="That entry's entry_hash.")
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256 with AUDIT_CHECKPOINT_KEY, hex.")

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint at seq {self.seq} ({self.created_at:%Y-%m-%d %H:%M} UTC)"


# --- webhooks (reviewboard.delivery.webhooks) -----------------------------------------------------------


class WebhookEndpoint(models.Model):
    """A client app's URL that receives signed events (Standard Webhooks), for the events it names.

    ``secret`` signs every delivery; after a rotation the previous secret also signs (a second
    signature in ``webhook-signature``) until ``previous_secret_expires_at``, so the client can
    switch without losing a delivery. ``failing_since`` is the first failed attempt of the current
    run of failures; an endpoint failing for ``WEBHOOK_DISABLE_AFTER`` is disabled and the chair told.
    """

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="The event types it receives (reviewboard.webhooks.EVENT_TYPES).")
    api_key = models.ForeignKey(
        "rest_framework_api_key.APIKey",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The client that owns it (registered through the API with this key); empty: registered in admin.",
    )
    secret = models.CharField(max_length=100, help_text="whsec_ + base64 of 32 random bytes.")
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint: sent until a 2xx answer, oldest first per endpoint, retractions
    before anything else (``priority`` 0). ``body`` is fixed when the delivery is made, so every
    attempt (and a manual redelivery) sends the same signed bytes under the same ``webhook-id``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="webhook_deliveries")
    event_type = models.CharField(max_length=60)
    message_id = models.CharField(max_length=60, help_text="The webhook-id header: the same on every attempt.")
    body = models.TextField()
    priority = models.PositiveSmallIntegerField(default=1, help_text="0: a retraction, sent before anything else.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["event", "endpoint"], name="webhook_delivery_once")]
        indexes = [
            models.Index(
                fields=["endpoint", "priority", "created_at", "id"],
                condition=Q(status="pending"),
                name="webhook_delivery_queue_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} -> {self.endpoint_id} ({self.status})"


class WebhookAttempt(models.Model):
    """One HTTP attempt of a delivery: when, the status code (None: no answer), and what came back."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    ok = models.BooleanField(default=False)
    response_excerpt = models.TextField(blank=True, help_text="The first 500 characters of the answer, or the error.")
    duration_ms = models.PositiveIntegerField(default=0)
    manual = models.BooleanField(default=False, help_text="Asked for by a person (redelivery).")

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {self.status_code or 'no answer'}"


# --- reader reports (reviewboard.clients.reports) ------------------------------------------------


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


class NotificationsSeen(models.Model):
    """When a board member last opened their notifications (the bell counts what happened since)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications_seen")
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"notifications seen by user {self.user_id} at {self.seen_at:%Y-%m-%d %H:%M}"


class UsedLink(models.Model):
    """A signed e-mail link that was used (``reviewboard.delivery.links``): each works once. Only a digest of
    the token is kept."""

    digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"link {self.digest[:8]} used at {self.used_at:%Y-%m-%d %H:%M}"
