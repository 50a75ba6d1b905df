"""Watch the audit checkpoints: the chair is told, through the outbox, when they stop protecting.

``verify_audit_log`` proves what the checkpoints cover, but only when someone runs it, and it
cannot see two failures that leave a smaller, valid-looking set:

- **count-dropped**: fewer checkpoints than were signed. Every checkpoint also wrote an
  ``audit.checkpoint`` event in its transaction, and the highest count seen is kept in the cache
  (outside the database); a count below either means checkpoints were deleted.
- **not-signed**: audit entries have waited more than two checkpoint intervals (the "Checkpoint the
  audit log" job's period, ``reviewboard.schedules``) without a checkpoint covering them: the
  job is disabled, failing (e.g. ``AUDIT_CHECKPOINT_KEY`` missing) or beat is down. A board with no
  new entries needs no new checkpoint, so quiet nights do not alert.

Each problem is written as an ``audit.checkpoint_alert`` event (e-mailed to the chairs by its
consumer, like every other chair notice), once a day per problem: a later sweep that finds the
same problem finds the event and writes no other. Beat runs this every 15 minutes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction

from articles.api.throttling import CACHE_ERRORS
from reviewboard.delivery import outbox
from reviewboard.jobs.common import resolve_now
from reviewboard.models import AuditCheckpoint, AuditEntry, Event
from reviewboard.schedules import JOBS

logger = logging.getLogger(__name__)

ALERT_EVENT = "audit.checkpoint_alert"
CHECKPOINT_EVENT = "audit.checkpoint"
CHECKPOINT_TASK = "reviewboard.checkpoint_audit_log"
HIGHEST_COUNT_KEY = "reviewboard:audit:checkpoints:highest"
ALERT_EVERY = timedelta(hours=24)


@dataclass(frozen=True)
class CheckpointProblem:
    kind: str  # "count-dropped" | "not-signed"
    key: str  # what makes two sweeps' problems the same one
    message: str


@dataclass(frozen=True)
class WatchResult:
    problems: tuple[CheckpointProblem, ...] = ()
    alerted: tuple[str, ...] = ()  # the kinds written as new alert events by this sweep

    def as_dict(self) -> dict[str, object]:
        return {"problems": [p.kind for p in self.problems], "alerted": list(self.alerted)}


def checkpoint_interval() -> timedelta:
    """The checkpoint job's declared period (``reviewboard.schedules.JOBS``)."""
    job = next(job for job in JOBS if job.task == CHECKPOINT_TASK)
    return timedelta(minutes=job.every_minutes or 15)


def _count_dropped() -> CheckpointProblem | None:
    count = AuditCheckpoint.objects.count()
    signed = Event.objects.filter(type=CHECKPOINT_EVENT).count()
    try:
        highest = int(cache.get(HIGHEST_COUNT_KEY) or 0)
        cache.set(HIGHEST_COUNT_KEY, max(highest, count), timeout=None)
    except CACHE_ERRORS:  # the cache is a second witness; the events still are one
        logger.warning("The cache could not be read for the audit checkpoint count.", exc_info=True)
        highest = 0
    expected = max(signed, highest)
    if count >= expected:
        return None
    return CheckpointProblem(
        "count-dropped",
        f"count-dropped:{expected}:{count}",
        f"There are {count} audit checkpoints, but {expected} were signed: checkpoints were deleted, so "
        "verify_audit_log can no longer prove that the newest audit entries were not removed.",
    )


def _not_signed(now: datetime) -> CheckpointProblem | None:
    last = AuditCheckpoint.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    oldest = AuditEntry.objects.filter(seq__gt=last).order_by("seq").values_list("seq", "created_at").first()
    if oldest is None:
        return None
    seq, created_at = oldest
    limit = 2 * checkpoint_interval()
    if now - created_at <= limit:
        return None
    return CheckpointProblem(
        "not-signed",
        f"not-signed:{seq}",
        f"Audit entries from seq {seq} ({created_at.isoformat()}) have not been signed by a checkpoint for "
        f'more than {int(limit.total_seconds() // 60)} minutes: check that the "Checkpoint the audit log" '
        "periodic task is enabled and succeeding (AUDIT_CHECKPOINT_KEY set) and that beat is running.",
    )


def watch_audit_checkpoints(*, now: datetime | None = None) -> WatchResult:
    now = resolve_now(now)
    problems = tuple(p for p in (_count_dropped(), _not_signed(now)) if p is not None)
    alerted = []
    with transaction.atomic():
        for problem in problems:
            logger.error("Audit checkpoints: %s", problem.message)
            already = Event.objects.filter(
                type=ALERT_EVENT, payload__key=problem.key, created_at__gte=now - ALERT_EVERY
            ).exists()
            if not already:
                outbox.emit(ALERT_EVENT, now=now, kind=problem.kind, key=problem.key, message=problem.message)
                alerted.append(problem.kind)
    return WatchResult(problems=problems, alerted=tuple(alerted))
