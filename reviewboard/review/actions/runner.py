"""The one runner that performs any declared action.

``perform(name, article=..., user=..., **inputs)`` runs, in one transaction and in this order:
lock the article row (then the object acted on: given, or the user's own one that the declaration's
``mine`` finds), find the open review round,
check who may (403 ``permission-denied``, naming who may), the state (409 ``invalid-state``, or
the action's own refusal), the inputs (400 naming the field), the conditions (409 with the
condition's code), the input-dependent checks; then move the state (django-fsm, for transitions),
run the action's body, write one audit entry (none when the body found nothing changed) and the
action's events to the outbox, then what the body left for after its entry (``ctx.then``). Events are
handed to Celery only after the commit. A follow-up (the approval completed by a sign-off) runs in
the same transaction, with its own audit entry, only when all of its conditions hold.

``refusal`` answers "why not?" without acting (the admin draws only the buttons that would work,
and names the condition that holds one back); ``available`` lists the transitions a user may run now.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, TransitionNotAllowed, transition

from articles.models import Article
from config.exceptions import Conflict, InvalidInput, NotAllowed, ServiceError
from reviewboard.audit.chain import audit_append
from reviewboard.delivery import outbox
from reviewboard.reading import reads_kept
from reviewboard.review import selectors, tracker
from reviewboard.review.actions.catalog import ACTIONS, TRANSITIONS
from reviewboard.review.actions.registry import Action, ActionContext, bind_runner
from reviewboard.review.lock_objects import (
    lock_article,
    lock_assignment,
    lock_comment,
    lock_credential,
    lock_reference,
    lock_report,
    lock_version,
)
from reviewboard.review.states import state_in_sentence

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

STATE_FIELD = Article._meta.get_field("state")


def _fsm_transition(action: Action) -> Any:
    """The django-fsm transition of a declared action: source and target come from the declaration."""

    def move(instance: Article) -> None:
        """Only the state changes here; the action's body sets the rest."""

    move.__name__ = action.name
    return transition(field=STATE_FIELD, source=list(action.sources), target=action.target)(move)


FSM = {name: _fsm_transition(action) for name, action in ACTIONS.items() if action.is_transition}


def get_action(name: str) -> Action:
    action = ACTIONS.get(name)
    if action is None:
        raise InvalidInput(
            f"Unknown action {name!r}; expected one of: {', '.join(ACTIONS)}.",
            code="unknown-action",
            detail={"field": "name", "allowed": list(ACTIONS)},
        )
    return action


def get_transition(name: str) -> Action:
    """The declared transition ``name`` (what the API's ``{name}`` may be), else 400 "unknown-transition"."""
    if name not in TRANSITIONS:
        raise InvalidInput(
            f"Unknown transition {name!r}; expected one of: {', '.join(TRANSITIONS)}.",
            code="unknown-transition",
            detail={"field": "name", "allowed": list(TRANSITIONS)},
        )
    return ACTIONS[name]


# --- the checks, each with its own answer -------------------------------------------------------


def check_permission(ctx: ActionContext) -> None:
    action = ctx.action
    if not action.who(ctx):
        what = "" if action.on in ("reference", "new") else " this article"
        raise NotAllowed(
            f"Only {action.who.requirement} may {action.verb}{what}.",
            code="permission-denied",
            detail={"required": action.who.requirement, "transition": action.name, "action": action.name},
        )


def check_state(ctx: ActionContext) -> None:
    action, article = ctx.action, ctx.article
    if article is None or article.state in action.sources:  # a member's own action (no article)
        return
    if action.state_refusal is not None and (unmet := action.state_refusal(article)) is not None:
        raise Conflict(unmet.message, code=unmet.code, detail={"action": action.name, **unmet.detail})
    raise Conflict(
        f"Cannot {action.verb} an article that is {state_in_sentence(article.state)}; "
        f"allowed from: {', '.join(state_in_sentence(s) for s in action.sources)}.",
        code="invalid-state",
        detail={
            "transition": action.name,
            "action": action.name,
            "state": article.state,
            "allowed_from": list(action.sources),
        },
    )


