"""Reminders for late reviewers, and the chair's escalation after the third one.

An assignment is due a reminder when it is open, its ``due_at`` has passed, its article is
under review, its reviewer has not approved the article's current review hash, and it was not
reminded in the last ``REVIEW_REMINDER_INTERVAL`` (24 h). Once it has had
``REVIEW_REMINDERS_BEFORE_CHAIR`` (3) reminders the chairs are told, once
(``chair_notified_at``); the reviewer keeps getting a reminder a day until the review is done.
Signing off, closing the assignment or the article leaving review stops both.

Exactly once under concurrency: each batch is claimed with a conditional UPDATE (see
``reviewboard.jobs.common.claim``) that commits together with one outbox event per claimed row
(``assignment.reminder_due``; the chair's digest is ``assignments.escalated``), and only the rows
this sweep got back get an event. Two sweeps at the same moment therefore never remind the same
assignment twice, and a claim never commits without its event (nor an event without its claim).
The e-mails are the outbox's consumers (``email.review_reminder``, ``email.late_reviews``, below):
the sweep delivers its batch's events itself once they have committed (it runs in a worker
already); a mail server that is down is retried by the outbox for that e-mail only, and whatever
a sweep stopped mid-way did not deliver, the outbox's ``deliver_pending`` sweep does. A message that
cannot be built is given up (its delivery shows the error in the admin's Events), never retried
every sweep.

Not ``@transaction.atomic`` as a whole on purpose: each batch's claims and events commit before its
e-mails go out. Queries: four per batch of ``batch_size`` candidates (read, claim, the events and their
deliveries), a few more per batch that escalates, one for the chairs; never one per assignment
(delivering each event is the outbox's, one e-mail each).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet

from articles.models import ReviewState
from reviewboard.delivery import outbox
from reviewboard.delivery.events import consumer
from reviewboard.jobs.common import build_email, chair_emails, claim, resolve_now, review_url, send
from reviewboard.models import Assignment, Event, SignOff
from reviewboard.review import selectors

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReminderSummary:
    reminded: tuple[int, ...] = ()  # assignment ids whose reviewer got a reminder from this sweep
    chair_notified: tuple[int, ...] = ()  # assignment ids escalated to the chairs by this sweep
    lost_race: int = 0  # due when read, but a concurrent sweep claimed them first
    batches: int = 0
    no_chair: int = 0  # escalations waiting because no chair has an email address

    def as_dict(self) -> dict[str, Any]:
        return {
            "reminded": len(self.reminded),
            "chair_notified": len(self.chair_notified),
            "lost_race": self.lost_race,
            "batches": self.batches,
            "no_chair": self.no_chair,
        }

    def __str__(self) -> str:
        text = (
            f"{len(self.reminded)} reminder(s) sent, {len(self.chair_notified)} assignment(s) escalated to the chair, "
            f"{self.lost_race} left to a concurrent sweep, {self.batches} batch(es)"
        )
        if self.no_chair:
            text += f"; {self.no_chair} escalation(s) waiting: no chair with an email address"
        return text


def open_overdue_assignments(*, now: datetime) -> QuerySet[Assignment]:
    """Open assignments past due on an article under review, not yet approved by their reviewer
    on the current review hash, whose reviewer can be emailed."""
    approved_current_hash = SignOff.objects.filter(
        selectors.approval_of(OuterRef("article__review_hash")), assignment=OuterRef("pk")
    )
    return (
        Assignment.objects.filter(
            closed_at__isnull=True, due_at__lt=now, article__state=ReviewState.UNDER_REVIEW, reviewer__is_active=True
        )
        .exclude(reviewer__email="")
        .filter(~Exists(approved_current_hash))
    )


def _reminder_due(now: datetime) -> Q:
    return Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - settings.REVIEW_REMINDER_INTERVAL)


def _chair_due() -> Q:
    return Q(reminders_sent__gte=settings.REVIEW_REMINDERS_BEFORE_CHAIR, chair_notified_at__isnull=True)


def send_due_reminders(*, now: datetime | None = None, batch_size: int = 1000) -> ReminderSummary:
    """Email every reviewer whose assignment is due a reminder; tell the chairs about the ones
    reminded ``REVIEW_REMINDERS_BEFORE_CHAIR`` times. Batches by id (keyset pagination)."""
    now = resolve_now(now)
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    interval = settings.REVIEW_REMINDER_INTERVAL
    threshold = settings.REVIEW_REMINDERS_BEFORE_CHAIR
    candidates = (
        open_overdue_assignments(now=now)
        .filter(_reminder_due(now) | _chair_due())
        .select_related("article", "reviewer")
        .order_by("pk")
    )
    reminded: list[int] = []
    notified: list[int] = []
    lost_race = batches = no_chair = 0
    chairs: list[str] | None = None
    last_id = 0
    while True:
        batch = list(candidates.filter(pk__gt=last_id)[:batch_size])
        if not batch:
            break
        batches += 1
        last_id = batch[-1].pk
        by_id = {assignment.pk: assignment for assignment in batch}

        due_ids = [a.pk for a in batch if a.last_reminded_at is None or a.last_reminded_at <= now - interval]
        counts: dict[int, int] = {}
        queued: list[int] = []
        if due_ids:
            with transaction.atomic():  # the claims and their events commit together
                counts = dict(
                    claim(
                        open_overdue_assignments(now=now).filter(pk__in=due_ids),
                        set_sql="last_reminded_at = %s, reminders_sent = reminders_sent + 1",
                        set_params=[now],
                        guard_sql="closed_at IS NULL AND (last_reminded_at IS NULL OR last_reminded_at <= %s)",
                        guard_params=[now - interval],
                        returning=("id", "reminders_sent"),
                    )
                )
                claimed = sorted(counts)
                queued += outbox.emit_many(
                    "assignment.reminder_due",
                    [({"article": by_id[pk].article}, {"assignment_id": pk, "number": counts[pk]}) for pk in claimed],
                    now=now,
                    enqueue=False,
                )
            lost_race += len(due_ids) - len(counts)
            reminded.extend(claimed)

        escalate_ids = [
            a.pk for a in batch if a.chair_notified_at is None and counts.get(a.pk, a.reminders_sent) >= threshold
        ]
        if escalate_ids:
            if chairs is None:
                chairs = chair_emails()
            if not chairs:
                no_chair += len(escalate_ids)
                logger.warning(
                    "%d late review(s) need the chair, but no active chair has an email address.", len(escalate_ids)
                )
            else:
                with transaction.atomic():
                    escalated = sorted(
                        row[0]
                        for row in claim(
                            open_overdue_assignments(now=now).filter(pk__in=escalate_ids),
                            set_sql="chair_notified_at = %s",
                            set_params=[now],
                            guard_sql="chair_notified_at IS NULL AND reminders_sent >= %s",
                            guard_params=[threshold],
                        )
                    )
                    if escalated:
                        items = [[pk, counts.get(pk, by_id[pk].reminders_sent)] for pk in escalated]
                        digest = [({}, {"items": items})]
                        queued += outbox.emit_many("assignments.escalated", digest, now=now, enqueue=False)
                notified.extend(escalated)
        outbox.deliver_now(queued, now=now)

        if len(batch) < batch_size:
            break

    summary = ReminderSummary(
        reminded=tuple(reminded),
        chair_notified=tuple(notified),
        lost_race=lost_race,
        batches=batches,
        no_chair=no_chair,
    )
    logger.info("Reviewer reminders: %s", summary)
    return summary


def _reviewer_name(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _reminder_email(assignment: Assignment, *, number: int):
    context = {
        "reviewer_name": _reviewer_name(assignment.reviewer),
        "article": assignment.article,
        "due_at": assignment.due_at,
        "review_url": review_url(assignment.article_id),
        "number": number,
        "chair_after": settings.REVIEW_REMINDERS_BEFORE_CHAIR,
    }
    return build_email("reminder", context, to=[assignment.reviewer.email])


def _chair_email(rows: list[tuple[Assignment, int]], *, to: list[str]):
    context = {
        "items": [
            {
                "article": a.article,
                "reviewer_name": _reviewer_name(a.reviewer),
                "reviewer_email": a.reviewer.email,
                "due_at": a.due_at,
                "reminders_sent": sent,
                "review_url": review_url(a.article_id),
            }
            for a, sent in rows
        ],
        "threshold": settings.REVIEW_REMINDERS_BEFORE_CHAIR,
    }
    return build_email("chair_reminders", context, to=to)


@consumer("email.review_reminder", "assignment.reminder_due")
def email_reviewer_reminder(event: Event) -> int:
    """The reminder the sweep claimed, to the assignment's reviewer."""
    assignment = (
        Assignment.objects.select_related("article", "reviewer").filter(pk=event.payload["assignment_id"]).first()
    )
    if assignment is None or not assignment.reviewer.is_active or not assignment.reviewer.email:
        return 0
    return send([_reminder_email(assignment, number=event.payload["number"])])


@consumer("email.late_reviews", "assignments.escalated")
def email_chair_late_reviews(event: Event) -> int:
    """One digest to the chairs: the late assignments of one sweep's batch, with their reminder counts."""
    chairs = chair_emails()
    if not chairs:
        logger.warning("Late reviews need the chair, but no active chair has an email address.")
        return 0
    sent = dict(event.payload["items"])
    assignments = Assignment.objects.select_related("article", "reviewer").in_bulk(list(sent))
    rows = [(assignments[pk], count) for pk, count in sent.items() if pk in assignments]
    return send([_chair_email(rows, to=chairs)]) if rows else 0
