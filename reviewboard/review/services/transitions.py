"""The review transitions of an article: one service each, all performed by the action runner.

Each declaration (who, from which states, conditions, inputs, what it changes) is in
``reviewboard.review.actions.catalog``; these functions are the named, typed entry points that the
admin, the APIs, the commands and the tasks call. Each returns the article as it is after the
action (a fresh, locked instance: use it instead of the one passed in).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles.models import Article, PublishedVersion
from config.exceptions import ServiceError
from reviewboard.review import actions
from reviewboard.review.actions import TRANSITIONS

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def article_submit(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """draft/changes_requested -> submitted: opens a review round on the content as it is now."""
    return actions.perform("submit", article=article, user=user, comment=comment)


def article_withdraw(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """submitted/under_review -> draft (comment required); the round ends "withdrawn"."""
    return actions.perform("withdraw", article=article, user=user, comment=comment)


def review_start(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """submitted -> under_review (chair): quorum of active reviewers, no conflict, specialty covered."""
    return actions.perform("start_review", article=article, user=user, comment=comment)


def article_request_changes(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """under_review -> changes_requested (an assigned reviewer or the chair; comment required)."""
    return actions.perform("request_changes", article=article, user=user, comment=comment)


def article_approve(
    *, article: Article, user: AbstractBaseUser, comment: str = "", clinically_significant: bool = False
) -> Article:
    """under_review -> approved by the chair: the quorum signed the round's content, no blocking comment.
    ``clinically_significant`` marks the new version for readers' "What's new" feed."""
    return actions.perform(
        "approve", article=article, user=user, comment=comment, clinically_significant=clinically_significant
    )


def article_reject(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """The chair rejects the submission; the authors get the decision letter (see the ``reject`` declaration)."""
    return actions.perform("reject", article=article, user=user, comment=comment)


def article_revise(*, article: Article, user: AbstractBaseUser, change_summary: str, comment: str = "") -> Article:
    """approved/retracted -> draft: a new working copy; the live version stays what readers get.
    ``change_summary`` (required) says what the revision changes; the next published version carries it."""
    return actions.perform("revise", article=article, user=user, change_summary=change_summary, comment=comment)


def article_retract(*, article: Article, user: AbstractBaseUser, reason: str) -> Article:
    """Retract the live version (chair; reason required), in any state while one is live: readers get 410."""
    return actions.perform("retract", article=article, user=user, reason=reason)


def article_archive(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """Any state but approved -> archived (chair); a retracted article keeps its 410 and reason."""
    return actions.perform("archive", article=article, user=user, comment=comment)


def version_assess_significance(
    *, version: PublishedVersion, user: AbstractBaseUser, clinically_significant: bool
) -> PublishedVersion:
    """The chair marks a version approved without a mark (by the sign-off that completed the quorum):
    clinically significant or not. A significant one enters readers' What's new feed now."""
    return actions.perform(
        "assess_significance",
        article=version.article,
        user=user,
        target=version,
        clinically_significant=clinically_significant,
    )


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
