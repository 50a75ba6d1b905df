"""Published articles that cite a paper which has just been retracted: flag them for re-review
and tell the chair once.

``references.retractions.retractions_import`` withdraws the library records that a retraction
notice names and returns their ids; it knows nothing about review (``references`` must not
import ``reviewboard``). The ``import_retractions`` command then calls
``flag_articles_citing_retracted`` here, in the same transaction.

Flagging is the one write of the re-review flag (``reviewboard.review.rereview.articles_flag_now``,
as for a reader's report or a corrected reference): the article's ``next_review_due`` is brought
forward to now and ``review_overdue`` is set, so the read API says ``review_overdue`` and the daily
sweep keeps the flag (it only clears a flag whose date lies in the future).
``review_overdue_notified_at`` is set too, because the chair gets this module's specific message
(which paper, which notice) instead of the sweep's generic one. "Once" holds
because only records newly withdrawn by an import reach this function, and the import locks
them, so two imports at once report a record once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import F

from articles.models import Article, PublishedCitation
from references.models import Reference
from reviewboard.delivery import outbox
from reviewboard.delivery.events import consumer
from reviewboard.jobs.common import build_email, chair_emails, resolve_now, review_url, send
from reviewboard.jobs.rereview import rereview_candidates
from reviewboard.review.rereview import articles_flag_now

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetractedCitationSummary:
    flagged: tuple[int, ...] = ()  # article ids newly flagged for re-review
    already_flagged: tuple[int, ...] = ()  # article ids already overdue (still reported to the chair)

    def __str__(self) -> str:
        if not self.flagged and not self.already_flagged:
            return "no published article cites a newly retracted paper"
        return (
            f"{len(self.flagged)} published article(s) flagged for re-review, "
            f"{len(self.already_flagged)} already flagged; the chair is told after commit"
        )


def published_citing(reference_ids: list[int]) -> dict[int, list[int]]:
    """Article id -> ids of the given references that its live (published) version cites."""
    rows = PublishedCitation.objects.filter(
        reference_id__in=reference_ids,
        version_id=F("version__article__live_version_id"),
        version__article__in=rereview_candidates(),
    ).values_list("version__article_id", "reference_id")
    cited: dict[int, list[int]] = {}
    for article_id, reference_id in rows:
        cited.setdefault(article_id, []).append(reference_id)
    return cited


def flag_articles_citing_retracted(
    *, reference_ids: list[int], now: datetime | None = None
) -> RetractedCitationSummary:
    """Flag every published article whose live version cites one of ``reference_ids`` (records a
    retraction has just withdrawn) for re-review, and tell the chair after commit.

    The chair is told through the outbox ("citations.retracted", ``email_chair_retracted_citations``).
    """
    now = resolve_now(now)
    cited = published_citing(reference_ids)
    if not cited:
        return RetractedCitationSummary()
    flagged = articles_flag_now(Article.objects.filter(pk__in=list(cited)), now=now, only_unflagged=True)
    already = sorted(set(cited) - set(flagged))
    items = [(article_id, cited[article_id]) for article_id in sorted(cited)]
    outbox.emit("citations.retracted", now=now, items=[[article_id, ids] for article_id, ids in items])
    summary = RetractedCitationSummary(flagged=tuple(flagged), already_flagged=tuple(already))
    logger.info("Retracted citations: %s", summary)
    return summary


@consumer("email.citations_retracted", "citations.retracted")
def email_chair_retracted_citations(event: Any) -> int:
    """The outbox consumer of "citations.retracted": one email to the chairs, each published article and
    the retracted papers it cites. A failure is raised to the outbox, which records it and retries."""
    items = [(article_id, list(ids)) for article_id, ids in event.payload.get("items", [])]
    chairs = chair_emails()
    if not chairs:
        logger.warning("%d published article(s) cite a retracted paper, but no chair has an email address.", len(items))
        return 0
    articles = Article.objects.in_bulk([article_id for article_id, _ in items])
    references = Reference.objects.select_related("retraction").in_bulk(
        [reference_id for _, ids in items for reference_id in ids]
    )
    context: dict[str, Any] = {
        "items": [
            {
                "article": articles[article_id],
                "review_url": review_url(article_id),
                "references": [references[r] for r in reference_ids if r in references],
            }
            for article_id, reference_ids in items
            if article_id in articles
        ]
    }
    if not context["items"]:
        return 0
    return send([build_email("retracted_citation", context, to=chairs)])
