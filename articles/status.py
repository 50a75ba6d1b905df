"""Where an article's review stands, as readers may see it: the seed page's tracker.

"Article Review Status: Submitted / Under Review / Approved", with the current step marked and
the date each step was reached in the current cycle. Computed only from what this app owns: the
article's state, its tracker fields (the latest review round's number and dates, which the board's
action runner keeps, as it keeps ``review_hash``) and its live published version (which carries
the dates of the cycle that produced it). Never content that is not approved, never who reviews
before approval, never comments or anything else the board keeps to itself.

The cycle readers are told about:
- a round is open, or the board sent it back (changes requested): that round. Its status is
  ``submitted``, ``under_review`` or ``changes_requested`` (shown on the tracker as Under Review);
  with a live version, ``revision_in_review`` says that the live version is being revised.
- the latest round was approved: that round, ``approved``.
- otherwise, with a live version (a revision withdrawn): the cycle that produced the live version.
- otherwise (withdrawn before any approval): that round, ``withdrawn``, with no current step.

A retracted article is answered 410 and an archived one 404 by the read API, as the detail is;
they are statuses only in the events and the feed (``retracted``, ``archived``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from articles.models import Article, ReviewState
from articles.publishing import iso_datetime

SUBMITTED = "submitted"
UNDER_REVIEW = "under_review"
APPROVED = "approved"
CHANGES_REQUESTED = "changes_requested"
WITHDRAWN = "withdrawn"
RETRACTED = "retracted"
ARCHIVED = "archived"
# The tracker's steps, in order, with the words of the seed page.
STEPS = ((SUBMITTED, "Submitted"), (UNDER_REVIEW, "Under Review"), (APPROVED, "Approved"))
STATUSES = (SUBMITTED, UNDER_REVIEW, CHANGES_REQUESTED, APPROVED, WITHDRAWN, RETRACTED, ARCHIVED)
# ``Article.review_outcome`` values this module reads (the board's round outcomes).
OUTCOME_APPROVED = "approved"
OUTCOME_CHANGES_REQUESTED = "changes_requested"


@dataclass(frozen=True)
class Cycle:
    """One review cycle as readers see it: its round and the date each step was reached."""

    round: int | None
    submitted_at: datetime | None
    started_at: datetime | None
    approved_at: datetime | None


@dataclass(frozen=True)
class Tracker:
    status: str
    current_step: str | None
    cycle: Cycle
    revision_in_review: bool

    def steps(self) -> list[dict[str, Any]]:
        reached = {
            SUBMITTED: self.cycle.submitted_at,
            UNDER_REVIEW: self.cycle.started_at,
            APPROVED: self.cycle.approved_at,
        }
        return [
            {
                "step": step,
                "label": label,
                "reached_at": iso_datetime(reached[step]),
                "current": step == self.current_step,
            }
            for step, label in STEPS
        ]


def tracker(
    *,
    review_round: int,
    submitted_at: datetime | None,
    started_at: datetime | None,
    closed_at: datetime | None,
    outcome: str,
    live: Cycle | None,
) -> Tracker | None:
    """The tracker of an article that is neither retracted nor archived (see the module docstring).
    None: nothing to tell readers (never submitted and nothing live)."""
    if review_round and (closed_at is None or outcome == OUTCOME_CHANGES_REQUESTED):
        cycle = Cycle(review_round, submitted_at, started_at, None)
        status = SUBMITTED if started_at is None else UNDER_REVIEW
        if closed_at is not None:
            status = CHANGES_REQUESTED
        step = SUBMITTED if status == SUBMITTED else UNDER_REVIEW
        return Tracker(status, step, cycle, revision_in_review=live is not None)
    if review_round and outcome == OUTCOME_APPROVED:
        return Tracker(APPROVED, APPROVED, Cycle(review_round, submitted_at, started_at, closed_at), False)
    if live is not None:
        return Tracker(APPROVED, APPROVED, live, False)
    if review_round:
        return Tracker(WITHDRAWN, None, Cycle(review_round, submitted_at, started_at, None), False)
    return None


def signature(article: Article) -> tuple:
    """What the status answer depends on among the article's own fields: when it differs before and
    after an action, the status moved (``article.status_changed``). The live version moving forward
    after a render is announced by ``version.published``. A revision started (approved -> draft) moves
    nothing: readers still get the approved version and its cycle."""
    settled = article.state in (ReviewState.DRAFT, ReviewState.APPROVED)
    return (
        "settled" if settled else article.state,
        article.retracted_at is not None,
        article.review_round,
        article.review_submitted_at,
        article.review_started_at,
        article.review_closed_at,
        article.review_outcome,
    )


def where_it_stands(
    *,
    state: str,
    retracted: bool,
    review_round: int,
    submitted_at: datetime | None,
    started_at: datetime | None,
    closed_at: datetime | None,
    outcome: str,
    live: Cycle | None,
) -> tuple[str, str | None, int | None]:
    """(status, current step, round) as the events and the feed say it, retracted and archived included."""
    if retracted:
        return RETRACTED, None, review_round or None
    if state == ReviewState.ARCHIVED:
        return ARCHIVED, None, review_round or None
    found = tracker(
        review_round=review_round,
        submitted_at=submitted_at,
        started_at=started_at,
        closed_at=closed_at,
        outcome=outcome,
        live=live,
    )
    if found is None:
        return WITHDRAWN, None, review_round or None
    return found.status, found.current_step, found.cycle.round


def event_data(article: Article) -> dict[str, Any]:
    """What an ``article.status_changed`` event says: the status, the tracker's step and the round."""
    live = None
    if article.live_version_id is not None:
        version = article.live_version
        live = Cycle(version.review_round, version.submitted_at, version.review_started_at, version.approved_at)
    status, step, round_ = where_it_stands(
        state=article.state,
        retracted=article.retracted_at is not None,
        review_round=article.review_round,
        submitted_at=article.review_submitted_at,
        started_at=article.review_started_at,
        closed_at=article.review_closed_at,
        outcome=article.review_outcome,
        live=live,
    )
    return {"status": status, "current_step": step, "round": round_}


