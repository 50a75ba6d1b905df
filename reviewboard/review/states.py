"""The words for each review state, in one table: every surface that names a state (the admin's screens and
lists, the history, the runner's refusals, the success messages) reads them here.

``label`` is the state's own label (``articles.models.ReviewState``, what forms and ``get_state_display`` show);
``in_sentence`` is how a sentence says it ("an article that is under review"); ``next_step`` is said after an
action leaves the article in the state; ``edit_banner`` says on the edit page why the content cannot be edited
now (empty where it can).
"""

from __future__ import annotations

from dataclasses import dataclass

from articles.models import ReviewState


@dataclass(frozen=True)
class StateWords:
    label: str
    next_step: str
    edit_banner: str = ""

    @property
    def in_sentence(self) -> str:
        return self.label.lower()


def _words(state: ReviewState, *, next_step: str, edit_banner: str = "") -> StateWords:
    return StateWords(label=str(state.label), next_step=next_step, edit_banner=edit_banner)


STATE_WORDS: dict[str, StateWords] = {
    ReviewState.DRAFT: _words(ReviewState.DRAFT, next_step="The authors can edit the article again."),
    ReviewState.SUBMITTED: _words(
        ReviewState.SUBMITTED,
        next_step="The chair assigns reviewers and starts the review.",
        edit_banner="Submitted for review: content is frozen. Withdraw it to edit.",
    ),
    ReviewState.UNDER_REVIEW: _words(
        ReviewState.UNDER_REVIEW,
        next_step="The reviewers can read, comment and sign off now.",
        edit_banner="Under review: content is frozen. Withdraw it or request changes to edit.",
    ),
    ReviewState.CHANGES_REQUESTED: _words(
        ReviewState.CHANGES_REQUESTED, next_step="The authors revise the article and submit it again."
    ),
    ReviewState.APPROVED: _words(
        ReviewState.APPROVED,
        next_step="The approved content is published for readers.",
        edit_banner="Approved: content is locked. Revise it to start a new working copy.",
    ),
    ReviewState.RETRACTED: _words(
        ReviewState.RETRACTED,
        next_step="Readers now get the reason instead of the article.",
        edit_banner="Retracted: content is locked.",
    ),
    ReviewState.ARCHIVED: _words(
        ReviewState.ARCHIVED, next_step="No review runs on it any more.", edit_banner="Archived: content is locked."
    ),
}


def state_label(state: str) -> str:
    """The state as a label, "Under review" (a state this table does not know is shown as stored)."""
    words = STATE_WORDS.get(state)
    return words.label if words is not None else state


def state_in_sentence(state: str) -> str:
    """The state inside a sentence, "under review"."""
    words = STATE_WORDS.get(state)
    return words.in_sentence if words is not None else state


def next_step(state: str) -> str:
    words = STATE_WORDS.get(state)
    return words.next_step if words is not None else ""


def edit_banner(state: str) -> str:
    words = STATE_WORDS.get(state)
    return words.edit_banner if words is not None else ""
