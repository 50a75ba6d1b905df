"""Assigning reviewers to an article's review, and removing them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import permissions
from articles.models import Article, ReviewState
from config.exceptions import Conflict, InvalidInput
from reviewboard import notifications, selectors
from reviewboard.lock_objects import lock_article, lock_assignment
from reviewboard.models import Assignment
from reviewboard.services.audit import audit_append
from reviewboard.services.guards import not_allowed, state_label

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

ASSIGNABLE_STATES = (ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW)


def _check_chair(article: Article, user: AbstractBaseUser | None, action: str) -> None:
    if user is None or not permissions.can_chair(article, user):
        raise not_allowed(action, permissions.requirement(permissions.can_chair))


def _check_assignable_state(article: Article) -> None:
    if article.state not in ASSIGNABLE_STATES:
        raise Conflict(
            "Reviewers are assigned while an article is submitted or under review; "
            f"it is {state_label(article.state)}.",
            code="invalid-state",
            detail={"state": article.state, "allowed_from": list(ASSIGNABLE_STATES)},
        )


def _check_due(due_at: datetime | None) -> None:
    if due_at is None:
        return
    if not isinstance(due_at, datetime) or timezone.is_naive(due_at):
        raise InvalidInput(
            "due_at must be a timezone-aware date and time.", code="invalid-due-date", detail={"field": "due_at"}
        )
    if due_at <= timezone.now():
        raise InvalidInput("due_at must be in the future.", code="invalid-due-date", detail={"field": "due_at"})


def _name(user: AbstractBaseUser) -> str:
    return user.get_username()


@transaction.atomic
def assignment_create(
    *, article: Article, reviewer: AbstractBaseUser, user: AbstractBaseUser, due_at: datetime | None = None
) -> Assignment:
    """Assign ``reviewer`` to ``article`` (chair only; the article submitted or under review).

    The reviewer must be an active board reviewer ("reviewer-inactive"), not an author of the
    article ("conflict-of-interest"), and not already assigned ("already-assigned"). ``due_at``
    defaults to start of review + ``REVIEW_DEFAULT_DUE`` (set by ``review_start``), or to now +
    ``REVIEW_DEFAULT_DUE`` when the review is already running; the reviewer is then emailed.
    """
    article = lock_article(article.pk)
    _check_chair(article, user, "assign reviewers")
    _check_assignable_state(article)
    if reviewer is None or getattr(reviewer, "pk", None) is None:
        raise InvalidInput("A reviewer is required.", code="reviewer-required", detail={"field": "reviewer"})
    _check_due(due_at)
    if not selectors.reviewer_is_active(reviewer):
        raise Conflict(
            f"{_name(reviewer)} is not an active board reviewer "
            "(needs the Board reviewers group, an active account and an active reviewer profile).",
            code="reviewer-inactive",
            detail={"reviewer": _name(reviewer)},
        )
    if article.authors.filter(pk=reviewer.pk).exists():
        raise Conflict(
            f"{_name(reviewer)} is an author of this article and cannot review it.",
            code="conflict-of-interest",
            detail={"reviewer": _name(reviewer)},
        )
    already = Conflict(
        f"{_name(reviewer)} is already assigned to this article.",
        code="already-assigned",
        detail={"reviewer": _name(reviewer)},
    )
    if Assignment.objects.filter(article=article, reviewer=reviewer, closed_at__isnull=True).exists():
        raise already
    if due_at is None and article.state == ReviewState.UNDER_REVIEW:
        due_at = timezone.now() + settings.REVIEW_DEFAULT_DUE
    try:
        with transaction.atomic():
            assignment = Assignment.objects.create(article=article, reviewer=reviewer, assigned_by=user, due_at=due_at)
    except IntegrityError as exc:  # the one-open-assignment-per-reviewer constraint: a race lost
        raise already from exc
    audit_append(
        action="assign",
        actor=user,
        article=article,
        from_state=article.state,
        to_state=article.state,
        content_hash=article.review_hash,
        data={
            "assignment_id": assignment.pk,
            "reviewer": _name(reviewer),
            "reviewer_id": reviewer.pk,
            "due_at": due_at,
        },
    )
    if article.state == ReviewState.UNDER_REVIEW:
        notifications.schedule(
            notifications.notify_review_started, article_id=article.pk, assignment_ids=[assignment.pk]
        )
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, user: AbstractBaseUser, comment: str = "") -> Assignment:
    """Close an open assignment (chair only; close_reason "removed"). Its sign-offs stop counting."""
    article = lock_article(assignment.article_id)
    assignment = lock_assignment(assignment.pk)
    _check_chair(article, user, "remove reviewers")
    if assignment.closed_at is not None:
        raise Conflict(
            f"This assignment is already closed ({assignment.close_reason or 'closed'}).",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )
    assignment.closed_at = timezone.now()
    assignment.close_reason = "removed"
    assignment.save(update_fields=["closed_at", "close_reason"])
    audit_append(
        action="unassign",
        actor=user,
        article=article,
        from_state=article.state,
        to_state=article.state,
        content_hash=article.review_hash,
        comment=comment,
        data={
            "assignment_id": assignment.pk,
            "reviewer": assignment.reviewer.get_username(),
            "reviewer_id": assignment.reviewer_id,
        },
    )
    return assignment
