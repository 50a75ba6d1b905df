"""Reminders for late reviewers, and the chair's escalation after the third one.

An assignment is due a reminder when it is open, its ``due_at`` has passed, its article is
under review, its reviewer has not approved the article's current review hash, and it was not
reminded in the last ``REVIEW_REMINDER_INTERVAL`` (24 h). Once it has had
``REVIEW_REMINDERS_BEFORE_CHAIR`` (3) reminders the chairs are told, once
(``chair_notified_at``); the reviewer keeps getting a reminder a day until the review is done.
Signing off, closing the assignment or the article leaving review stops both.

Exactly once under concurrency: each batch is claimed with a conditional UPDATE (see
``reviewboard.jobs.common.claim``) that commits before any email is written, and only the rows
this sweep got back are emailed. Two sweeps at the same moment therefore never email the same
assignment twice. The trade-off is deliberate: if the process dies between the claim and the
send, that reminder is skipped until the next 24 h window rather than sent twice; if sending
fails with an error, the claims of the unsent messages are given back.

Not ``@transaction.atomic`` on purpose: each claim must commit before its emails go out.
Queries: two per batch of ``batch_size`` candidates (read, claim), one more per batch that
escalates, one for the chairs; never one per assignment.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, DateTimeField, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Cast

from articles.models import ReviewState
from reviewboard.jobs.common import build_email, chair_emails, claim, resolve_now, review_url, send_all
from reviewboard.models import Assignment, SignOff
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
            "reminded": len(self.reminded), "chair_notified": len(self.chair_notified),
            "lost_race": self.lost_race, "batches": self.batches, "no_chair": self.no_chair,
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
        if due_ids:
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
            lost_race += len(due_ids) - len(counts)
            claimed = sorted(counts)
            send_all(
                lambda claimed=claimed, by_id=by_id, counts=counts: [
                    _reminder_email(by_id[pk], number=counts[pk]) for pk in claimed
                ],
                release_unsent=lambda sent, claimed=claimed, by_id=by_id: _release_reminders(
                    [by_id[pk] for pk in claimed[sent:]], now=now
                ),
            )
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
                    rows = [(by_id[pk], counts.get(pk, by_id[pk].reminders_sent)) for pk in escalated]
                    send_all(
                        lambda rows=rows, chairs=chairs: [_chair_email(rows, to=chairs)],
                        release_unsent=lambda sent, escalated=escalated: _release_chair(escalated, now=now),
                    )
                    notified.extend(escalated)

        if len(batch) < batch_size:
            break

    summary = ReminderSummary(
        reminded=tuple(reminded), chair_notified=tuple(notified), lost_race=lost_race, batches=batches,
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


def _release_reminders(assignments: list[Assignment], *, now: datetime) -> None:
    """Give back the claims of reminders that were not sent: the previous ``last_reminded_at``
    and count come back, so the next sweep sends them."""
    if not assignments:
        return
    previous = Cast(  # typed: a CASE of nothing but NULLs is text to PostgreSQL
        Case(*(When(pk=a.pk, then=Value(a.last_reminded_at)) for a in assignments), output_field=DateTimeField()),
        output_field=DateTimeField(),
    )
    Assignment.objects.filter(pk__in=[a.pk for a in assignments], last_reminded_at=now).update(
        last_reminded_at=previous, reminders_sent=F("reminders_sent") - 1
    )
    logger.error("Sending reminders failed; %d claim(s) given back for the next sweep.", len(assignments))


def _release_chair(assignment_ids: list[int], *, now: datetime) -> None:
    Assignment.objects.filter(pk__in=assignment_ids, chair_notified_at=now).update(chair_notified_at=None)
    logger.error("Telling the chair failed; %d escalation(s) given back for the next sweep.", len(assignment_ids))
