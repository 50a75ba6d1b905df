"""Accept before judging: the one rule that a sign-off, a blocking comment or a recommendation counts only
from a reviewer who accepted this round's assignment (accepting confirms no conflict of interest under a
declaration valid now; see ``accept_assignment``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from config.exceptions import Conflict
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.models import Assignment

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article
    from reviewboard.review.actions.registry import ActionContext


def require_accepted(assignment: Assignment, *, doing: str) -> None:
    """409 "assignment-not-accepted" unless ``assignment`` was accepted (``doing``: "sign off"...)."""
    if assignment.accepted_at is None:
        raise Conflict(
            f"Accept the assignment first, confirming that you have no conflict of interest, before you {doing}: "
            "it counts only from a reviewer who accepted this round's assignment.",
            code="assignment-not-accepted",
            detail={"assignment_id": assignment.pk, "round": assignment.round.number},
        )


def require_accepted_reviewer(article: Article, user: AbstractBaseUser, *, doing: str) -> None:
    """For an act open to the chair and the assigned reviewers (a blocking comment): the chair needs no
    assignment; an assigned reviewer must have accepted theirs."""
    if permissions.is_chair(user):
        return
    assignment = article.assignments.filter(reviewer=user, closed_at__isnull=True).select_related("round").first()
    if assignment is not None:
        require_accepted(assignment, doing=doing)


def on_record_of(ctx: ActionContext, reviewer: AbstractBaseUser) -> board_selectors.OnRecord:
    """What the conflict-of-interest rule reads of ``reviewer`` for the action's article, read once per
    action: accepting and signing off check the conflict and then record the declaration they checked,
    not a second read of it."""
    return ctx.read_once(
        f"on_record:{reviewer.pk}", lambda: board_selectors.on_record(ctx.article, [reviewer])[reviewer.pk]
    )
