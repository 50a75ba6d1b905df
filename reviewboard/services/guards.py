"""The checks every review service makes, in one order, each with its own error.

1. permission (the transition's ``permission`` predicate) -> ``NotAllowed`` "permission-denied"
   naming who may act;
2. state (the transition's sources) -> ``Conflict`` "invalid-state" naming the current state and
   the states it is allowed from;
3. input (a required comment or reason) -> ``InvalidInput`` naming the field;
4. conditions (the transition's ``conditions``) -> ``Conflict`` with the condition's own code.

``django_fsm.has_transition_perm`` folds 1, 2 and 4 into one boolean; here they stay apart so
that the API can answer 403 or 409 and say why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django_fsm import ConcurrentTransition, TransitionNotAllowed

from articles import permissions
from articles.models import Article, ReviewState
from config.exceptions import Conflict, InvalidInput, NotAllowed

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import AbstractBaseUser

# Every review transition, in the order buttons are drawn.
TRANSITIONS: tuple[str, ...] = (
    "submit",
    "withdraw",
    "start_review",
    "request_changes",
    "approve",
    "revise",
    "retract",
    "archive",
)

VERBS = {
    "submit": "submit",
    "withdraw": "withdraw",
    "start_review": "start the review of",
    "request_changes": "request changes on",
    "approve": "approve",
    "revise": "revise",
    "retract": "retract",
    "archive": "archive",
}

STATE_LABELS = dict(ReviewState.choices)


def _meta(name: str) -> Any:
    return getattr(Article, name)._django_fsm


def transition_permission(name: str) -> Callable[[Article, AbstractBaseUser], bool]:
    """The ``permission`` predicate of transition ``name`` (the same for all its sources)."""
    return next(iter(_meta(name).transitions.values())).permission


def transition_sources(name: str) -> list[str]:
    sources = set(_meta(name).transitions)
    return [state for state in ReviewState.values if state in sources]


def transition_target(name: str) -> str:
    return str(next(iter(_meta(name).transitions.values())).target)


def transition_conditions(name: str) -> list[Any]:
    return list(next(iter(_meta(name).transitions.values())).conditions)


def state_label(state: str) -> str:
    return str(STATE_LABELS.get(state, state)).lower()


def not_allowed(action: str, requirement: str, *, detail: dict[str, Any] | None = None) -> NotAllowed:
    return NotAllowed(
        f"Only {requirement} may {action}.",
        code="permission-denied",
        detail={"required": requirement, **(detail or {})},
    )


def check_permission(article: Article, user: AbstractBaseUser | None, name: str) -> None:
    predicate = transition_permission(name)
    if user is None or not predicate(article, user):
        requirement = permissions.requirement(predicate)
        raise not_allowed(f"{VERBS[name]} this article", requirement, detail={"transition": name})


def check_state(article: Article, name: str) -> None:
    if _meta(name).has_transition(article.state):
        return
    sources = transition_sources(name)
    raise Conflict(
        f"Cannot {VERBS[name]} an article that is {state_label(article.state)}; "
        f"allowed from: {', '.join(state_label(s) for s in sources)}.",
        code="invalid-state",
        detail={"transition": name, "state": article.state, "allowed_from": sources},
    )


def check_conditions(article: Article, name: str) -> None:
    for condition in transition_conditions(name):
        unmet = condition.unmet(article)
        if unmet is not None:
            raise Conflict(unmet.message, code=unmet.code, detail={"transition": name, **unmet.detail})


def check_transition(article: Article, user: AbstractBaseUser | None, name: str) -> None:
    check_permission(article, user, name)
    check_state(article, name)
    check_conditions(article, name)


def require_text(value: str | None, *, field: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"A {what} is required.", code=f"{field}-required", detail={"field": field})
    return text


def run_transition(article: Article, name: str, **kwargs: Any) -> None:
    """Call the django-fsm transition and save the row (optimistic check on the state column)."""
    try:
        getattr(article, name)(**kwargs)
        article.save()
    except ConcurrentTransition as exc:
        raise Conflict(
            "Another request changed this article's review state at the same time; reload and try again.",
            code="concurrent-transition",
            detail={"transition": name},
        ) from exc
    except TransitionNotAllowed as exc:
        raise Conflict(str(exc), code="invalid-state", detail={"transition": name, "state": article.state}) from exc