def check_conditions(ctx: ActionContext) -> None:
    for condition in ctx.action.conditions:
        unmet = condition.unmet(ctx)
        if unmet is not None:
            raise Conflict(unmet.message, code=unmet.code, detail={"transition": ctx.action.name, **unmet.detail})


def clean_inputs(action: Action, inputs: dict[str, Any], ctx: ActionContext) -> dict[str, Any]:
    """Each declared input as its kind reads it (``fields.KINDS``); unknown or missing ones refused (400)."""
    unknown = sorted(set(inputs) - {f.name for f in action.fields})
    if unknown:
        raise InvalidInput(
            f"{action.label} takes no {', '.join(unknown)}.", code="unknown-field", detail={"field": unknown[0]}
        )
    cleaned: dict[str, Any] = {}
    for field in action.fields:
        value, missing = field.spec.clean(field, inputs.get(field.name), ctx)
        if field.required and missing:
            raise InvalidInput(
                f"A {field.what or field.label.lower()} is required.",
                code=f"{field.name.replace('_', '-')}-required",
                detail={"field": field.name},
            )
        cleaned[field.name] = value
    return cleaned


def _context(action: Action, article: Article, user: Any, target: Any = None, **kwargs: Any) -> ActionContext:
    return ActionContext(
        action=action,
        article=article,
        user=user,
        round=selectors.open_round(article) if article is not None else None,
        now=timezone.now(),
        target=target,
        **kwargs,
    )


# --- performing ---------------------------------------------------------------------------------


# Actions on a board member's own record, a reviewer's credential, a library record, or an article still
# to be created: no article to lock first.
NO_ARTICLE = ("member", "credential", "reference", "new")


def _lock_target(action: Action, target: Any) -> Any:
    if action.on == "assignment":
        return lock_assignment(target.pk)
    if action.on == "comment":
        return lock_comment(target.pk)
    if action.on == "credential":
        return lock_credential(target.pk)
    if action.on == "report":
        return lock_report(target.pk)
    if action.on == "version":
        return lock_version(target.pk)
    if action.on == "reference":
        return lock_reference(target.pk)
    return None


def _apply(ctx: ActionContext) -> Any:
    action, article = ctx.action, ctx.article
    from_state = article.state if article is not None else ""
    status_before = tracker.before(article)
    try:
        if action.is_transition:
            FSM[action.name](article)
        result = action.perform(ctx)
        if action.is_transition:
            tracker.track(ctx, status_before)
            article.save()
    except ConcurrentTransition as exc:
        raise Conflict(
            "Another request changed this article's review state at the same time; reload and try again.",
            code="concurrent-transition",
            detail={"transition": action.name},
        ) from exc
    except TransitionNotAllowed as exc:
        raise Conflict(str(exc), code="invalid-state", detail={"transition": action.name, "state": from_state}) from exc
    article = ctx.article  # an action that creates its article ("new") sets it
    if not ctx.audited:
        return result
    audit_append(
        action=action.name,
        actor=ctx.user,
        article=article,
        from_state=from_state,
        to_state=article.state if article is not None else "",
        content_hash=ctx.audit_hash if ctx.audit_hash is not None else (article.review_hash if article else ""),
        comment=ctx.audit_comment or ctx.inputs.get("comment", "") or ctx.inputs.get("reason", ""),
        data=ctx.audit_data,
    )
    outbox.record(ctx)
    for step in ctx.then:
        step()
    for name in ctx.followed:
        _follow(ctx, name)
    return article if action.is_transition else result


def _follow(parent: ActionContext, name: str) -> None:
    """Run ``name`` now, by the same user, if its state and every condition allow (an automatic step)."""
    action = ACTIONS[name]
    ctx = ActionContext(
        action=action,
        article=parent.article,
        user=parent.user,
        round=parent.round,
        now=parent.now,
        automatic=True,
        trigger=f"{parent.action.name} by {parent.user}",
    )
    if parent.article.state not in action.sources or any(c.unmet(ctx) is not None for c in action.conditions):
        return
    _apply(ctx)


