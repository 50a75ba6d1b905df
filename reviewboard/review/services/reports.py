"""A reviewer's structured report on the open round (see the ``submit_report`` declaration)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reviewboard.models import Assignment, ReviewReport
from reviewboard.review import actions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def assignment_report(
    *,
    assignment: Assignment,
    user: AbstractBaseUser,
    recommendation: str,
    checklist: list[dict[str, Any]] | None = None,
    comments_to_author: str = "",
    confidential_comments: str = "",
) -> ReviewReport:
    """File (or update, while the round is open) the report of an accepted assignment."""
    return actions.perform(
        "submit_report",
        article=assignment.article,
        user=user,
        target=assignment,
        recommendation=recommendation,
        checklist=checklist or [],
        comments_to_author=comments_to_author,
        confidential_comments=confidential_comments,
    )
