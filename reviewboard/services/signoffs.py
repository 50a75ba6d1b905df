"""Sign-offs: a reviewer approves exactly the content hash under review.

Decision: a sign-off on a stale hash is refused ("stale-content-hash") and NOT recorded; no row,
no audit entry. Every ``SignOff`` row with decision "approve" therefore names the hash that was
frozen when it was made. Rows from earlier rounds stay as history and never count again (only
sign-offs through an open assignment on the frozen hash count).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from articles import permissions
from articles.models import ReviewState
from config.exceptions import Conflict, InvalidInput
from reviewboard import selectors
from reviewboard.lock_objects import lock_article, lock_assignment
from reviewboard.models import Assignment, SignOff
from reviewboard.services.audit import audit_append
from reviewboard.services.guards import not_allowed, state_label
from reviewboard.services.transitions import approve_if_ready

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


@transaction.atomic
def assignment_sign_off(
    *, assignment: Assignment, reviewer: AbstractBaseUser, content_hash: str, comment: str = ""
) -> SignOff:
    """Record ``reviewer``'s approval of ``content_hash``; approve the article when that completes the quorum.

    Refusals: NotAllowed "permission-denied" (not this assignment's reviewer); Conflict "invalid-state"
    (article not under review), "assignment-closed", "reviewer-inactive", "stale-content-hash" (the hash
    is not the one under review, or the content changed since submit), "already-signed";
    InvalidInput "content-hash-required". When the sign-off completes the quorum and no blocking
    comment is open, the article is approved in the same transaction (``signoff.article.state`` is
    then "approved").
    """
    article = lock_article(assignment.article_id)
    assignment = lock_assignment(assignment.pk)
    is_reviewer = (
        reviewer is not None
        and getattr(reviewer, "pk", None) == assignment.reviewer_id
        and reviewer.is_active
        and reviewer.has_perm(permissions.REVIEWER_PERM)
    )
    if not is_reviewer:
        raise not_allowed(
            "sign off on this assignment", "the reviewer of this assignment (permission articles.review_article)"
        )
    if article.state != ReviewState.UNDER_REVIEW:
        raise Conflict(
            f"Sign-offs are accepted while the article is under review; it is {state_label(article.state)}.",
            code="invalid-state",
            detail={"state": article.state, "allowed_from": [ReviewState.UNDER_REVIEW]},
        )
    if assignment.closed_at is not None:
        raise Conflict(
            f"This assignment is closed ({assignment.close_reason or 'closed'}).",
            code="assignment-closed",
            detail={"assignment_id": assignment.pk, "close_reason": assignment.close_reason},
        )
    if not selectors.reviewer_is_active(reviewer):
        raise Conflict(
            "Your reviewer profile is inactive.", code="reviewer-inactive", detail={"reviewer": reviewer.get_username()}
        )
    content_hash = (content_hash or "").strip().lower()
    if not content_hash:
        raise InvalidInput(
            "content_hash is required: the hash of the content you approve.",
            code="content-hash-required",
            detail={"field": "content_hash"},
        )
    current = selectors.article_content_hash(article)
    if content_hash != article.review_hash or content_hash != current:
        if article.review_hash != current:
            message = (
                f"You signed {content_hash[:12]}, but the content changed since it was submitted "
                f"(submitted {article.review_hash[:12]}, now {current[:12]}); this sign-off does not count."
            )
        else:
            message = (
                f"You signed {content_hash[:12]}, the article under review is {article.review_hash[:12]}; "
                "this sign-off does not count. Reload the article and review the current content."
            )
        raise Conflict(
            message,
            code="stale-content-hash",
            detail={"signed": content_hash, "under_review": article.review_hash, "current": current},
        )
    already = Conflict(
        f"You already signed off on {content_hash[:12]}.",
        code="already-signed",
        detail={"assignment_id": assignment.pk, "content_hash": content_hash},
    )
    if SignOff.objects.filter(selectors.approval_of(content_hash), assignment=assignment).exists():
        raise already
    try:
        with transaction.atomic():
            signoff = SignOff.objects.create(
                article=article,
                assignment=assignment,
                reviewer=reviewer,
                content_hash=content_hash,
                decision=SignOff.Decision.APPROVE,
                comment=(comment or "").strip(),
            )
    except IntegrityError as exc:
        raise already from exc
    progress = selectors.signoff_progress(article)
    audit_append(
        action="sign_off",
        actor=reviewer,
        article=article,
        from_state=article.state,
        to_state=article.state,
        content_hash=content_hash,
        comment=signoff.comment,
        data={
            "signoff_id": signoff.pk,
            "assignment_id": assignment.pk,
            "signed": progress.signed,
            "required": progress.required,
        },
    )
    approve_if_ready(article, actor=reviewer, trigger=f"sign-off {signoff.pk}")
    signoff.article = article
    return signoff