def status_answer(row: Any, *, slug: str, pending_offered: bool, editorial_policy_url: str) -> dict[str, Any] | None:
    """The body of ``GET /api/v1/articles/{slug}/status/`` from ``articles.selectors.StatusRow`` (the
    caller answers 410 for a retracted article and 404 for an archived one first). None: never
    submitted and nothing live (404, as for an unknown slug)."""
    live = None
    if row.live_number is not None:
        live = Cycle(row.live_round, row.live_submitted_at, row.live_started_at, row.live_approved_at)
    found = tracker(
        review_round=row.review_round,
        submitted_at=row.review_submitted_at,
        started_at=row.review_started_at,
        closed_at=row.review_closed_at,
        outcome=row.review_outcome,
        live=live,
    )
    if found is None:
        return None
    live_version = None
    if live is not None:
        summary = json.loads(row.live_summary_json or "{}")
        live_version = {
            "version": row.live_number,
            "round": live.round,
            "submitted_at": iso_datetime(live.submitted_at),
            "review_started_at": iso_datetime(live.started_at),
            "approved_at": iso_datetime(live.approved_at),
            "last_updated": summary.get("last_updated") or iso_datetime(live.approved_at),
            "url": f"/api/v1/articles/{slug}/",
        }
    pending = pending_offered and row.pending_round is not None and found.status in (SUBMITTED, UNDER_REVIEW)
    return {
        "slug": slug,
        "status": found.status,
        "current_step": found.current_step,
        "round": found.cycle.round,
        "steps": found.steps(),
        "revision_in_review": found.revision_in_review,
        "live_version": live_version,
        "last_updated": live_version["last_updated"] if live_version else None,
        "review_overdue": bool(row.review_overdue) if live_version else False,
        "next_review_due": iso_datetime(row.next_review_due) if live_version else None,
        "editorial_policy_url": editorial_policy_url or None,
        "pending_url": f"/api/v1/pending/{slug}/" if pending else None,
    }


def status_change(row: dict[str, Any]) -> dict[str, Any]:
    """One item of the changes feed's ``type=status`` stream, from ``articles.selectors.status_changes``."""
    live = None
    if row["live_version__number"] is not None:
        live = Cycle(
            row["live_version__review_round"],
            row["live_version__submitted_at"],
            row["live_version__review_started_at"],
            row["live_version__approved_at"],
        )
    status, step, round_ = where_it_stands(
        state=row["state"],
        retracted=row["retracted_at"] is not None,
        review_round=row["review_round"],
        submitted_at=row["review_submitted_at"],
        started_at=row["review_started_at"],
        closed_at=row["review_closed_at"],
        outcome=row["review_outcome"],
        live=live,
    )
    return {
        "slug": row["slug"],
        "status": status,
        "current_step": step,
        "round": round_,
        "changed_at": iso_datetime(row["status_changed_at"]),
        "url": f"/api/v1/articles/{row['slug']}/status/",
    }
