"""Celery tasks of the board: thin wrappers around the sweeps in ``reviewboard.jobs``.

Every sweep is idempotent and claims its work in the database, so the tasks are acknowledged
late (a worker that dies mid-sweep leaves the message to be redelivered) and retried with
exponential backoff and jitter, for transient failures only (``TRANSIENT_ERRORS``: database,
broker or mail server unreachable). ``now`` (ISO 8601) is for time travel from the shell or a
test; beat sends no arguments.

Tasks are sent with ``config.queue.enqueue_after_commit`` (re-exported here), the one way for every
app to send a task from inside a transaction: it waits for the commit, and a broker that is down is
logged, never raised (the transaction it follows has committed, and a sweep repairs what the lost task
would have done). ``TRANSIENT_ERRORS`` is ``config.queue``'s, the one list of errors worth a retry.

The delivery tasks that the outbox and the webhooks enqueue themselves (``reviewboard.deliver_event``,
``reviewboard.deliver_webhook``) are defined beside them, in ``reviewboard.delivery.outbox`` and
``reviewboard.delivery.webhooks``; importing those here registers them with the worker (Celery's
autodiscovery imports this module).
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from config.queue import TRANSIENT_ERRORS, enqueue_after_commit
from reviewboard.audit.checkpoints import audit_checkpoint_create
from reviewboard.delivery import outbox, webhooks
from reviewboard.jobs import audit_watch, reconcile, reminders, rereview, who_may_review
from reviewboard.jobs.common import parse_now

__all__ = ["TRANSIENT_ERRORS", "enqueue_after_commit"]

SWEEP_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 10,  # 10 s, 20 s, 40 s ... with jitter
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


# Thousands of emails through a real mail server take longer than the default limits (240/300 s).
# A sweep stopped by its soft limit leaves the e-mails it has not delivered to the outbox's deliver_pending sweep.
@shared_task(name="reviewboard.send_due_reminders", soft_time_limit=25 * 60, time_limit=30 * 60, **SWEEP_OPTIONS)
def send_due_reminders(now: str | None = None, batch_size: int = 1000) -> dict[str, Any]:
    return reminders.send_due_reminders(now=parse_now(now), batch_size=batch_size).as_dict()


@shared_task(name="reviewboard.flag_overdue_reviews", **SWEEP_OPTIONS)
def flag_overdue_reviews(now: str | None = None) -> dict[str, Any]:
    return rereview.flag_overdue_reviews(now=parse_now(now)).as_dict()


@shared_task(name="reviewboard.sweep_who_may_review", **SWEEP_OPTIONS)
def sweep_who_may_review(now: str | None = None) -> dict[str, Any]:
    return who_may_review.sweep_who_may_review(now=parse_now(now)).as_dict()


@shared_task(name="reviewboard.reconcile_published", **SWEEP_OPTIONS)
def reconcile_published(now: str | None = None) -> dict[str, Any]:
    return reconcile.reconcile_published(now=parse_now(now)).as_dict()


@shared_task(name="reviewboard.deliver_pending_events", **SWEEP_OPTIONS)
def deliver_pending_events(now: str | None = None) -> dict[str, int]:
    """Deliver the outbox events that a lost task or a failed attempt left pending."""
    return outbox.deliver_pending(now=parse_now(now))


@shared_task(name="reviewboard.deliver_due_webhooks", **SWEEP_OPTIONS)
def deliver_due_webhooks(now: str | None = None) -> dict[str, int]:
    """Resume the webhook queues whose retry time has come (and any a lost task left waiting)."""
    return webhooks.deliver_due_webhooks(now=parse_now(now))


@shared_task(name="reviewboard.watch_audit_checkpoints", **SWEEP_OPTIONS)
def watch_audit_checkpoints(now: str | None = None) -> dict[str, Any]:
    return audit_watch.watch_audit_checkpoints(now=parse_now(now)).as_dict()


@shared_task(name="reviewboard.checkpoint_audit_log", **SWEEP_OPTIONS)
def checkpoint_audit_log() -> dict[str, Any]:
    checkpoint = audit_checkpoint_create()
    return {"seq": checkpoint.seq if checkpoint else None}
