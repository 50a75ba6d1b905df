"""The review transitions of an article, one service each, and what a user may do now.

Every service runs in one transaction and in this order: lock the article row and re-read it,
check the permission (403), the state (409 "invalid-state"), the input (400), the conditions
(409 with the condition's code), run the django-fsm transition and save, write the audit entry,
and schedule emails for after the commit. Each returns the article as it is after the action
(a fresh, locked instance: use it instead of the one passed in).

Decisions:
- request_changes, withdraw, archive and approve close the open assignments (close_reason
  "changes_requested", "withdrawn", "archived", "approved"). A resubmitted article needs a new
  review round: the chair assigns reviewers again. Old sign-offs stay as history; they never
  count again (only sign-offs through an open assignment on the frozen hash count).
- Approval is automatic when the quorum is reached (``approve_if_ready``): after a sign-off, and
  after the last unresolved blocking comment is resolved. The chair may also approve, under the
  same conditions. The automatic approval is recorded with the acting user and
  ``data.automatic = true``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from articles.content import content_from_article
from articles.models import Article, ReviewState
from config.exceptions import InvalidInput, ServiceError
from reviewboard import notifications, selectors
from reviewboard.lock_objects import lock_article
from reviewboard.models import Assignment
from reviewboard.services.audit import audit_append
from reviewboard.services.guards import (
    TRANSITIONS,
    check_conditions,
    check_permission,
    check_state,
    check_transition,
    require_text,
    run_transition,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def close_open_assignments(article: Article, *, reason: str) -> list[int]:
    ids = list(
        Assignment.objects.filter(article=article, closed_at__isnull=True).order_by("pk").values_list("pk", flat=True)
    )
    if ids:
        Assignment.objects.filter(pk__in=ids).update(closed_at=timezone.now(), close_reason=reason)
    return ids


def _audit_transition(
    article: Article,
    user: AbstractBaseUser | None,
    name: str,
    *,
    from_state: str,
    content_hash: str,
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    audit_append(
        action=name,
        actor=user,
        article=article,
        from_state=from_state,
        to_state=article.state,
        content_hash=content_hash,
        comment=comment,
        data=data,
    )


@transaction.atomic
def article_submit(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """draft/changes_requested -> submitted. Freezes ``review_hash`` = the current content hash.

    Conflict "integrity-errors" (detail: the integrity report) while the content has errors.
    """
    article = lock_article(article.pk)
    check_transition(article, user, "submit")
    content_hash = selectors.article_content_hash(article)
    from_state = article.state
    run_transition(article, "submit", content_hash=content_hash)
    _audit_transition(article, user, "submit", from_state=from_state, content_hash=content_hash, comment=comment)
    notifications.schedule(notifications.notify_chair_submitted, article_id=article.pk)
    return article


@transaction.atomic
def article_withdraw(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """submitted/under_review -> draft (comment required). Closes open assignments ("withdrawn")."""
    article = lock_article(article.pk)
    check_permission(article, user, "withdraw")
    check_state(article, "withdraw")
    comment = require_text(comment, field="comment", what="comment saying why the article is withdrawn")
    from_state, frozen_hash = article.state, article.review_hash
    run_transition(article, "withdraw")
    closed = close_open_assignments(article, reason="withdrawn")
    _audit_transition(
        article,
        user,
        "withdraw",
        from_state=from_state,
        content_hash=frozen_hash,
        comment=comment,
        data={"closed_assignments": closed},
    )
    return article


@transaction.atomic
def review_start(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """submitted -> under_review (chair). Needs the quorum of active assigned reviewers, none an author,
    the required specialty covered. Sets missing due dates to now + ``REVIEW_DEFAULT_DUE`` and emails
    the reviewers after commit."""
    article = lock_article(article.pk)
    check_transition(article, user, "start_review")
    due_at = timezone.now() + settings.REVIEW_DEFAULT_DUE
    assignments = selectors.active_open_assignments(article)
    Assignment.objects.filter(pk__in=[a.pk for a in assignments], due_at__isnull=True).update(due_at=due_at)
    from_state = article.state
    run_transition(article, "start_review")
    assignment_ids = [a.pk for a in assignments]
    _audit_transition(
        article,
        user,
        "start_review",
        from_state=from_state,
        content_hash=article.review_hash,
        comment=comment,
        data={
            "assignments": assignment_ids,
            "reviewers": [a.reviewer.get_username() for a in assignments],
            "quorum": selectors.article_quorum(article),
        },
    )
    notifications.schedule(notifications.notify_review_started, article_id=article.pk, assignment_ids=assignment_ids)
    return article


@transaction.atomic
def article_request_changes(*, article: Article, user: AbstractBaseUser, comment: str) -> Article:
    """under_review -> changes_requested (an assigned reviewer or the chair; comment required).

    A reviewer's request is also recorded as a ``SignOff`` with decision "request_changes" on the
    frozen hash. Open assignments are closed ("changes_requested"): the next submit needs a new
    review round. The authors are emailed after commit.
    """
    from reviewboard.models import SignOff

    article = lock_article(article.pk)
    check_permission(article, user, "request_changes")
    check_state(article, "request_changes")
    comment = require_text(comment, field="comment", what="comment saying what must change")
    from_state, frozen_hash = article.state, article.review_hash
    own = selectors.open_assignments(article).filter(reviewer=user).first()
    signoff = None
    if own is not None:
        signoff = SignOff.objects.create(
            article=article,
            assignment=own,
            reviewer=user,
            content_hash=frozen_hash,
            decision=SignOff.Decision.REQUEST_CHANGES,
            comment=comment,
        )
    run_transition(article, "request_changes")
    closed = close_open_assignments(article, reason="changes_requested")
    _audit_transition(
        article,
        user,
        "request_changes",
        from_state=from_state,
        content_hash=frozen_hash,
        comment=comment,
        data={"signoff_id": signoff.pk if signoff else None, "closed_assignments": closed},
    )
    notifications.schedule(
        notifications.notify_authors_changes_requested,
        article_id=article.pk,
        comment=comment,
        by=user.get_full_name() or user.get_username(),
    )
    return article


def _reviewer_entry(user: AbstractBaseUser) -> dict[str, str]:
    profile = getattr(user, "reviewer_profile", None)
    return {"name": user.get_full_name() or user.get_username(), "credentials": profile.credentials if profile else ""}


def _approve(
    article: Article, *, actor: AbstractBaseUser, automatic: bool, comment: str = "", trigger: str = ""
) -> None:
    """Approve a locked article whose conditions hold: the transition, the published version, the audit entry."""
    from articles.publishing import published_version_create

    content = content_from_article(article)
    signed_by = selectors.signers(article, article.review_hash)
    now = timezone.now()
    from_state = article.state
    run_transition(article, "approve", approved_at=now, next_review_due=now + settings.REVIEW_RECURRENCE)
    closed = close_open_assignments(article, reason="approved")
    version = published_version_create(
        article=article, content=content, reviewers=[_reviewer_entry(u) for u in signed_by], approved_at=now
    )
    _audit_transition(
        article,
        actor,
        "approve",
        from_state=from_state,
        content_hash=article.review_hash,
        comment=comment,
        data={
            "automatic": automatic,
            "trigger": trigger,
            "signers": [u.get_username() for u in signed_by],
            "version": version.number,
            "version_id": version.pk,
            "closed_assignments": closed,
        },
    )


def approve_if_ready(article: Article, *, actor: AbstractBaseUser, trigger: str) -> bool:
    """Approve a locked article under review now if every approval condition holds; True if it did."""
    if article.state != ReviewState.UNDER_REVIEW:
        return False
    try:
        check_conditions(article, "approve")
    except ServiceError:
        return False
    _approve(article, actor=actor, automatic=True, trigger=trigger)
    return True


@transaction.atomic
def article_approve(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """under_review -> approved by the chair, under the same conditions as the automatic approval:
    content unchanged since submit ("content-changed"), the quorum signed the frozen hash
    ("quorum-not-met"), no unresolved blocking comment ("blocking-comments")."""
    article = lock_article(article.pk)
    check_transition(article, user, "approve")
    _approve(article, actor=user, automatic=False, comment=comment, trigger="chair")
    return article


@transaction.atomic
def article_revise(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """approved -> draft: a new working copy; the live published version stays what readers get."""
    article = lock_article(article.pk)
    check_transition(article, user, "revise")
    from_state, approved_hash = article.state, article.review_hash
    run_transition(article, "revise")
    _audit_transition(article, user, "revise", from_state=from_state, content_hash=approved_hash, comment=comment)
    return article


@transaction.atomic
def article_retract(*, article: Article, user: AbstractBaseUser, reason: str) -> Article:
    """approved -> retracted (chair; reason required, served by the API with 410 Gone)."""
    article = lock_article(article.pk)
    check_permission(article, user, "retract")
    check_state(article, "retract")
    reason = require_text(reason, field="reason", what="reason for the retraction")
    from_state = article.state
    run_transition(article, "retract", reason=reason, retracted_at=timezone.now())
    _audit_transition(article, user, "retract", from_state=from_state, content_hash=article.review_hash, comment=reason)
    return article


@transaction.atomic
def article_archive(*, article: Article, user: AbstractBaseUser, comment: str = "") -> Article:
    """Any state but approved (and archived) -> archived (chair). Closes open assignments ("archived")."""
    article = lock_article(article.pk)
    check_transition(article, user, "archive")
    from_state = article.state
    run_transition(article, "archive")
    closed = close_open_assignments(article, reason="archived")
    _audit_transition(
        article,
        user,
        "archive",
        from_state=from_state,
        content_hash=article.review_hash,
        comment=comment,
        data={"closed_assignments": closed},
    )
    return article


def article_transition(
    *, article: Article, user: AbstractBaseUser, name: str, comment: str = "", reason: str = ""
) -> Article:
    """Run transition ``name`` (one of ``TRANSITIONS``). ``retract`` takes ``reason`` or else ``comment``."""
    if name == "submit":
        return article_submit(article=article, user=user, comment=comment)
    if name == "withdraw":
        return article_withdraw(article=article, user=user, comment=comment)
    if name == "start_review":
        return review_start(article=article, user=user, comment=comment)
    if name == "request_changes":
        return article_request_changes(article=article, user=user, comment=comment)
    if name == "approve":
        return article_approve(article=article, user=user, comment=comment)
    if name == "revise":
        return article_revise(article=article, user=user, comment=comment)
    if name == "retract":
        return article_retract(article=article, user=user, reason=reason or comment)
    if name == "archive":
        return article_archive(article=article, user=user, comment=comment)
    raise InvalidInput(
        f"Unknown transition {name!r}; expected one of: {', '.join(TRANSITIONS)}.",
        code="unknown-transition",
        detail={"field": "name", "allowed": list(TRANSITIONS)},
    )


def transition_refusal(*, article: Article, user: AbstractBaseUser | None, name: str) -> ServiceError | None:
    """Why ``user`` may not run transition ``name`` on ``article`` now (None: they may).

    Input the user still has to give (a comment, a reason) is not checked here.
    """
    if name not in TRANSITIONS:
        return InvalidInput(f"Unknown transition {name!r}.", code="unknown-transition", detail={"field": "name"})
    try:
        check_transition(article, user, name)
    except ServiceError as error:
        return error
    return None


def available_transitions(*, article: Article, user: AbstractBaseUser | None) -> list[str]:
    """The transitions ``user`` may run on ``article`` now, conditions included (to draw only those buttons)."""
    return [name for name in TRANSITIONS if transition_refusal(article=article, user=user, name=name) is None]
