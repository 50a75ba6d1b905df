"""Re-review: flag published content whose ``next_review_due`` has passed, and tell the chair once.

Which articles: those whose published content readers are getting, that is every article with
a ``next_review_due`` (set only by an approval) that is neither retracted nor archived. That is
the approved ones and also the ones being revised: revising starts a new working copy, but the
approved version stays live and its review date still passes, so the API must say
``review_overdue`` for it too. A new approval resets the flag (``Article.approve``).

The flag follows the date: an article flagged earlier whose ``next_review_due`` the chair moved
into the future is unflagged (and may be notified again when the new date passes).

Claims are conditional UPDATEs (``reviewboard.jobs.common.claim``), so two sweeps at once flag
and notify each article once. The chair's digest is an outbox event (``reviews.overdue``) written in
the same transaction as the claim of the articles it names; the sweep delivers it once committed (its
consumer, ``email.rereview_digest``, is below), and a mail server that is down is retried by the outbox.

The read API serves stored payload bytes in which ``review_overdue`` is baked, so every article whose flag changed gets
``articles.publishing.article_payload_refresh`` after the change has committed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from articles import publishing
from articles.models import READER_HIDDEN_STATES, Article
from reviewboard.delivery import outbox
from reviewboard.delivery.events import consumer
from reviewboard.jobs.common import build_email, chair_emails, claim, resolve_now, review_url, send
from reviewboard.models import Event

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RereviewSummary:
    flagged: tuple[int, ...] = ()  # article ids newly flagged review_overdue
    cleared: tuple[int, ...] = ()  # article ids unflagged because their review date moved forward
    chair_notified: tuple[int, ...] = ()  # article ids the chairs were told about by this sweep
    refreshed: int = 0  # API payloads rebuilt (articles.publishing.article_payload_refresh)
    refresh_failed: tuple[int, ...] = ()
    no_chair: int = 0  # flagged articles waiting to be notified: no chair with an email address

    def as_dict(self) -> dict[str, Any]:
        return {
            "flagged": len(self.flagged),
            "cleared": len(self.cleared),
            "chair_notified": len(self.chair_notified),
            "refreshed": self.refreshed,
            "refresh_failed": len(self.refresh_failed),
            "no_chair": self.no_chair,
        }

    def __str__(self) -> str:
        text = (
            f"{len(self.flagged)} article(s) flagged for re-review, {len(self.cleared)} unflagged, "
            f"{len(self.chair_notified)} reported to the chair, {self.refreshed} API payload(s) refreshed"
        )
        if self.refresh_failed:
            text += f"; payload refresh FAILED for article(s) {', '.join(map(str, self.refresh_failed))}"
        if self.no_chair:
            text += f"; {self.no_chair} waiting: no chair with an email address"
        return text


def rereview_candidates() -> QuerySet[Article]:
    """Articles with published content readers are served: approved, or revised since."""
    return Article.objects.filter(next_review_due__isnull=False).exclude(state__in=READER_HIDDEN_STATES)


def flag_overdue_reviews(*, now: datetime | None = None) -> RereviewSummary:
    """Flag articles past ``next_review_due``, unflag those whose date moved forward, tell the chairs
    once per flagged article (one digest email), and refresh the API payloads that changed."""
    now = resolve_now(now)
    live = rereview_candidates()
    with transaction.atomic():  # the flags and their events commit together
        flagged = _ids(
            claim(
                live.filter(review_overdue=False, next_review_due__lte=now),
                set_sql="review_overdue = %s",
                set_params=[True],
                guard_sql="review_overdue = %s AND next_review_due <= %s",
                guard_params=[False, now],
            )
        )
        notify_clients_review_due(flagged, now=now)
    cleared = _ids(
        claim(
            live.filter(review_overdue=True, next_review_due__gt=now),
            set_sql="review_overdue = %s, review_overdue_notified_at = NULL",
            set_params=[False],
            guard_sql="review_overdue = %s AND next_review_due > %s",
            guard_params=[True, now],
        )
    )

    notified: list[int] = []
    no_chair = 0
    waiting = live.filter(review_overdue=True, review_overdue_notified_at__isnull=True)
    if flagged or waiting.exists():
        chairs = chair_emails()
        if not chairs:
            no_chair = waiting.count()
            logger.warning("%d article(s) are due for re-review, but no active chair has an email address.", no_chair)
        else:
            with transaction.atomic():  # the notices and their digest commit together
                notified = _ids(
                    claim(
                        waiting,
                        set_sql="review_overdue_notified_at = %s",
                        set_params=[now],
                        guard_sql="review_overdue = %s AND review_overdue_notified_at IS NULL",
                        guard_params=[True],
                    )
                )
                digest = (
                    []
                    if not notified
                    else [outbox.emit("reviews.overdue", now=now, enqueue=False, article_ids=notified)]
                )
            outbox.deliver_now(digest, now=now)

    refreshed, refresh_failed = refresh_payloads([*flagged, *cleared])
    summary = RereviewSummary(
        flagged=tuple(flagged),
        cleared=tuple(cleared),
        chair_notified=tuple(notified),
        refreshed=refreshed,
        refresh_failed=tuple(refresh_failed),
        no_chair=no_chair,
    )
    logger.info("Re-review: %s", summary)
    return summary


def notify_clients_review_due(article_ids: list[int], *, now: datetime) -> None:
    """One ``article.review_due`` event per newly flagged article (webhooks to client apps); the chair
    gets this sweep's digest instead of one e-mail each (``digest`` in the payload)."""
    for article_id in article_ids:
        outbox.emit(
            "article.review_due",
            article=Article(pk=article_id),
            now=now,
            reason="Its scheduled re-review date has passed.",
            digest=True,
        )


def _ids(rows: list[tuple[Any, ...]]) -> list[int]:
    return sorted(row[0] for row in rows)


def _chair_email(articles: list[Article], *, to: list[str], now: datetime):
    items = [{"article": a, "next_review_due": a.next_review_due, "review_url": review_url(a.pk)} for a in articles]
    return build_email("rereview", {"items": items, "now": now}, to=to)


@consumer("email.rereview_digest", "reviews.overdue")
def email_chair_rereview_digest(event: Event) -> int:
    """One e-mail to the chairs naming the articles one sweep found past their re-review date."""
    chairs = chair_emails()
    if not chairs:
        logger.warning("Articles are due for re-review, but no active chair has an email address.")
        return 0
    articles = list(Article.objects.filter(pk__in=event.payload["article_ids"]).order_by("next_review_due", "pk"))
    return send([_chair_email(articles, to=chairs, now=event.created_at)]) if articles else 0


def refresh_payloads(article_ids: list[int]) -> tuple[int, list[int]]:
    """Rebuild the stored API payloads of the articles whose flag changed (after commit)."""
    if not article_ids:
        return 0, []
    refresh = getattr(publishing, "article_payload_refresh", None)
    if refresh is None:
        logger.error("articles.publishing.article_payload_refresh is missing: the API's review_overdue is stale.")
        return 0, list(article_ids)
    done = 0
    failed: list[int] = []

    def run() -> None:
        nonlocal done
        for article_id in article_ids:
            try:
                done += refresh(article_id)
            except Exception:
                # The flag is committed; one article's payload must not stop the others'.
                logger.exception("Refreshing the API payload of article %s failed.", article_id)
                failed.append(article_id)

    transaction.on_commit(run)
    return done, failed
