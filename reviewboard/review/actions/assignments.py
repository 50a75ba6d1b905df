"""Assigning reviewers to a round, and the reviewer's answer: assign, accept, decline, unassign."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.models import FROZEN_STATES, Article, ReviewState
from config.exceptions import Conflict, InvalidInput
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.models import (
    Assignment,
)
from reviewboard.review.acceptance import on_record_of
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point
from reviewboard.review.actions.rules import ALL_STATES, ASSIGNMENT_REVIEWER, CHAIR, COMMENT, name_of, person_name

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# --- board actions that keep the state ---------------------------------------------------------


def _check_due(due_at: Any) -> datetime | None:
    if due_at in (None, ""):
        return None
    if not isinstance(due_at, datetime) or timezone.is_naive(due_at):
        raise InvalidInput(
            "The due date needs a date and a time with its time zone.",
            code="invalid-due-date",
            detail={"field": "due_at"},
        )
    if due_at <= timezone.now():
        raise InvalidInput("The due date must be in the future.", code="invalid-due-date", detail={"field": "due_at"})
    return due_at


def _validate_assign(ctx: ActionContext) -> None:
    reviewer = ctx.inputs["reviewer"]
    ctx.inputs["due_at"] = _check_due(ctx.inputs.get("due_at"))
    if not board_selectors.reviewer_is_active(reviewer):
        raise Conflict(
            f"{name_of(reviewer)} is not an active board reviewer "
            "(needs the Board reviewers group, an active account and an active reviewer profile).",
            code="reviewer-inactive",
            detail={"reviewer": reviewer.get_username()},
        )
    conflict = board_selectors.reviewer_conflict(ctx.article, reviewer)
    override = ctx.inputs.get("override_reason", "")
    ctx.inputs["override_conflict"] = ""
    if conflict is not None:
        detail = {"reviewer": reviewer.get_username(), "reason": conflict.code, "overridable": conflict.overridable}
        if not override or not conflict.overridable:
            hint = " The chair may assign them anyway with a written override reason." if conflict.overridable else ""
            raise Conflict(conflict.message + hint, code="conflict-of-interest", detail=detail)
        ctx.inputs["override_conflict"] = conflict.message
    elif override:
        raise InvalidInput(
            f"{name_of(reviewer)} has no conflict of interest with this article: there is nothing to override.",
            code="override-not-needed",
            detail={"field": "override_reason"},
        )
    if ctx.round.assignments.filter(reviewer=reviewer, closed_at__isnull=True).exists():
        raise _already_assigned(reviewer)


def _already_assigned(reviewer: Any) -> Conflict:
    return Conflict(
        f"{name_of(reviewer)} is already assigned to this article.",
        code="already-assigned",
        detail={"reviewer": reviewer.get_username()},
    )


def _assign(ctx: ActionContext) -> Assignment:
    reviewer, due_at = ctx.inputs["reviewer"], ctx.inputs["due_at"]
    if due_at is None and ctx.article.state == ReviewState.UNDER_REVIEW:
        due_at = ctx.now + settings.REVIEW_DEFAULT_DUE
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(
                article=ctx.article,
                round=ctx.round,
                reviewer=reviewer,
                assigned_by=ctx.user,
                due_at=due_at,
                due_explicit=ctx.inputs["due_at"] is not None,
                override_reason=ctx.inputs.get("override_reason", ""),
                override_conflict=ctx.inputs["override_conflict"],
            )
    except IntegrityError as exc:  # the one-open-assignment-per-reviewer constraint: a race lost
        raise _already_assigned(reviewer) from exc
    ctx.audit_data.update(
        {
            "round": ctx.round.number,
            "assignment_id": assignment.pk,
            "reviewer": reviewer.get_username(),
            "reviewer_id": reviewer.pk,
            "due_at": due_at,
        }
    )
    if assignment.override_reason:
        ctx.audit_comment = assignment.override_reason
        ctx.audit_data.update(
            {"conflict_overridden": assignment.override_conflict, "override_reason": assignment.override_reason}
        )
    if ctx.article.state == ReviewState.UNDER_REVIEW:
        ctx.emit("review.started", assignment_ids=[assignment.pk])
    return assignment


def _open_assignment_of_round(ctx: ActionContext) -> Assignment:
    assignment, round_ = ctx.target, ctx.round
    if assignment.closed_at is not None or assignment.round_id != (round_.pk if round_ else None):
        raise Conflict(
            f"This assignment is closed ({assignment.close_reason or 'closed'}).",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )
    if assignment.accepted_at is not None:
        raise Conflict(
            f"You accepted this assignment on {assignment.accepted_at:%Y-%m-%d}.",
            code="already-answered",
            detail={"assignment_id": assignment.pk, "accepted_at": assignment.accepted_at.isoformat()},
        )
    return assignment


def _validate_accept(ctx: ActionContext) -> None:
    assignment = _open_assignment_of_round(ctx)
    if not ctx.inputs.get("no_conflict"):
        raise InvalidInput(
            "Accepting confirms that you have no conflict of interest with this article: tick the confirmation.",
            code="no-conflict-required",
            detail={"field": "no_conflict"},
        )
    conflict = board_selectors.conflict_stands(ctx.article, assignment, record=on_record_of(ctx, assignment.reviewer))
    if conflict is not None:
        raise Conflict(conflict.message, code="conflict-of-interest", detail={"reason": conflict.code})


def _accept_assignment(ctx: ActionContext) -> Assignment:
    """The due date runs from acceptance (unless the chair set one) once the review has started."""
    assignment = ctx.target
    assignment.accepted_at = ctx.now
    fields = ["accepted_at"]
    if ctx.article.state == ReviewState.UNDER_REVIEW and not assignment.due_explicit:
        assignment.due_at = ctx.now + settings.REVIEW_DEFAULT_DUE
        fields.append("due_at")
    declaration = on_record_of(ctx, ctx.user).declaration  # the one the conflict check read
    assignment.accepted_declaration = declaration
    fields.append("accepted_declaration")
    assignment.save(update_fields=fields)
    ctx.audit_data.update(
        {
            "assignment_id": assignment.pk,
            "due_at": assignment.due_at,
            "declaration_id": declaration.pk if declaration else None,
            "no_conflict_confirmed": True,
        }
    )
    return assignment


def _validate_decline(ctx: ActionContext) -> None:
    _open_assignment_of_round(ctx)


def _decline_assignment(ctx: ActionContext) -> Assignment:
    assignment = ctx.target
    assignment.declined_at = assignment.closed_at = ctx.now
    assignment.decline_reason = ctx.inputs["reason"]
    assignment.close_reason = "declined"
    assignment.save(update_fields=["declined_at", "closed_at", "decline_reason", "close_reason"])
    ctx.audit_comment = assignment.decline_reason
    ctx.audit_data.update({"assignment_id": assignment.pk, "reviewer": ctx.user.get_username()})
    ctx.emit("assignment.declined", assignment_id=assignment.pk, reason=assignment.decline_reason)
    return assignment


def _validate_unassign(ctx: ActionContext) -> None:
    assignment = ctx.target
    if assignment.closed_at is not None:
        raise Conflict(
            f"This assignment is already closed ({assignment.close_reason or 'closed'}).",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )


def _unassign(ctx: ActionContext) -> Assignment:
    assignment = ctx.target
    assignment.closed_at = ctx.now
    assignment.close_reason = "removed"
    assignment.save(update_fields=["closed_at", "close_reason"])
    ctx.audit_data.update(
        {
            "assignment_id": assignment.pk,
            "reviewer": assignment.reviewer.get_username(),
            "reviewer_id": assignment.reviewer_id,
        }
    )
    return assignment


def _reviewer_history(entry: Any, people: dict[int, Any]) -> str:
    """ "reviewer assigned: Ada Osler, MD" (the person as the history names people, else the username)."""
    data = entry.data or {}
    label = "reviewer assigned" if entry.action == "assign" else "reviewer removed"
    if not data.get("reviewer"):
        return label
    person = people.get(data.get("reviewer_id"))
    return f"{label}: {permissions.display_name(person) if person else data['reviewer']}"


def _assigned_message(assignment: Assignment, user: Any) -> str:
    due = f", due {assignment.due_at:%Y-%m-%d}" if assignment.due_at else ", due when the review starts"
    return f"{person_name(assignment.reviewer)} assigned{due}."


def _accepted_message(assignment: Assignment, user: Any) -> str:
    due = f" Your review is due {timezone.localtime(assignment.due_at):%Y-%m-%d}." if assignment.due_at else ""
    return f"You accepted the assignment, confirming no conflict of interest.{due}"


DECLARED: tuple[Action, ...] = (
    Action(
        name="assign",
        label="Assign a reviewer",
        verb="assign reviewers to",
        audit_label="Reviewer assigned",
        who=CHAIR,
        sources=tuple(s for s in ALL_STATES if s in FROZEN_STATES),
        perform=_assign,
        validate=_validate_assign,
        panel="assign",
        refused="Reviewer not assigned",
        message=_assigned_message,
        history=_reviewer_history,
        events=("review.started",),
        fields=(
            Field("reviewer", "Reviewer", kind="user", required=True, what="reviewer"),
            Field("due_at", "Due", kind="datetime", help="Empty: the board's default from acceptance."),
            Field(
                "override_reason",
                "Override a conflict of interest: why",
                help="Only to assign a reviewer over a declared or expired-record conflict; audited and shown "
                "to readers.",
            ),
        ),
    ),
    Action(
        name="accept_assignment",
        label="Accept the assignment",
        verb="accept assignments on",
        audit_label="Assignment accepted",
        who=ASSIGNMENT_REVIEWER,
        sources=tuple(s for s in ALL_STATES if s in FROZEN_STATES),
        perform=_accept_assignment,
        validate=_validate_accept,
        on="assignment",
        panel="assignment",
        refused="Not accepted",
        message=_accepted_message,
        fields=(Field("no_conflict", "I have no conflict of interest with this article", kind="bool"),),
    ),
    Action(
        name="decline_assignment",
        label="Decline the assignment",
        verb="decline assignments on",
        audit_label="Assignment declined",
        who=ASSIGNMENT_REVIEWER,
        sources=tuple(s for s in ALL_STATES if s in FROZEN_STATES),
        perform=_decline_assignment,
        validate=_validate_decline,
        on="assignment",
        panel="assignment",
        refused="Not declined",
        message=lambda assignment, user: "You declined the assignment. The chair is told and will assign someone else.",
        events=("assignment.declined",),
        confirm="The chair is told and will assign someone else.",
        fields=(Field("reason", "Why you decline", required=True, what="reason for declining"),),
    ),
    Action(
        name="unassign",
        label="Remove the reviewer",
        verb="remove reviewers from",
        audit_label="Reviewer removed",
        who=CHAIR,
        sources=ALL_STATES,
        perform=_unassign,
        validate=_validate_unassign,
        fields=(COMMENT,),
        on="assignment",
        panel="assignment",
        refused="Reviewer not removed",
        message=lambda assignment, user: f"{person_name(assignment.reviewer)} removed from the review.",
        history=_reviewer_history,
    ),
)


# --- the typed entry points ----------------------------------------------------------------------


@entry_point("assign")
def assignment_create(
    *,
    article: Article,
    reviewer: AbstractBaseUser,
    user: AbstractBaseUser,
    due_at: datetime | None = None,
    override_reason: str = "",
) -> Assignment:
    """Assign ``reviewer`` to the article's open round: an active board reviewer ("reviewer-inactive"),
    without a conflict of interest ("conflict-of-interest", unless the chair writes an ``override_reason``;
    never over authorship), not already assigned."""
    ...


@entry_point("accept_assignment")
def assignment_accept(*, assignment: Assignment, user: AbstractBaseUser, no_conflict: bool) -> Assignment:
    """The assigned reviewer accepts, confirming no conflict of interest; the due date runs from now."""
    ...


@entry_point("decline_assignment")
def assignment_decline(*, assignment: Assignment, user: AbstractBaseUser, reason: str) -> Assignment:
    """The assigned reviewer declines with a reason: the assignment closes and the chair is told."""
    ...


@entry_point("unassign")
def assignment_remove(*, assignment: Assignment, user: AbstractBaseUser, comment: str = "") -> Assignment:
    """Close an open assignment (chair; close_reason "removed"). Its sign-offs stop counting."""
    ...
