"""What the review screens call things: action labels and forms, state words, hashes and names, and the
history's wording of each audit entry (``audit_details``). Shared by the article admin's review panels
(``reviewboard.admin.review``), the review screen and the audit log's admin (``reviewboard.admin.board``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from articles.models import FROZEN_STATES
from reviewboard.board import selectors as board_selectors
from reviewboard.models import ReviewRound, SignOff
from reviewboard.review.actions import ACTIONS
from reviewboard.review.actions.catalog import audit_label
from reviewboard.review.actions.rules import person_name as person_name  # shared with the actions' messages
from reviewboard.review.actions.rules import short_hash as short_hash
from reviewboard.review.states import state_label

# --- buttons, labels and names ------------------------------------------------------------

# Labels, forms and confirmations come from the action declarations (``reviewboard.review.actions.catalog``).


def action_label(name: str) -> str:
    return ACTIONS[name].label


def action_form(name: str) -> dict[str, Any] | None:
    """The small form a transition's button opens first: its text input (a required reason or comment) and
    the confirmation, when the action ends a round, publishes or retracts. None: the button acts at once."""
    action = ACTIONS[name]
    field = next((f for f in action.fields if f.kind == "text"), None)
    if field is None or not (field.required or action.confirm):
        return None
    return {
        "field": field.name,
        "prompt": field.label,
        "required": field.required,
        "help": " ".join(part for part in (action.confirm, field.help) if part),
        # Yes/no inputs of the action (approve: clinically significant), drawn as checkboxes.
        "flags": [{"name": f.name, "label": f.label, "help": f.help} for f in action.fields if f.kind == "bool"],
    }


# Refusals that say an action does not apply to this article at all (nothing to wait for): such an
# action is left out of the "not possible yet" list instead of being offered as a future step.
DOES_NOT_APPLY = frozenset({"no-live-version", "already-retracted"})
# Actions that act at once (no form) but change a lot: their button asks first. The words come from the
# declaration (``Action.confirm``) when it has them.
CONFIRM_AT_ONCE = {
    "start_review": "Start the review now? The assigned reviewers are told and their due dates start.",
}
# Set apart from the main actions (below them, under "More"): they end the article's life on the board.
SECONDARY_ACTIONS = frozenset({"archive"})


def confirm_words(name: str) -> str:
    """What a button that acts at once asks before it posts ("" for none)."""
    return CONFIRM_AT_ONCE.get(name) or (
        f"{ACTIONS[name].label}? {ACTIONS[name].confirm}" if ACTIONS[name].confirm else ""
    )


# States in which a review round runs: sign-off progress and due dates mean something.
REVIEW_STATES = FROZEN_STATES


def in_groups(count: int, groups: int) -> str:
    """A count of findings as the findings panel lists them, one entry per problem: "8 in 3 groups" (the
    jump strip and the panel say the same), or just "8" when each finding is its own entry."""
    if groups >= count:
        return str(count)
    return f"{count} in {groups} group{'' if groups == 1 else 's'}"


def reviewer_label(user: Any) -> str:
    name = user.get_full_name() or user.get_username()
    profile = getattr(user, "reviewer_profile", None)
    if profile is None:
        return name
    specialties = ", ".join(s.name for s in profile.specialties.all())
    label = f"{name}, {profile.credentials}" if profile.credentials else name
    return f"{label} ({specialties})" if specialties else label


def credential_rows(user: Any, *, today: Any) -> list[dict[str, str]]:
    """The reviewer's credentials on record with their status (verified, not verified, expired); load the
    user with ``reviewer_profile__credential_records`` first."""
    profile = getattr(user, "reviewer_profile", None)
    if profile is None:
        return []
    return [
        {"name": c.name, "status": board_selectors.credential_status(c, today=today), "kind": c.get_kind_display()}
        for c in profile.credential_records.all()
    ]


def signoff_status(signoff: SignOff, *, counting: set[int], review_hash: str) -> str:
    """Why a sign-off counts toward the quorum now, or why not."""
    if signoff.pk in counting:
        return "counts"
    if signoff.decision == SignOff.Decision.REQUEST_CHANGES:
        return "requested changes"
    if signoff.assignment.closed_at is not None:
        return f"earlier round ({signoff.assignment.close_reason or 'closed'})"
    if signoff.content_hash != review_hash:
        return "stale: another content hash"
    return "does not count"


AUDIT_ROWS = 50


CLOSE_REASONS = {
    "removed": "reviewer removed",
    "retracted": "live version retracted",
    "archived": "article archived",
    **{value: label.lower() for value, label in ReviewRound.Outcome.choices},
}


def close_reason_words(reason: str) -> str:
    return CLOSE_REASONS.get(reason, reason.replace("_", " ") or "closed")


def state_change_words(entry: Any) -> str:
    """ "Draft → Submitted", or the one state, as people read states."""
    to_state = state_label(entry.to_state)
    if entry.from_state and entry.from_state != entry.to_state:
        return f"{state_label(entry.from_state)} → {to_state}"
    return to_state


def audit_people(entries: list[Any]) -> dict[int, Any]:
    """The reviewers the entries name (assign, unassign), loaded once, by id."""
    ids = {e.data.get("reviewer_id") for e in entries if isinstance(e.data, dict) and e.data.get("reviewer_id")}
    if not ids:
        return {}
    return get_user_model().objects.select_related("reviewer_profile").in_bulk(ids)


def audit_details(entry: Any, people: dict[int, Any] | None = None) -> str:
    """A line a person reads for one audit entry (the entry itself stays as stored): the declaration's
    own wording (``Action.history``, beside its body), else its audit label."""
    action = ACTIONS.get(entry.action)
    if action is not None and action.history is not None:
        return action.history(entry, people or {})
    return audit_label(entry.action).lower()
