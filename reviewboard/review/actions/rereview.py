"""Flagging an article's published content for re-review now, for a reason (a corrected library record,
a reader's report): the ``flag_rereview`` action, performed by those actions and services (never a button).

The flag itself is ``reviewboard.review.rereview.articles_flag_now``, the one write of it for one article
or many (the retraction import, the overdue sweep's fields); this action adds the audit entry and tells
the chair why through the outbox (``article.review_due``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles.models import Article
from reviewboard.review.actions.registry import Action, ActionContext, Field, run_action
from reviewboard.review.actions.rules import ALL_STATES, CALLER
from reviewboard.review.rereview import articles_flag_now

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def _flag_rereview(ctx: ActionContext) -> bool:
    article = ctx.article
    if article.live_version_id is None:
        ctx.audited = False  # nothing for readers to flag
        return False
    articles_flag_now(Article.objects.filter(pk=article.pk), now=ctx.now)  # the audit entry reads none of its fields
    ctx.audit_hash = article.live_version.content_hash
    ctx.audit_comment = ctx.inputs["reason"]
    ctx.emit("article.review_due", reason=ctx.inputs["reason"])
    return True


DECLARED: tuple[Action, ...] = (
    Action(
        name="flag_rereview",
        label="Flag for re-review",
        verb="flag for re-review",
        audit_label="Flagged for re-review",
        who=CALLER,
        sources=ALL_STATES,
        perform=_flag_rereview,
        surfaced=False,
        events=("article.review_due",),
        fields=(Field("reason", "Why", help="The chair is told."),),
    ),
)


def article_flag_for_rereview(*, article_id: int, reason: str, user: AbstractBaseUser | None = None) -> bool:
    """Mark the article's published content due for re-review now (``review_overdue`` for readers) and
    tell the chair why. Returns False when it has no published version (nothing for readers to flag)."""
    return run_action("flag_rereview", article=Article(pk=article_id), user=user, reason=reason)