@transaction.atomic
def perform(
    name: str, *, article: Article | None, user: AbstractBaseUser | None, target: Any = None, **inputs: Any
) -> Any:
    """Perform action ``name`` on ``article`` as ``user`` (see the module docstring). Returns the article
    for transitions (a fresh, locked instance), otherwise what the action made (assignment, sign-off...).
    A member's own action (``on="member"``, a declaration of interests) takes no article."""
    action = get_action(name)
    if (action.on in NO_ARTICLE) != (article is None):
        raise InvalidInput(
            f"{action.label} {'takes no' if action.on in NO_ARTICLE else 'needs an'} article.",
            code="invalid-target",
            detail={"field": "article"},
        )
    locked = lock_article(article.pk) if article is not None else None
    if target is None and action.mine is not None and locked is not None:
        target = action.mine(locked, user)
    target = _lock_target(action, target) if target is not None else None
    if locked is not None and getattr(target, "article_id", locked.pk) != locked.pk:
        raise InvalidInput(
            f"This {action.on} belongs to another article.", code=f"invalid-{action.on}", detail={"field": action.on}
        )
    ctx = _context(action, locked, user, target)
    check_permission(ctx)
    check_state(ctx)
    ctx.inputs = clean_inputs(action, inputs, ctx)
    if action.first is not None and (step := action.first(ctx)) is not None:
        _perform_first(ctx, *step)
    check_conditions(ctx)
    if action.validate is not None:
        action.validate(ctx)
    return _apply(ctx)


def _perform_first(parent: ActionContext, name: str, inputs: dict[str, Any]) -> None:
    """Run the declared action ``name`` before ``parent``'s, on the same article and target, with every
    check of its own and its own audit entry (recorded as what it is)."""
    ctx = _context(ACTIONS[name], parent.article, parent.user, parent.target)
    check_permission(ctx)
    check_state(ctx)
    ctx.inputs = clean_inputs(ctx.action, inputs, ctx)
    check_conditions(ctx)
    if ctx.action.validate is not None:
        ctx.action.validate(ctx)
    _apply(ctx)


bind_runner(perform, get_action)


def refusal(name: str, *, article: Article, user: AbstractBaseUser | None, target: Any = None) -> ServiceError | None:
    """Why ``user`` may not perform ``name`` on ``article`` now (None: they may), without acting."""
    action = get_action(name)
    if target is None and action.mine is None:
        return refusals(article=article, user=user, names=(name,))[name]
    if target is None:
        target = action.mine(article, user)
    ctx = _context(action, article, user, target)
    try:
        check_permission(ctx)
        check_state(ctx)
        check_conditions(ctx)
    except ServiceError as error:
        return error
    return None


@reads_kept()
def refusals(
    *, article: Article, user: AbstractBaseUser | None, names: tuple[str, ...] = TRANSITIONS
) -> dict[str, ServiceError | None]:
    """``refusal`` for each of ``names``, each rule's read made once for all of them (a screen asks about
    every button; ``reviewboard.reading``: nothing is written here)."""
    open_round = selectors.open_round(article)
    answers: dict[str, ServiceError | None] = {}
    for name in names:
        action = get_action(name)
        target = action.mine(article, user) if action.mine is not None else None
        ctx = ActionContext(
            action=action, article=article, user=user, round=open_round, now=timezone.now(), target=target
        )
        try:
            check_permission(ctx)
            check_state(ctx)
            check_conditions(ctx)
        except ServiceError as error:
            answers[name] = error
        else:
            answers[name] = None
    return answers


def available(*, article: Article, user: AbstractBaseUser | None, names: tuple[str, ...] = TRANSITIONS) -> list[str]:
    """The actions among ``names`` that ``user`` may perform on ``article`` now, conditions included."""
    return [name for name, refused in refusals(article=article, user=user, names=names).items() if refused is None]
