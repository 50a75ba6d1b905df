"""Assigning reviewers to the open review round of an article, and removing them (the chair)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from articles.models import Article
from reviewboard.models import Assignment
from reviewboard.review import actions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def assignment_create(
    *,
    article: Article,
    reviewer: AbstractBaseUser,
    user: AbstractBaseUser,
    due_at: datetime | None = None,
    override_reason: str = "",
) -> Assignment:
    """Assign ``reviewer`` to the article's open round (see the ``assign`` declaration): an active board
    reviewer ("reviewer-inactive"), without a conflict of interest ("conflict-of-interest", unless the chair
    writes an ``override_reason``; never over authorship), not already assigned."""
    return actions.perform(
        "assign", article=article, user=user, reviewer=reviewer, due_at=due_at, override_reason=override_reason
    )


def assignment_accept(*, assignment: Assignment, user: AbstractBaseUser, no_conflict: bool) -> Assignment:
    """The assigned reviewer accepts, confirming no conflict of interest; the due date runs from now."""
    return actions.perform(
        "accept_assignment", article=assignment.article, user=user, target=assignment, no_conflict=no_conflict
    )


def assignment_decline(*, assignment: Assignment, user: AbstractBaseUser, reason: str) -> Assignment:
    """The assigned reviewer declines with a reason: the assignment closes and the chair is told."""
    return actions.perform(
        "decline_assignment", article=assignment.article, user=user, target=assignment, reason=reason
    )


def assignment_remove(*, assignment: Assignment, user: AbstractBaseUser, comment: str = "") -> Assignment:
    """Close an open assignment (chair; close_reason "removed"). Its sign-offs stop counting."""
    return actions.perform("unassign", article=assignment.article, user=user, target=assignment, comment=comment)
