"""The transactional outbox: every side effect of a board action leaves through here.

``record(ctx)`` is called by the action runner inside the action's transaction: it writes one
``Event`` row per event the action emitted and, once the transaction commits, hands their ids to
the ``reviewboard.deliver_event`` Celery task. A broker that is down is logged and nothing else:
the rows stay pending and ``deliver_pending`` (periodic, and part of the reconcile sweep) sends
them later.

``deliver(event_id)`` holds the event's row lock (``SKIP LOCKED``: two workers never deliver one
event at once), runs each consumer that has not had it yet, and records the result in the same
transaction: delivered, retried later with backoff (a transient failure such as a mail server
that is down), or given up (a permanent one: a message that cannot be built, e.g. a header with
a newline); a consumer given up on is marked ``failed:<name>`` in ``done`` and the others still
run. A worker killed mid-delivery rolls the transaction back, so the event is still pending and
is delivered again. Consumers: the webhook fan-out (``reviewboard.delivery.webhooks``),
e-mail and the CDN purge (``reviewboard.delivery.notifications``); they register themselves
(``register``, called from ``ReviewboardConfig.ready()``), the outbox imports none of them.

A consumer may ask to wait: ``not_before(seconds)`` on it (a callable giving seconds) means it runs
only in an attempt that was scheduled for it at least that long after the previous attempt. The
first attempt is always after the action's commit, so the CDN purge (which waits out the read
API's micro-cache) and its repeat run only when no server can still answer with the old content.
A wait is not a failed attempt: it sets ``next_attempt_at`` and hands the event to the delivery
task again with that countdown (the sweep delivers it if that task is lost).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from reviewboard.jobs.common import BROKER_ERRORS, TRANSIENT_ERRORS
from reviewboard.models import Event

if TYPE_CHECKING:
    from reviewboard.review.actions.registry import ActionContext

logger = logging.getLogger(__name__)

Consumer = Callable[[Event], Any]
# Failures that may go away: a mail server or network that is down. Anything else a consumer raises
# (a message that cannot be built, a template error, a bug) is permanent and is not retried.
TRANSIENT_DELIVERY_ERRORS: tuple[type[BaseException], ...] = (smtplib.SMTPException, ConnectionError, TimeoutError)
MAX_ATTEMPTS = 8
FAILED_MARK = "failed:"  # in ``Event.done``: this consumer failed for good; the others went on


def not_before(seconds: Callable[[], float]) -> Callable[[Consumer], Consumer]:
    """Declare that a consumer waits ``seconds()`` after the previous attempt at its event (above)."""

    def declare(consumer: Consumer) -> Consumer:
        consumer.wait_seconds = seconds  # type: ignore[attr-defined]
        return consumer

    return declare


def wait_seconds(consumer: Consumer) -> float:
    seconds = getattr(consumer, "wait_seconds", None)
    return max(0.0, float(seconds())) if seconds is not None else 0.0


# kind -> its (event type, consumer) pairs, in the order they were registered. The consumers register
# themselves from ``ReviewboardConfig.ready()``: the outbox imports none of them.
_REGISTERED: dict[str, tuple[tuple[str, Consumer], ...]] = {}


def register(kind: str, pairs: Iterable[tuple[str, Consumer]]) -> None:
    """Register the consumers of one kind ("webhook", "email", "purge"); registering a kind again replaces it."""
    _REGISTERED[kind] = tuple(pairs)


def consumers() -> dict[str, list[tuple[str, Consumer]]]:
    """Event type -> its consumers, by name (the name is what ``Event.done`` records), in the order
    their kinds were registered (``reviewboard.apps``: the webhook fan-out only writes rows, and a CDN
    that is down, a retried purge, must not hold back the e-mails); each consumer has an event once."""
    registry: dict[str, list[tuple[str, Consumer]]] = {}
    for kind, pairs in _REGISTERED.items():
        for event_type, consumer in pairs:
            registry.setdefault(event_type, []).append((f"{kind}:{consumer.__name__}", consumer))
    return registry


def record(ctx: ActionContext) -> list[int]:
    """Write the events ``ctx`` emitted (inside the action's transaction); deliver them after commit."""
    return [
        emit(
            pending.type,
            article=ctx.article,
            review_round=ctx.round,
            version_id=pending.version_id,
            actor=ctx.user,
            now=ctx.now,
            **pending.payload,
        )
        for pending in ctx.events
    ]


def emit(
    type: str,
    *,
    article: Any = None,
    review_round: Any = None,
    version_id: int | None = None,
    actor: Any = None,
    now: datetime | None = None,
    **payload: Any,
) -> int:
    """Write one event in the current transaction; it is handed to the delivery task after the commit."""
    event = Event.objects.create(
        type=type,
        article=article,
        round=review_round,
        version_id=version_id,
        actor=actor if getattr(actor, "pk", None) else None,
        payload=payload,
        created_at=now or timezone.now(),
    )
    transaction.on_commit(lambda: enqueue([event.pk]))
    return event.pk


def enqueue(ids: list[int], *, countdown: float = 0.0) -> None:
    if countdown and getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return  # in-process tasks ignore a countdown: the sweep (or the test) delivers it when due
    for event_id in ids:
        try:
            deliver_event.apply_async((event_id,), countdown=countdown or None)
        except BROKER_ERRORS as exc:
            logger.warning("Could not enqueue the delivery of event %s (%s); the sweep will deliver it.", event_id, exc)


@shared_task(
    name="reviewboard.deliver_event",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def deliver_event(event_id: int) -> str:
    """Deliver one outbox event (``deliver``): idempotent, never twice at once."""
    return deliver(event_id)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def deliver(event_id: int, *, now: datetime | None = None) -> str:
    """Deliver one pending event to the consumers that have not had it. Returns what happened:
    "delivered", "retry", "waiting" (a consumer waits, above), "failed", or "skipped" (already done,
    given up, or being delivered elsewhere)."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, dispatched_at__isnull=True, failed_at__isnull=True)
            .first()
        )
        if event is None:
            return "skipped"
        now = now or timezone.now()
        # An attempt scheduled for a waiting consumer: the earlier attempt that set it ran after the commit.
        scheduled = event.next_attempt_at is not None and event.next_attempt_at <= now
        event.attempts += 1
        outcome = "delivered"
        wait = 0.0
        for name, consumer in consumers().get(event.type, []):
            if name in event.done or FAILED_MARK + name in event.done:
                continue
            wait = wait_seconds(consumer)
            if wait and not scheduled:
                outcome = "waiting"
                break
            try:
                with transaction.atomic():
                    consumer(event)
            except TRANSIENT_DELIVERY_ERRORS as exc:
                outcome = "retry" if event.attempts < MAX_ATTEMPTS else "failed"
                event.last_error = f"{name}: {exc.__class__.__name__}: {exc}"[:2000]
                break
            except Exception as exc:  # noqa: BLE001 - a consumer's bug must not stop the outbox; recorded below
                # Given up for this consumer only: the others still run (a mail that cannot be built must
                # not hold back a retraction's CDN purge); the event ends as failed, naming it.
                event.last_error = f"{name}: {exc.__class__.__name__}: {exc}"[:2000]
                event.done = [*event.done, FAILED_MARK + name]
                continue
            scheduled = False  # a consumer ran in this attempt: the next waiting one waits from now
            event.done = [*event.done, name]
        if outcome == "delivered" and any(name.startswith(FAILED_MARK) for name in event.done):
            outcome = "failed"
        if outcome == "delivered":
            event.dispatched_at = now
            event.next_attempt_at = None
        elif outcome == "waiting":
            event.attempts -= 1  # not a failure
            event.next_attempt_at = now + timedelta(seconds=wait)
            transaction.on_commit(lambda: enqueue([event.pk], countdown=wait))
        elif outcome == "retry":
            event.next_attempt_at = now + backoff(event.attempts)
            logger.warning("Event %s (%s) will be retried: %s", event.pk, event.type, event.last_error)
        else:
            event.failed_at = now
            logger.error("Event %s (%s) could not be delivered: %s", event.pk, event.type, event.last_error)
        event.save(update_fields=["attempts", "done", "dispatched_at", "failed_at", "next_attempt_at", "last_error"])
        return outcome


def pending_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Events waiting for delivery whose retry time has come, oldest first. Events younger than the
    grace period are left to the task their own commit enqueued."""
    now = now or timezone.now()
    grace = getattr(settings, "OUTBOX_GRACE", timedelta(seconds=30))
    queryset = Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True, created_at__lte=now - grace)
    queryset = queryset.exclude(next_attempt_at__gt=now)
    return list(queryset.order_by("created_at", "pk").values_list("pk", flat=True)[:limit])


def deliver_pending(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The sweep: deliver what a lost task (broker down, worker killed) or a retry left pending."""
    counts: dict[str, int] = {}
    for event_id in pending_ids(now=now, limit=limit):
        outcome = deliver(event_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts
