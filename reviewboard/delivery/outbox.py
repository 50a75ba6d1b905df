"""The transactional outbox: every side effect of a board action leaves through here.

``emit(type, ...)`` writes one ``Event`` row in the caller's transaction (the action runner calls it
through ``record(ctx)``), checked against the catalog (``reviewboard.delivery.events``), and one
``EventDelivery`` row per consumer registered for its type. Once the transaction commits the event's
id goes to the ``reviewboard.deliver_event`` task (``config.queue.enqueue_after_commit``; a broker
that is down is logged and the sweep ``deliver_pending`` sends the event later).

Delivery is per consumer. ``deliver_one(delivery_id)`` holds that delivery's row lock (``SKIP LOCKED``:
two workers never deliver the same (event, consumer) at once), runs the consumer and records the
result in the same transaction: delivered, retried later with backoff (a transient error,
``config.queue.TRANSIENT_ERRORS``: a mail server or a CDN that is down), or given up (anything else: a
message that cannot be built, a template error, a bug). A worker killed mid-delivery rolls that
transaction back: the delivery is still pending and is delivered again. One consumer that fails,
for a while or for good, never holds back the others: each has its own row, attempts and next try.
``deliver(event_id)`` delivers every pending delivery of one event (the task); ``deliver_pending``
(periodic) the deliveries whose time has come. The event row keeps a summary (``_settle``):
dispatched once every consumer had it, failed once all are settled and one gave up.

A consumer may wait (``events.not_before(seconds)``, a callable): its delivery runs only in an
attempt scheduled for it at least that long after the first time the outbox touched it, which is
after the action's commit (a delivery task or the sweep). The CDN purge waits out the read API's
micro-cache this way, and its repeat longer, so no server can still answer with the old content
when the CDN refetches (docs/architecture.md, "A retraction reaches every cache"). A wait is not a
failed attempt: the delivery gets its ``next_attempt_at``, ``deliver`` answers "waiting" and hands
the event to the delivery task again with that countdown (the sweep delivers it if that is lost).

The outbox imports none of its consumers; they register themselves (``events.consumer``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.queue import TRANSIENT_ERRORS, enqueue_after_commit, enqueue_later_after_commit
from reviewboard.delivery import events
from reviewboard.models import Event, EventDelivery

if TYPE_CHECKING:
    from reviewboard.review.actions.registry import ActionContext

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


def record(ctx: ActionContext) -> list[int]:
    """Write the events ``ctx`` emitted (inside the action's transaction); deliver them after commit.
    However many events and types, two inserts: the events, then their deliveries."""
    envelope = {"article": ctx.article, "round": ctx.round, "actor": ctx.user}
    return _write(
        [(pending.type, {**envelope, "version_id": pending.version_id}, pending.payload) for pending in ctx.events],
        now=ctx.now,
        enqueue=True,
    )


def emit(
    type: str,
    *,
    article: Any = None,
    review_round: Any = None,
    version_id: int | None = None,
    actor: Any = None,
    now: datetime | None = None,
    enqueue: bool = True,
    **payload: Any,
) -> int:
    """Write one event, and one delivery per consumer of its type, in the current transaction; the
    event is handed to the delivery task after the commit. An event the catalog does not declare
    (or whose payload does not match) raises ``events.EventTypeError`` where ``OUTBOX_STRICT_EVENTS``;
    elsewhere it is logged and recorded as failed, never counted as delivered. ``enqueue``: see
    ``emit_many``."""
    envelope = {"article": article, "round": review_round, "version_id": version_id, "actor": actor}
    return emit_many(type, [(envelope, payload)], now=now, enqueue=enqueue)[0]


def emit_many(
    type: str,
    items: Iterable[tuple[dict[str, Any], dict[str, Any]]],
    *,
    now: datetime | None = None,
    enqueue: bool = True,
) -> list[int]:
    """``emit`` for many events of one type in a constant number of queries: ``items`` are (envelope,
    payload) pairs, the envelope's keys among ``article``, ``round``, ``version_id``, ``actor``.
    ``enqueue=False``: the caller delivers them itself once it has committed (``deliver_now``: a sweep,
    already running in a worker); what it does not deliver, the ``deliver_pending`` sweep does."""
    return _write([(type, envelope, payload) for envelope, payload in items], now=now, enqueue=enqueue)


def _write(
    items: list[tuple[str, dict[str, Any], dict[str, Any]]], *, now: datetime | None, enqueue: bool
) -> list[int]:
    """Events (type, envelope, payload) and their deliveries, in two inserts; their ids, in order."""
    if not items:
        return []
    strict = getattr(settings, "OUTBOX_STRICT_EVENTS", False)
    now = now or timezone.now()
    consumers = {type: events.consumers_of(type) for type, _, _ in items}  # once a type, not once an event
    rows, problems = [], []
    for type, envelope, payload in items:
        problem = events.payload_problem(type, payload) or (None if consumers[type] else f"Nobody consumes {type!r}.")
        if problem and strict:
            raise events.EventTypeError(problem)
        actor = envelope.get("actor")
        rows.append(
            Event(
                type=type,
                article=envelope.get("article"),
                round=envelope.get("round"),
                version_id=envelope.get("version_id"),
                actor=actor if getattr(actor, "pk", None) else None,
                payload=payload,
                created_at=now,
                failed_at=now if problem else None,
                last_error=problem or "",
            )
        )
        problems.append(problem)
    created = Event.objects.bulk_create(rows)
    deliverable = []
    for event, problem in zip(created, problems, strict=True):
        if problem:
            logger.error("Event %s (%s) will not be delivered: %s", event.pk, event.type, problem)
        else:
            deliverable.append((event.pk, consumers[event.type]))
    EventDelivery.objects.bulk_create(
        EventDelivery(event_id=event_id, consumer=key) for event_id, keys in deliverable for key in keys
    )
    if enqueue:
        for event_id, _ in deliverable:
            enqueue_after_commit(deliver_event, event_id)
    return [event.pk for event in created]


def deliver_now(event_ids: Iterable[int], *, now: datetime | None = None) -> dict[str, int]:
    """Deliver these events in this process (each consumer under its row lock, as ever); the events'
    states, counted. For code that runs after its events committed, in a worker already."""
    counts: dict[str, int] = {}
    for event_id in event_ids:
        state = deliver(event_id, now=now)
        counts[state] = counts.get(state, 0) + 1
    return counts


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
    """Deliver one outbox event to each consumer that has not had it (``deliver``): idempotent."""
    return deliver(event_id)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes after each failed attempt, at most 6 hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def deliver(event_id: int, *, now: datetime | None = None) -> str:
    """Deliver one event to each of its consumers that has not had it (due or not: this is the task
    its commit enqueued, or a person asking; a consumer that waits runs only when due). Returns the
    event's state afterwards: "delivered", "retry" (a consumer waits for a retry), "waiting" (only a
    consumer's declared wait is left), "failed" (settled, a consumer gave up), or "skipped"
    (nothing to do here: already settled, or every pending delivery is held by another worker)."""
    delivery_ids = list(
        EventDelivery.objects.filter(event_id=event_id, delivered_at__isnull=True, failed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    now = now or timezone.now()
    outcomes = [deliver_one(delivery_id, now=now) for delivery_id in delivery_ids]
    if not delivery_ids:
        # Nothing pending: bring a summary a worker left behind (killed between a delivery and
        # ``_settle``) up to date.
        if Event.objects.filter(pk=event_id, dispatched_at__isnull=True, failed_at__isnull=True).exists():
            _settle(event_id, now=now)
        return "skipped"
    if all(outcome == "skipped" for outcome in outcomes):
        return "skipped"
    state = _settle(event_id, now=now)
    if "waiting" in outcomes:
        _deliver_when_due(event_id, now=now)
        if state == "retry" and "retry" not in outcomes:
            return "waiting"
    return state


def _deliver_when_due(event_id: int, *, now: datetime) -> None:
    """Hand the event to the delivery task again when its first waiting consumer is due."""
    due = (
        EventDelivery.objects.filter(event_id=event_id, delivered_at__isnull=True, failed_at__isnull=True)
        .exclude(next_attempt_at__isnull=True)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if due is not None:
        enqueue_later_after_commit(deliver_event, event_id, countdown=max((due - now).total_seconds(), 0.0))


def deliver_one(delivery_id: int, *, now: datetime | None = None) -> str:
    """Run one consumer for one event, under the delivery's row lock, and record what happened:
    "delivered", "retry", "failed", "waiting" (a consumer that waits, not yet due), or "skipped"
    (settled, or being delivered by another worker)."""
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event")
            .filter(pk=delivery_id, delivered_at__isnull=True, failed_at__isnull=True)
            .first()
        )
        if delivery is None:
            return "skipped"
        now = now or timezone.now()
        event = delivery.event
        wait = events.wait_seconds(delivery.consumer)
        if wait and (delivery.next_attempt_at is None or delivery.next_attempt_at > now):
            if delivery.next_attempt_at is None:  # first touched now, after the commit: wait from here
                delivery.next_attempt_at = now + timedelta(seconds=wait)
                delivery.save(update_fields=["next_attempt_at"])
            return "waiting"
        delivery.attempts += 1
        function = events.consumer_function(delivery.consumer)
        try:
            if function is None:
                raise LookupError(f"no consumer is registered under the key {delivery.consumer!r}")
            with transaction.atomic():
                function(event)
        except TRANSIENT_ERRORS as exc:
            outcome = "retry" if delivery.attempts < MAX_ATTEMPTS else "failed"
            delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        except Exception as exc:  # noqa: BLE001 - a consumer's bug must not stop the outbox; recorded below
            outcome = "failed"
            delivery.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
        else:
            outcome = "delivered"
        if outcome == "delivered":
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif outcome == "retry":
            delivery.next_attempt_at = now + backoff(delivery.attempts)
            logger.warning(
                "Event %s (%s), consumer %s, will be retried: %s",
                event.pk,
                event.type,
                delivery.consumer,
                delivery.last_error,
            )
        else:
            delivery.failed_at = now
            delivery.next_attempt_at = None
            logger.error(
                "Event %s (%s) could not be delivered to %s: %s",
                event.pk,
                event.type,
                delivery.consumer,
                delivery.last_error,
            )
        delivery.save(update_fields=["attempts", "delivered_at", "failed_at", "next_attempt_at", "last_error"])
        return outcome


def _settle(event_id: int, *, now: datetime | None = None) -> str:
    """Bring the event's summary up to date with its deliveries; returns its state (see ``deliver``).
    ``FOR NO KEY UPDATE``: a consumer still holding the event by a foreign key (a webhook delivery
    being written) does not block it."""
    with transaction.atomic():
        event = Event.objects.select_for_update(no_key=True).filter(pk=event_id).first()
        if event is None:
            return "skipped"
        rows = list(event.deliveries.order_by("pk"))
        pending = [d for d in rows if d.delivered_at is None and d.failed_at is None]
        failed = [d for d in rows if d.failed_at is not None]
        now = now or timezone.now()
        event.attempts = max((d.attempts for d in rows), default=0)
        event.last_error = "\n".join(f"{d.consumer}: {d.last_error}" for d in [*failed, *pending] if d.last_error)
        event.next_attempt_at = min((d.next_attempt_at for d in pending if d.next_attempt_at), default=None)
        if pending:
            state = "retry"
        elif failed:
            state = "failed"
            event.failed_at = event.failed_at or now
        else:
            state = "delivered"
            event.dispatched_at = event.dispatched_at or now
        event.save(update_fields=["attempts", "last_error", "next_attempt_at", "dispatched_at", "failed_at"])
        return state


def pending(*, now: datetime | None = None, limit: int = 500) -> list[tuple[int, int]]:
    """(delivery id, event id) of the deliveries waiting whose retry time has come, oldest event first.
    Events younger than the grace period are left to the task their own commit enqueued."""
    now = now or timezone.now()
    grace = getattr(settings, "OUTBOX_GRACE", timedelta(seconds=30))
    queryset = EventDelivery.objects.filter(
        delivered_at__isnull=True, failed_at__isnull=True, event__created_at__lte=now - grace
    ).exclude(next_attempt_at__gt=now)
    rows = queryset.order_by("event__created_at", "event_id", "pk").values_list("pk", "event_id")
    return list(rows[:limit])


def deliver_pending(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The sweep: deliver, consumer by consumer, what a lost task (broker down, worker killed) or a
    retry left pending. Returns counts of the deliveries' outcomes."""
    counts: dict[str, int] = {}
    touched: dict[int, bool] = {}  # event ids, in order -> whether a consumer waits
    now = now or timezone.now()
    for delivery_id, event_id in pending(now=now, limit=limit):
        outcome = deliver_one(delivery_id, now=now)
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome != "skipped":
            touched[event_id] = touched.get(event_id) or outcome == "waiting"
    for event_id, waiting in touched.items():
        _settle(event_id, now=now)
        if waiting:
            _deliver_when_due(event_id, now=now)
    return counts
