"""The shape of an action declaration, and the context the runner hands to it.

An ``Action`` says everything about one board action in one place: its name, the words people
see (button label, the verb in refusals, the audit label, the confirmation when it publishes,
retracts or ends a round), who may (a ``Rule``), from which states, the ``Condition``s that must
hold, the input ``Field``s it takes, and ``perform``, the body that changes rows. Transitions also
name a ``target`` state: the runner moves ``Article.state`` with django-fsm before ``perform``.

The declarations themselves are in ``reviewboard.review.actions.catalog``; the runner that performs any
of them (lock, permission 403, state 409, input 400, conditions 409, apply, audit entry, events,
all in one transaction) is ``reviewboard.review.actions.runner``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article
    from reviewboard.models import ReviewRound


@dataclass(frozen=True)
class Unmet:
    """Why a condition does not hold: a stable code, a sentence for people, details for clients."""

    code: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rule:
    """Who may perform an action: ``check(ctx)``, and ``requirement`` in words for the refusal."""

    requirement: str
    check: Callable[[ActionContext], bool]

    def __call__(self, ctx: ActionContext) -> bool:
        return ctx.user is not None and bool(self.check(ctx))


@dataclass(frozen=True)
class Condition:
    """What must hold before an action: ``unmet(ctx)`` is None when it holds, else the reason."""

    name: str
    unmet: Callable[[ActionContext], Unmet | None]

    def __call__(self, ctx: ActionContext) -> bool:
        return self.unmet(ctx) is None


@dataclass(frozen=True)
class Field:
    """One input of an action. ``kind``: "text" (multi-line), "line" (single line), "bool",
    "datetime", "user", "section", "hash", "relationships" (a list of objects).
    ``required`` inputs that are missing or blank are refused
    with 400 naming the field; ``what`` completes "A ... is required."."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    what: str = ""
    help: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    verb: str
    audit_label: str
    who: Rule
    sources: tuple[str, ...]
    perform: Callable[[ActionContext], Any]
    target: str | None = None
    conditions: tuple[Condition, ...] = ()
    fields: tuple[Field, ...] = ()
    confirm: str = ""
    # Optional refusal for a state outside ``sources`` (a code and sentence better than "invalid-state").
    state_refusal: Callable[[Article], Unmet | None] | None = None
    # Checks that depend on the inputs (a chosen reviewer, a hash): run after the conditions.
    validate: Callable[[ActionContext], None] | None = None
    # Which object the action is performed on besides the article: "assignment", "comment", "report",
    # "version" (a published version) or ""; "member" and "credential": no article at all (a member's
    # own declaration of interests, a reviewer's credential).
    on: str = ""
    # An action performed first, in the same transaction, with its own checks and audit entry: returns
    # (name, inputs) or None (sign_off: accepting the assignment in the same form, when asked to).
    first: Callable[[ActionContext], tuple[str, dict[str, Any]] | None] | None = None

    @property
    def is_transition(self) -> bool:
        return self.target is not None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass
class PendingEvent:
    type: str
    payload: dict[str, Any]
    version_id: int | None = None


@dataclass
class ActionContext:
    """What an action's rules, conditions and body see. ``article`` is locked; ``round`` is its open round."""

    action: Action
    article: Article
    user: AbstractBaseUser | None
    round: ReviewRound | None
    now: datetime
    target: Any = None
    inputs: dict[str, Any] = field(default_factory=dict)
    automatic: bool = False
    trigger: str = ""
    # Filled by ``perform``: what the audit entry says beyond who, when, from and to.
    audit_hash: str | None = None
    audit_comment: str = ""
    audit_data: dict[str, Any] = field(default_factory=dict)
    events: list[PendingEvent] = field(default_factory=list)
    followed: list[str] = field(default_factory=list)

    def emit(self, type: str, *, version_id: int | None = None, **payload: Any) -> None:
        """Record an event: written to the outbox in this transaction, delivered after commit."""
        self.events.append(PendingEvent(type=type, payload=payload, version_id=version_id))
