"""Every board action, gathered from the modules that declare them, each declaration beside its body.

- ``transitions``: the 8 review transitions, their conditions and ``close_round``;
- ``decisions``: reject (the chair's decision; approve and request_changes write the decision letter too);
- ``assignments``: assign, accept, decline, unassign; ``signoffs``: sign_off;
- ``recommendations``: submit_report (a reviewer's structured report on a round);
- ``comments``: comment, reply, mark_addressed, resolve_comment; ``content``: edit_content;
- ``versions``: assess_significance; ``reports``: the chair's triage of reader reports;
- ``reviewboard.board.actions``: declare_interests, verify_credential.

Read one declaration to know an action: who may, from which states, what must hold, what it
takes, what it changes, what the audit log calls it and which events it sends. The services
(``reviewboard.review.services``), the admin buttons and forms, the API's enum of transitions and the
audit views all read ``ACTIONS``; ``reviewboard.review.actions.runner.perform`` runs any of them.
``ORDER`` fixes the order of ``ACTIONS`` and ``TRANSITIONS`` (buttons and the API enum read it).
"""

from __future__ import annotations

from reviewboard.board import actions as board
from reviewboard.review.actions import (
    assignments,
    comments,
    content,
    decisions,
    recommendations,
    reports,
    signoffs,
    transitions,
    versions,
)
from reviewboard.review.actions.registry import Action

# Every action, in the order the buttons are drawn and the API lists them (keep it stable).
ORDER: tuple[str, ...] = (
    "submit",
    "withdraw",
    "start_review",
    "request_changes",
    "approve",
    "revise",
    "retract",
    "archive",
    "reject",
    "assign",
    "accept_assignment",
    "decline_assignment",
    "declare_interests",
    "verify_credential",
    "unassign",
    "sign_off",
    "submit_report",
    "comment",
    "resolve_comment",
    "reply",
    "mark_addressed",
    "edit_content",
    "assess_significance",
    "dismiss_report",
    "open_rereview",
)

_DECLARED: dict[str, Action] = {
    action.name: action
    for module in (
        transitions,
        decisions,
        assignments,
        board,
        signoffs,
        recommendations,
        comments,
        content,
        versions,
        reports,
    )
    for action in module.DECLARED
}
if set(_DECLARED) != set(ORDER):  # a new action must be placed in ORDER
    raise RuntimeError(f"Actions declared but not ordered, or ordered but not declared: {set(_DECLARED) ^ set(ORDER)}")

ACTIONS: dict[str, Action] = {name: _DECLARED[name] for name in ORDER}

# The review transitions, in the order their buttons are drawn (the API's enum of transition names).
TRANSITIONS: tuple[str, ...] = tuple(name for name, action in ACTIONS.items() if action.is_transition)

# Audit entries written outside the registry's actions, and what the history calls them.
OTHER_AUDIT_LABELS = {
    "create": "Article created",
    "review_settings": "Review settings changed",
    "reference_correct": "Reference corrected in the library",
    "reference_status": "Reference status changed in the library",
    "flag_rereview": "Flagged for re-review",
}


def audit_label(name: str) -> str:
    """How the history names audit action ``name``: the declaration's audit label, else the entry's own."""
    action = ACTIONS.get(name)
    if action is not None:
        return action.audit_label
    return OTHER_AUDIT_LABELS.get(name, name.replace("_", " ").capitalize())
