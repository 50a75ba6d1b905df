"""The chair's decision on a round: ``reject`` (declared here), and the decision letter that the chair's
approve, request_changes and reject write (``reviewboard.review.decisions.letter_write``).

Under "the chair decides" (the board setting, the default) a met quorum leaves the article under
review, awaiting the chair's decision; the chair then approves (with clinical significance, in the same
step), requests changes, or rejects. Rejection ends the submission: the round closes "rejected", the
article goes back to draft without carrying its reviewers over, and readers keep any live version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles.models import Article, ReviewState
from reviewboard.models import DecisionLetter, ReviewRound
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point
from reviewboard.review.actions.rules import CHAIR, states
from reviewboard.review.actions.transitions import close_round
from reviewboard.review.decisions import letter_write


def _reject(ctx: ActionContext) -> None:
    ctx.audit_hash = ctx.article.review_hash
    letter_write(ctx, DecisionLetter.Decision.REJECTED, ctx.inputs["comment"])
    close_round(ctx, ReviewRound.Outcome.REJECTED)


DECLARED: tuple[Action, ...] = (
    Action(
        name="reject",
        label="Reject",
        verb="reject",
        audit_label="Rejected by the chair",
        who=CHAIR,
        sources=states(ReviewState.UNDER_REVIEW),
        target=ReviewState.DRAFT,
        perform=_reject,
        confirm="This ends the review round; the authors get the decision letter with the reviewers' comments.",
        fields=(Field("comment", "Note to the authors", required=True, what="note to the authors saying why"),),
        events=("decision.sent", "round.closed"),
    ),
)


if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@entry_point("reject")
def article_reject(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """The chair rejects the submission; the authors get the decision letter (see the ``reject`` declaration)."""
    ...
