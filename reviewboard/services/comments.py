"""Review comments: anchored to a section or not, blocking or not, resolved.

Who resolves: the comment's author or the chair, always; an author of the article (or an editor)
only a non-blocking comment. A blocking comment holds back approval until the reviewer who raised
it (or the chair) agrees it is handled. Resolving the last blocking comment approves the article
at once when the quorum has already signed the content under review.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from articles import permissions
from articles.models import Article, ReviewState, Section
from config.exceptions import Conflict, InvalidInput
from reviewboard import selectors
from reviewboard.lock_objects import lock_article, lock_comment
from reviewboard.models import Comment
from reviewboard.services.audit import audit_append
from reviewboard.services.guards import not_allowed, require_text, state_label
from reviewboard.services.transitions import approve_if_ready

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

CLOSED_STATES = (ReviewState.RETRACTED, ReviewState.ARCHIVED)


def _check_open(article: Article, action: str) -> None:
    if article.state in CLOSED_STATES:
        raise Conflict(
            f"Cannot {action} on an article that is {state_label(article.state)}.",
            code="invalid-state",
            detail={"state": article.state, "allowed_from": [s for s in ReviewState.values if s not in CLOSED_STATES]},
        )


def _section(article: Article, section: Section | int | None) -> Section | None:
    if section is None or section == "":
        return None
    section_id = section.pk if isinstance(section, Section) else section
    try:
        found = Section.objects.filter(article=article, pk=int(section_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise InvalidInput(
            f"Section {section_id} is not a section of this article.",
            code="invalid-section",
            detail={"field": "section"},
        )
    return found


@transaction.atomic
def comment_create(
    *,
    article: Article,
    user: AbstractBaseUser,
    body: str,
    section: Section | int | None = None,
    blocking: bool = False,
) -> Comment:
    """A comment by an author of the article, an editor, an assigned reviewer or the chair.

    Only assigned reviewers and the chair may make it blocking. ``section`` (a Section or its id)
    must belong to the article ("invalid-section"). Records the current content hash.
    """
    article = lock_article(article.pk)
    if user is None or not permissions.can_comment(article, user):
        raise not_allowed("comment on this article", permissions.requirement(permissions.can_comment))
    if blocking and not permissions.can_block(article, user):
        raise not_allowed("make a blocking comment", permissions.requirement(permissions.can_block))
    _check_open(article, "comment")
    body = require_text(body, field="body", what="comment text")
    anchor = _section(article, section)
    content_hash = selectors.article_content_hash(article)
    comment = Comment.objects.create(
        article=article,
        author=user,
        section=anchor,
        section_heading=anchor.heading if anchor else "",
        body=body,
        blocking=bool(blocking),
        content_hash=content_hash,
    )
    audit_append(
        action="comment",
        actor=user,
        article=article,
        from_state=article.state,
        to_state=article.state,
        content_hash=content_hash,
        comment=body,
        data={
            "comment_id": comment.pk,
            "section_id": anchor.pk if anchor else None,
            "section_heading": comment.section_heading,
            "blocking": comment.blocking,
        },
    )
    return comment


@transaction.atomic
def comment_resolve(*, comment: Comment, user: AbstractBaseUser) -> Comment:
    """Mark ``comment`` resolved ("already-resolved" if it is). See the module docstring for who may."""
    article = lock_article(comment.article_id)
    comment = lock_comment(comment.pk)
    comment.article = article
    if user is None or not permissions.can_resolve_comment(comment, user):
        raise not_allowed("resolve this comment", permissions.requirement(permissions.can_resolve_comment))
    _check_open(article, "resolve a comment")
    if comment.resolved_at is not None:
        raise Conflict("This comment is already resolved.", code="already-resolved", detail={"comment_id": comment.pk})
    comment.resolved_at = timezone.now()
    comment.resolved_by = user
    comment.save(update_fields=["resolved_at", "resolved_by"])
    audit_append(
        action="resolve_comment",
        actor=user,
        article=article,
        from_state=article.state,
        to_state=article.state,
        content_hash=comment.content_hash,
        data={"comment_id": comment.pk, "blocking": comment.blocking},
    )
    if comment.blocking:
        approve_if_ready(article, actor=user, trigger=f"comment {comment.pk} resolved")
    return comment
