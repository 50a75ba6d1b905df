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

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from reviewboard.review.actions.fields import KINDS, Kind

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
    # True: also performed with no user (the board's own jobs, an import run from the shell).
    system: bool = False

    def __call__(self, ctx: ActionContext) -> bool:
        return (ctx.user is not None or self.system) and bool(self.check(ctx))


@dataclass(frozen=True)
class Condition:
    """What must hold before an action: ``unmet(ctx)`` is None when it holds, else the reason."""

    name: str
    unmet: Callable[[ActionContext], Unmet | None]

    def __call__(self, ctx: ActionContext) -> bool:
        return self.unmet(ctx) is None


@dataclass(frozen=True)
class Field:
    """One input of an action. ``kind`` names one of ``reviewboard.review.actions.fields.KINDS``: "text"
    (multi-line), "line" (single line), "bool", "datetime", "user", "section", "hash", and the unsurfaced
    "content" and "relationships" (a list of objects). The kind parses and checks the value and gives the
    admin's form field and the API's serializer field. ``required`` inputs that are missing or blank are
    refused with 400 naming the field; ``what`` completes "A ... is required."."""

    name: str
    label: str
    kind: str = "text"
    required: bool = False
    what: str = ""
    help: str = ""

    @property
    def spec(self) -> Kind:
        return KINDS[self.kind]


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
    # "version" (a published version) or ""; "member", "credential", "reference" and "new": no article
    # at all (a member's own declaration of interests, a reviewer's credential, a library record, an
    # article still to be created).
    on: str = ""
    # The acting user's own object, when the action is always on that one (their sign-off): the runner
    # finds it when no target is given, so the surfaces ask for no id.
    mine: Callable[[Article, Any], Any] | None = None
    # What people are told when it worked: ``message(result, user)``; None: the audit label (for a
    # transition, with what happens next). ``refused`` starts the message when it was refused.
    message: Callable[[Any, Any], str] | None = None
    refused: str = ""
    # How the history words one of its audit entries: ``history(entry, people)`` (people: the users
    # the entries name, by id); None: the audit label.
    history: Callable[[Any, dict[int, Any]], str] | None = None
    # The event types its body (or ``close_round``) emits: ``ctx.emit`` refuses any other.
    events: tuple[str, ...] = ()
    # The review screen's panel that draws it in place ("sign_off", "comment", "assign", "thread",
    # "assignment"): else the screen's bar draws it as a button, with the generic action page.
    panel: str = ""
    # False: performed by other actions, services or jobs only; never offered on a screen or the API.
    surfaced: bool = True
    # An action performed first, in the same transaction, with its own checks and audit entry: returns
    # (name, inputs) or None (sign_off: accepting the assignment in the same form, when asked to).
    first: Callable[[ActionContext], tuple[str, dict[str, Any]] | None] | None = None

    @property
    def is_transition(self) -> bool:
        return self.target is not None

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def on_surfaces(self) -> bool:
        """Offered by the generic admin page and the API endpoint: on an article, with surfaced inputs."""
        return (
            self.surfaced
            and self.on not in ("member", "credential", "reference", "new")
            and all(f.spec.surfaced for f in self.fields)
        )

    @property
    def needs_target_id(self) -> bool:
        """The surfaces must name the object acted on (an assignment, a comment...)."""
        return bool(self.on) and self.mine is None

    @property
    def refused_words(self) -> str:
        return self.refused or f"{self.label} refused"


# What the runner emits itself for every transition (``reviewboard.review.tracker``).
RUNNER_EVENTS = ("article.status_changed",)


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
    # False: the body found nothing changed, and no audit entry is written (a correction that corrects nothing).
    audited: bool = True
    # What the body leaves for after its audit entry and events, in the same transaction (the re-review
    # flags a library correction raises, each its own audited action).
    then: list[Callable[[], Any]] = field(default_factory=list)
    # What ``read_once`` has read for this action.
    _read: dict[str, Any] = field(default_factory=dict, repr=False)

    def read_once(self, key: str, read: Callable[[], R]) -> R:
        """``read()`` the first time this action asks for ``key``, the same answer after: a condition and
        the body that read the same rows of the locked article read them once. Only for rows nothing
        writes between the two (the checks run before the body)."""
        if key not in self._read:
            self._read[key] = read()
        return self._read[key]

    def emit(self, type: str, *, version_id: int | None = None, **payload: Any) -> None:
        """Record an event: written to the outbox in this transaction, delivered after commit. Only the
        event types the declaration names (``Action.events``)."""
        if type not in self.action.events and not (self.action.is_transition and type in RUNNER_EVENTS):
            raise RuntimeError(f"{self.action.name} emits {type!r}, which its declaration does not name in events.")
        self.events.append(PendingEvent(type=type, payload=payload, version_id=version_id))


# --- typed entry points -------------------------------------------------------------------------

P = ParamSpec("P")
R = TypeVar("R")

# The runner's ``perform``, bound when ``reviewboard.review.actions.runner`` is imported (it imports the
# declarations, so they cannot import it): importing any declaring module imports the package first,
# whose ``__init__`` imports the runner.
_RUNNER: dict[str, Callable[..., Any]] = {}

# The keyword of an entry point that names the object acted on (``Action.on``): passed as the target.
TARGET_KEYWORDS = ("assignment", "comment", "version", "report", "credential", "reference")


def bind_runner(perform: Callable[..., Any], get_action: Callable[[str], Action]) -> None:
    _RUNNER["perform"] = perform
    _RUNNER["get_action"] = get_action


def run_action(name: str, **kwargs: Any) -> Any:
    """``runner.perform``, for an entry point whose signature ``entry_point`` cannot map (an id, ``**fields``)."""
    return _RUNNER["perform"](name, **kwargs)


def entry_point(
    name: str, *, user: str = "user", after: Callable[[Any], Any] | None = None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a keyword-only, typed stub (body ``...``) the Python entry point of action ``name``: a call
    runs ``perform(name, article=..., user=<the ``user`` keyword>, target=<the object keyword>, **inputs)``.
    The stub's other keywords must be the declaration's inputs (the runner refuses any other); ``after``
    shapes the result. The admin, the API, commands, jobs and tests call these (or ``perform``)."""

    def decorate(stub: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(stub)
        if any(p.kind is not inspect.Parameter.KEYWORD_ONLY for p in signature.parameters.values()):
            raise TypeError(f"{stub.__name__}: an entry point takes keyword-only arguments.")

        @functools.wraps(stub)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            inputs = dict(bound.arguments)
            actor = inputs.pop(user)
            article = inputs.pop("article", None)
            target = None
            on = _RUNNER["get_action"](name).on  # the keyword naming the object acted on, if any
            if on in TARGET_KEYWORDS and on in inputs:
                target = inputs.pop(on)
                article = article if article is not None else getattr(target, "article", None)
            result = _RUNNER["perform"](name, article=article, user=actor, target=target, **inputs)
            return after(result) if after is not None else result

        run.action_name = name  # type: ignore[attr-defined]
        return run

    return decorate
