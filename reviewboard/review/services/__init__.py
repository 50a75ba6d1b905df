"""The review workflow's Python entry points: every action that changes review state, and nothing else does.

Each action's typed, keyword-only entry point is declared beside the action itself
(``reviewboard.review.actions.<subject>``, ``@entry_point``) and performed by the one runner: one
transaction, the article row locked first, ``config.exceptions`` errors with a stable code (NotAllowed
403, Conflict 409, InvalidInput 400, NotFound 404), one audit entry per action, events through the
outbox after commit. They are gathered here so that the admin, the API, commands, jobs and tests import
them from one place. The content writes are in ``services.content``, library corrections in
``services.library``; the board's declarations and credentials have theirs in ``reviewboard.board.actions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.exceptions import ServiceError
from reviewboard.review import actions
from reviewboard.review.actions import TRANSITIONS
from reviewboard.review.actions.assignments import (
    assignment_accept,
    assignment_create,
    assignment_decline,
    assignment_remove,
)
from reviewboard.review.actions.comments import (
    comment_create,
    comment_mark_addressed,
    comment_reply,
    comment_resolve,
)
from reviewboard.review.actions.decisions import article_reject
from reviewboard.review.actions.recommendations import assignment_report
from reviewboard.review.actions.signoffs import assignment_sign_off
from reviewboard.review.actions.transitions import (
    article_approve,
    article_archive,
    article_request_changes,
    article_retract,
    article_revise,
    article_submit,
    article_withdraw,
    review_start,
)
from reviewboard.review.actions.versions import version_assess_significance

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article


def article_transition(
    *, article: Article, user: AbstractBaseUser, name: str, comment: str = "", reason: str = "", **inputs: object
) -> Article:
    """Run transition ``name`` (one of ``TRANSITIONS``). ``retract`` takes ``reason`` or else ``comment``;
    other inputs (``change_summary`` for revise, ``clinically_significant`` for approve) are passed when
    the transition declares them (an input it does not take is ignored)."""
    action = actions.get_transition(name)
    extra = {key: value for key, value in inputs.items() if action.field(key) is not None}
    if action.field("reason") is not None:
        return actions.perform(name, article=article, user=user, reason=reason or comment, **extra)
    return actions.perform(name, article=article, user=user, comment=comment, **extra)


def transition_refusal(*, article: Article, user: AbstractBaseUser | None, name: str) -> ServiceError | None:
    """Why ``user`` may not run transition ``name`` now (None if they may): permission, state, conditions."""
    return actions.refusal(name, article=article, user=user)


def available_transitions(*, article: Article, user: AbstractBaseUser | None) -> list[str]:
    """The transitions ``user`` may run on ``article`` now, conditions included (to draw only those buttons)."""
    return actions.available(article=article, user=user, names=TRANSITIONS)


__all__ = [
    "TRANSITIONS",
    "article_approve",
    "article_archive",
    "article_reject",
    "article_request_changes",
    "article_retract",
    "article_revise",
    "article_submit",
    "article_transition",
    "article_withdraw",
    "assignment_accept",
    "assignment_create",
    "assignment_decline",
    "assignment_remove",
    "assignment_report",
    "assignment_sign_off",
    "available_transitions",
    "comment_create",
    "comment_mark_addressed",
    "comment_reply",
    "comment_resolve",
    "review_start",
    "transition_refusal",
    "version_assess_significance",
]
