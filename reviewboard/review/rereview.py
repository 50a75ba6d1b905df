"""Flagging published articles for re-review now, for a reason (a corrected or retracted reference,
a reader's report): the same fields the overdue sweep sets, and readers' payloads re-rendered.

``articles_flag_now`` is the one write of that flag, for one article or many (the retraction
import); the ``flag_rereview`` action (``reviewboard.review.actions.rereview``, entry point
``article_flag_for_rereview``) adds the audit entry and tells the chair why, through the outbox, for a
single article."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from articles.models import Article, PublishedVersion
from articles.publishing import RENDER_TASK
from config.queue import enqueue_after_commit
from reviewboard.jobs.common import claim

if TYPE_CHECKING:
    pass


# Due now (a later date is brought forward, none becomes now), overdue for readers, and the chair
# counted as told (the caller tells them why), so the daily sweep keeps the flag and does not tell again.
FLAG_NOW_SQL = (
    "review_overdue = %s, review_overdue_notified_at = %s, updated_at = %s, "
    "next_review_due = CASE WHEN next_review_due IS NULL OR next_review_due > %s THEN %s ELSE next_review_due END"
)


def articles_flag_now(articles: QuerySet[Article], *, now: datetime, only_unflagged: bool = False) -> list[int]:
    """Flag ``articles`` for re-review now and re-render their published payloads (after commit, with
    the render sweep as the safety net). ``only_unflagged``: leave those already flagged alone.
    Returns the ids flagged, in one UPDATE (``claim``)."""
    flagged = sorted(
        row[0]
        for row in claim(
            articles,
            set_sql=FLAG_NOW_SQL,
            set_params=[True, now, now, now, now],
            guard_sql="review_overdue = %s" if only_unflagged else "%s",
            guard_params=[False] if only_unflagged else [True],
        )
    )
    # Readers see ``review_overdue`` once the worker has re-rendered the payloads (never in this request).
    versions = PublishedVersion.objects.filter(article_id__in=flagged, rendered_at__isnull=False)
    version_ids = list(versions.values_list("pk", flat=True))
    versions.update(render_requested_at=now)
    for version_id in version_ids:
        enqueue_after_commit(RENDER_TASK, version_id)
    return flagged
