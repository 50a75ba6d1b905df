"""What leaves the service: outbox events and their per-consumer deliveries, webhooks, in-app notices."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from reviewboard.models.review import ReviewRound


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
