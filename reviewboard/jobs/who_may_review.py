"""Who may review, kept current: expiring declarations of interest, and assignments nobody answered.

Two parts, one sweep (``sweep_who_may_review``, hourly; ``manage.py sweep_who_may_review``):

- **Expiring declarations.** A member whose current declaration (their newest) expires within 30
  days is reminded once, and again within 7 days (``DECLARATION_REMINDER_DAYS``), so they sign a
  new one before assignments start being refused. A declaration that reached the 7-day window
  without its 30-day reminder (the sweep was not running) gets only the 7-day one. A declaration
  already expired, or replaced by a newer one, is not reminded. Event ``declaration.expiring``.
- **Unanswered assignments.** An open assignment on an article under review (or submitted) that the
  reviewer neither accepted nor declined within ``ASSIGNMENT_ANSWER_WITHIN`` of being assigned is
  reported to the chair once (``answer_chased_at``). Event ``assignment.unanswered``.

Exactly once under concurrency: each row is claimed with a conditional UPDATE
(``reviewboard.jobs.common.claim``) and its event written by the outbox in the same transaction,
so two sweeps at once claim each row once, and a claim is never committed without its event (nor
an event without its claim). Delivery (and retrying a mail server that is down) is the outbox's.
Queries: a constant number per sweep, never one per row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from articles.models import FROZEN_STATES, Article
from reviewboard.delivery import outbox
from reviewboard.jobs.common import claim, resolve_now
from reviewboard.models import Assignment, Declaration

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class WhoMayReviewSummary:
    reminded: tuple[tuple[int, int], ...] = ()  # (declaration id, days before expiry) reminded by this sweep
    unanswered: tuple[int, ...] = ()  # assignment ids reported to the chair by this sweep

    def as_dict(self) -> dict[str, Any]:
        return {
            "declarations_reminded": len(self.reminded),
            "reminded_30": sum(1 for _, days in self.reminded if days == 30),
            "reminded_7": sum(1 for _, days in self.reminded if days == 7),
            "unanswered_reported": len(self.unanswered),
        }

    def __str__(self) -> str:
        return (
            f"{len(self.reminded)} declaration reminder(s) queued, "
            f"{len(self.unanswered)} unanswered assignment(s) reported to the chair"
        )


def current_declarations() -> QuerySet[Declaration]:
    """Each active member's newest declaration (the one ``board_selectors.current_declaration`` returns)."""
    newer = Declaration.objects.filter(member=OuterRef("member"), signed_at__gt=OuterRef("signed_at"))
    same_time_newer_id = Declaration.objects.filter(
        member=OuterRef("member"), signed_at=OuterRef("signed_at"), pk__gt=OuterRef("pk")
    )
    return Declaration.objects.filter(member__is_active=True).exclude(Exists(newer)).exclude(Exists(same_time_newer_id))


def _reminder_windows() -> list[tuple[int, timedelta, timedelta | None]]:
    """(days, window start, window end) from the nearest: 7 days covers (now, now+7d], 30 covers (now+7d, now+30d]."""
    days = sorted(settings.DECLARATION_REMINDER_DAYS)
    return [(d, timedelta(days=d), timedelta(days=days[i - 1]) if i else None) for i, d in enumerate(days)]


def remind_expiring_declarations(*, now: datetime) -> list[tuple[int, int]]:
    """Claim and queue the declaration reminders due at ``now``; returns (declaration id, days)."""
    columns = {30: "reminded_30_at", 7: "reminded_7_at"}
    reminded: list[tuple[int, int]] = []
    for days, until, after in _reminder_windows():
        column = columns.get(days)
        if column is None:  # only the two windows the columns record
            logger.error("DECLARATION_REMINDER_DAYS has %s; only 30 and 7 are recorded. Skipped.", days)
            continue
        lower = now + after if after is not None else now
        due = current_declarations().filter(
            **{f"{column}__isnull": True, "expires_at__gt": lower, "expires_at__lte": now + until}
        )
        # The nearer reminder also marks the farther ones as done: a late first reminder is not followed
        # by an earlier-sounding one.
        farther = [c for d, c in columns.items() if d > days]
        set_sql = ", ".join([f"{column} = %s", *(f"{c} = COALESCE({c}, %s)" for c in farther)])
        with transaction.atomic():
            rows = claim(
                due,
                set_sql=set_sql,
                set_params=[now] * (1 + len(farther)),
                guard_sql=f"{column} IS NULL",
                returning=("id", "member_id", "expires_at"),
            )
            for declaration_id, member_id, expires_at in sorted(rows):
                outbox.emit(
                    "declaration.expiring",
                    now=now,
                    declaration_id=declaration_id,
                    member_id=member_id,
                    days=days,
                    expires_at=expires_at.isoformat(),
                )
                reminded.append((declaration_id, days))
    return reminded


def unanswered_assignments(*, now: datetime) -> QuerySet[Assignment]:
    """Open assignments on an article in review, neither accepted nor declined ``ASSIGNMENT_ANSWER_WITHIN``
    after being made, that the chair has not been told about."""
    return Assignment.objects.filter(
        closed_at__isnull=True,
        accepted_at__isnull=True,
        declined_at__isnull=True,
        answer_chased_at__isnull=True,
        assigned_at__lte=now - settings.ASSIGNMENT_ANSWER_WITHIN,
        article__state__in=FROZEN_STATES,
    )


@transaction.atomic
def chase_unanswered_assignments(*, now: datetime) -> list[int]:
    """Claim the unanswered assignments and queue one ``assignment.unanswered`` event each (to the chair)."""
    rows = claim(
        unanswered_assignments(now=now),
        set_sql="answer_chased_at = %s",
        set_params=[now],
        guard_sql="answer_chased_at IS NULL AND closed_at IS NULL AND accepted_at IS NULL",
        returning=("id", "article_id", "reviewer_id", "assigned_at"),
    )
    articles = Article.objects.only("pk").in_bulk({row[1] for row in rows})
    chased = []
    for assignment_id, article_id, reviewer_id, assigned_at in sorted(rows):
        outbox.emit(
            "assignment.unanswered",
            now=now,
            article=articles[article_id],
            assignment_id=assignment_id,
            reviewer_id=reviewer_id,
            assigned_at=assigned_at.isoformat(),
        )
        chased.append(assignment_id)
    return chased


def sweep_who_may_review(*, now: datetime | None = None) -> WhoMayReviewSummary:
    now = resolve_now(now)
    summary = WhoMayReviewSummary(
        reminded=tuple(remind_expiring_declarations(now=now)),
        unanswered=tuple(chase_unanswered_assignments(now=now)),
    )
    logger.info("Who may review: %s", summary)
    return summary
