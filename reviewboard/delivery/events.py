"""The outbox's event types, each with its payload fields, and the consumers that plug into them.

**The catalog** (``CATALOG``) is the one list of what can happen: every ``outbox.emit`` names one of
these types, and its payload carries exactly the declared fields (``optional`` ones may be left out).
Besides its payload an event row has an envelope the outbox fills: ``article``, ``round``, ``version``
and ``actor`` (any of them may be empty). ``check_payload`` refuses an unknown type or a payload that
does not match; where ``OUTBOX_STRICT_EVENTS`` is on (tests, development) that is an error raised at the
``emit``, elsewhere it is logged and the event is recorded as failed ("nobody consumes it"), never
silently delivered.

**Consumers** register themselves, as Django registers signal receivers or admin classes, with a
stable key and the types they take::

    @consumer("email.version_approved", "version.approved")
    def email_board_version_approved(event: Event) -> int: ...

The key (not the function's name) is what the outbox records per delivery (``EventDelivery.consumer``):
renaming the function never delivers an event twice; renaming a key is a data migration.
``ReviewboardConfig.ready()`` imports the consumer modules (``CONSUMER_MODULES``) and then
``check_every_type_consumed()``: an event type nobody consumes stops the start-up. The outbox
(``reviewboard.delivery.outbox``) reads this registry and imports none of the consumers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

Consumer = Callable[[Any], Any]


@dataclass(frozen=True)
class EventType:
    name: str
    meaning: str
    fields: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


CATALOG: dict[str, EventType] = {
    e.name: e
    for e in (
        # --- the review of an article (written by the action runner, reviewboard.review.actions) -------------
        EventType("article.submitted", "An author submitted the article: a review round opened.", ("round",)),
        EventType(
            "review.started",
            "Reviewers were assigned to a round under review (at its start or later).",
            ("assignment_ids",),
        ),
        EventType(
            "assignment.declined", "A reviewer declined an assignment, with a reason.", ("assignment_id", "reason")
        ),
        EventType(
            "changes.requested",
            "A reviewer or the chair asked the authors for changes: the round closed.",
            ("comment", "by"),
        ),
        EventType("comment.blocking", "A blocking comment holds back approval.", ("comment_id",)),
        EventType("comment.resolved", "Someone resolved a comment, with a note.", ("comment_id", "by")),
        EventType("comment.replied", "Someone replied in a comment thread.", ("comment_id", "thread", "by")),
        EventType("comment.addressed", "The author says a comment was dealt with.", ("comment_id", "by")),
        EventType(
            "round.closed",
            "A review round closed with an outcome (approved, changes requested, withdrawn ...).",
            ("round", "outcome", "assignment_ids"),
        ),
        EventType(
            "version.approved", "The board approved the content: a numbered published version exists.", ("version",)
        ),
        EventType(
            "version.significance_assessed",
            "The chair marked whether a published version changed clinical advice.",
            ("version",),
        ),
        EventType("version.published", "A newly approved version is live for readers (rendered).", ("version",)),
        EventType("version.retracted", "The chair retracted the live version: readers get 410.", ("version", "reason")),
        EventType("article.archived", "The article was archived."),
        EventType(
            "article.status_changed",
            "Where the article's review stands moved (the status endpoint's answer changed).",
            ("status", "current_step", "round"),
        ),
        # --- raised by sweeps, imports and the library ------------------------------------------------------
        EventType(
            "article.review_due",
            "A published article was flagged for re-review (its date passed, a report, a citation). "
            "`digest`: the chair was told in a sweep's digest instead.",
            ("reason",),
            optional=("digest",),
        ),
        EventType(
            "citations.retracted",
            "Published articles cite papers a retraction import just withdrew.",
            ("items",),  # [[article id, [reference ids]], ...]
        ),
        EventType(
            "assignment.unanswered",
            "A reviewer neither accepted nor declined in time.",
            ("assignment_id", "reviewer_id", "assigned_at"),
        ),
        EventType(
            "declaration.expiring",
            "A member's declaration of interests expires in 30 (then 7) days.",
            ("declaration_id", "member_id", "days", "expires_at"),
        ),
        EventType(
            "assignment.reminder_due",
            "The reminder sweep claimed a late assignment: remind its reviewer (the n-th time).",
            ("assignment_id", "number"),
        ),
        EventType(
            "assignments.escalated",
            "Late assignments reminded REVIEW_REMINDERS_BEFORE_CHAIR times: one digest to the chair.",
            ("items",),  # [[assignment id, reminders sent], ...]
        ),
        EventType(
            "reviews.overdue",
            "Published articles passed their re-review date: one digest to the chair.",
            ("article_ids",),
        ),
        EventType(
            "versions.missing",
            "Approved articles have no published version of their approved content (reconciliation).",
            ("article_ids",),
        ),
        EventType(
            "audit.checkpoint",
            "The audit chain's head was signed (a copy goes to the log).",
            ("seq", "entry_hash", "created_at", "signature"),
        ),
        EventType(
            "audit.checkpoint_alert",
            "Audit checkpoints were deleted, or entries waited two checkpoint intervals unsigned (the chair).",
            ("kind", "key", "message"),
        ),
        EventType(
            "decision.sent",
            "The chair decided a round (approved, changes requested, rejected): the authors get the letter.",
            ("letter_id", "decision", "by"),
        ),
        EventType(
            "webhook.disabled",
            "A client's webhook endpoint failed for a day and was disabled.",
            ("endpoint_id", "url", "reason", "pending"),
        ),
    )
}


class EventTypeError(ValueError):
    """An event that the catalog does not declare, or whose payload does not match its declaration."""


def payload_problem(type: str, payload: Mapping[str, Any]) -> str | None:
    """What is wrong with an event of ``type`` carrying ``payload``, or None."""
    declared = CATALOG.get(type)
    if declared is None:
        return f"Unknown event type {type!r}: declare it in reviewboard.delivery.events.CATALOG."
    missing = [name for name in declared.fields if name not in payload]
    extra = sorted(set(payload) - set(declared.fields) - set(declared.optional))
    if missing or extra:
        parts = [f"missing {', '.join(missing)}" if missing else "", f"undeclared {', '.join(extra)}" if extra else ""]
        return f"Event {type!r}: payload {'; '.join(p for p in parts if p)} (declared: {', '.join(declared.fields)})."
    return None


# --- consumers ------------------------------------------------------------------------------------

_CONSUMERS: dict[str, tuple[Consumer, tuple[str, ...]]] = {}  # key -> (function, event types), registration order


def consumer(key: str, *types: str) -> Callable[[Consumer], Consumer]:
    """Register the decorated function as the consumer ``key`` of the event ``types``."""

    def register(function: Consumer) -> Consumer:
        register_consumer(key, function, types)
        return function

    return register


def not_before(seconds: Callable[[], float]) -> Callable[[Consumer], Consumer]:
    """Declare that a consumer waits ``seconds()`` (read when it is due, so settings are followed) after
    the outbox first touches its delivery, i.e. after the action's commit (``reviewboard.delivery.outbox``).
    Stack it under ``@consumer``."""

    def declare(function: Consumer) -> Consumer:
        function.wait_seconds = seconds  # type: ignore[attr-defined]
        return function

    return declare


def wait_seconds(key: str) -> float:
    """How long the consumer ``key`` waits (0: it runs at once)."""
    function = consumer_function(key)
    seconds = getattr(function, "wait_seconds", None)
    return max(0.0, float(seconds())) if seconds is not None else 0.0


def register_consumer(key: str, function: Consumer, types: Iterable[str]) -> None:
    types = tuple(types)
    unknown = [t for t in types if t not in CATALOG]
    if not types or unknown:
        raise ImproperlyConfigured(
            f"Outbox consumer {key!r} must name declared event types; unknown: {', '.join(unknown) or '(none given)'}."
        )
    registered = _CONSUMERS.get(key)
    if registered is not None and _qualname(registered[0]) != _qualname(function):
        raise ImproperlyConfigured(f"Outbox consumer key {key!r} is taken by {_qualname(registered[0])}.")
    _CONSUMERS[key] = (function, types)


def unregister_consumer(key: str) -> None:
    """For tests that plug a consumer in for a while."""
    _CONSUMERS.pop(key, None)


def _qualname(function: Consumer) -> str:
    return f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"


def consumers_of(type: str) -> list[str]:
    """The keys of the consumers of ``type``, in the order they registered."""
    return [key for key, (_, types) in _CONSUMERS.items() if type in types]


def consumer_function(key: str) -> Consumer | None:
    registered = _CONSUMERS.get(key)
    return registered[0] if registered else None


def registered() -> dict[str, tuple[str, ...]]:
    """Consumer key -> the event types it takes (what the docs and the admin show)."""
    return {key: types for key, (_, types) in _CONSUMERS.items()}


def unconsumed_types() -> list[str]:
    consumed = {t for _, types in _CONSUMERS.values() for t in types}
    return sorted(set(CATALOG) - consumed)


def check_every_type_consumed() -> None:
    """At start-up, once the consumers are imported: an event type nobody consumes is a configuration
    error (its events would otherwise count as delivered having reached no one)."""
    missing = unconsumed_types()
    if missing:
        raise ImproperlyConfigured(
            f"No outbox consumer takes the event type(s) {', '.join(missing)}: register one "
            "(@consumer in reviewboard.delivery) or remove the type from the catalog."
        )
