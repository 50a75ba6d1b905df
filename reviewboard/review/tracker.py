"""The read API's review tracker, kept by the action runner (as it keeps ``Article.review_hash``).

``articles`` answers ``GET /api/v1/articles/{slug}/status/`` and ``/api/v1/pending/{slug}/`` from what
it owns, without knowing the board: the article's tracker fields (the latest round's number and
dates) and ``PendingContent`` (the open round's snapshot, rendered). The runner calls ``track`` for
every transition, after the action's body and before the article is saved, in the action's
transaction: it copies the round's number and dates onto the article, writes the pending content
when a round opens and deletes it when the round closes, and, when what ``status/`` answers moved
(``articles.status.signature``), emits ``article.status_changed`` through the outbox like any
other event the action emits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles import status
from articles.pending import pending_content_clear, pending_content_store

if TYPE_CHECKING:
    from articles.models import Article
    from reviewboard.review.actions.registry import ActionContext

STATUS_CHANGED = "article.status_changed"


def before(article: Article | None) -> tuple | None:
    """What ``status/`` depends on before the action (``track`` compares)."""
    return status.signature(article) if article is not None else None


def track(ctx: ActionContext, previous: tuple | None) -> None:
    article, round_ = ctx.article, ctx.round
    if article is None:
        return
    if round_ is not None and round_.number >= article.review_round:
        opened = round_.number != article.review_round or ctx.action.name == "submit"
        article.review_round = round_.number
        article.review_submitted_at = round_.opened_at
        if opened:
            article.review_started_at = None
            pending_content_store(
                article=article, round_number=round_.number, source=round_.snapshot, submitted_at=round_.opened_at
            )
        if ctx.action.name == "start_review":
            article.review_started_at = ctx.now
        article.review_closed_at = round_.closed_at
        article.review_outcome = round_.outcome
        if round_.closed_at is not None:
            pending_content_clear(article=article)
    if status.signature(article) != previous:
        article.status_changed_at = ctx.now
        ctx.emit(STATUS_CHANGED, **status.event_data(article))
