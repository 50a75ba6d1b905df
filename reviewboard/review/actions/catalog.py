"""Every board action, gathered from the modules that declare them, each declaration beside its body.

- ``transitions``: the 8 review transitions, their conditions and ``close_round``;
- ``decisions``: reject (the chair's decision; approve and request_changes write the decision letter too);
- ``assignments``: assign, accept, decline, unassign; ``signoffs``: sign_off, withdraw_sign_off;
- ``recommendations``: submit_report (a reviewer's structured report on a round);
- ``comments``: comment, reply, mark_addressed, resolve_comment;
- ``content``: create, edit_content, review_settings; ``library``: reference_correct, reference_status;
- ``rereview``: flag_rereview; ``versions``: assess_significance; ``reports``: reader-report triage;
- ``reviewboard.board.actions``: declare_interests, verify_credential.

A new action needs nothing here: declare it in its subject's module (or a new module of this package)
and it joins ``ACTIONS`` after ``ORDER``'s.

Read one declaration to know an action: who may, from which states, what must hold, what it takes,
what it changes, what people are told, how the history words it, what the audit log calls it and
which events it sends. The entry points (``reviewboard.review.services``), the generic admin view and
the review screen's buttons, the generic API endpoint and its schema, and the audit views all read
``ACTIONS``; ``reviewboard.review.actions.runner.perform`` runs any of them. ``ORDER`` fixes the order
of ``ACTIONS`` and ``TRANSITIONS`` (buttons and the API enum read it).
"""

from __future__ import annotations

import importlib
import pkgutil

from reviewboard.review.actions.registry import Action

# Where declarations live: every module of this package with a ``DECLARED`` tuple (but the machinery
# below, which declares none), and these.
PACKAGES = ("reviewboard.review.actions",)
MACHINERY = {"catalog", "fields", "registry", "rules", "runner", "surface", "entry"}
MODULES = ("reviewboard.board.actions",)

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


def _declaring_modules() -> list[str]:
    names = [
        f"{package}.{info.name}"
        for package in PACKAGES
        for info in sorted(pkgutil.iter_modules(importlib.import_module(package).__path__), key=lambda i: i.name)
        if info.name not in MACHINERY
    ]
    return [*names, *MODULES]


def _declared() -> dict[str, Action]:
    found: dict[str, Action] = {}
    for name in _declaring_modules():
        for action in getattr(importlib.import_module(name), "DECLARED", ()):
            if action.name in found:
                raise RuntimeError(f"Action {action.name!r} is declared twice.")
            found[action.name] = action
    return found


_DECLARED = _declared()
if set(ORDER) - set(_DECLARED):
    raise RuntimeError(f"Actions ordered but not declared: {set(ORDER) - set(_DECLARED)}")

# ORDER first, then any newer declaration in the order its module declares it (modules by name).
ACTIONS: dict[str, Action] = {
    **{name: _DECLARED[name] for name in ORDER},
    **{name: action for name, action in _DECLARED.items() if name not in ORDER},
}

# The review transitions, in the order their buttons are drawn (the API's enum of transition names).
TRANSITIONS: tuple[str, ...] = tuple(name for name, action in ACTIONS.items() if action.is_transition)


def audit_label(name: str) -> str:
    """How the history names audit action ``name``: the declaration's audit label, else the entry's own."""
    action = ACTIONS.get(name)
    if action is not None:
        return action.audit_label
    return name.replace("_", " ").capitalize()
