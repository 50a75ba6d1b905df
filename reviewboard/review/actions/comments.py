"""Review comments and their threads: comment, reply, mark addressed, resolve."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from articles.models import CLOSED_STATES, Article, Section
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.board import permissions
from reviewboard.models import (
    Comment,
)
from reviewboard.review import selectors
from reviewboard.review.acceptance import require_accepted_reviewer
from reviewboard.review.actions.registry import Action, ActionContext, Field, entry_point

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

from reviewboard.review.actions.rules import (
    AUTHOR_OR_EDITOR,
    COMMENT_RESOLVER,
    COMMENTER,
    name_of,
    person_name,
    states_except,
)


def _validate_comment(ctx: ActionContext) -> None:
    if ctx.inputs.get("blocking") and not permissions.can_block(ctx.article, ctx.user):
        raise NotAllowed(
            f"Only {permissions.requirement(permissions.can_block)} may make a blocking comment.",
            code="permission-denied",
            detail={"required": permissions.requirement(permissions.can_block), "action": "comment"},
        )
    if ctx.inputs.get("blocking"):
        require_accepted_reviewer(ctx.article, ctx.user, doing="make a blocking comment")


def _comment(ctx: ActionContext) -> Comment:
    anchor = ctx.inputs["section"]
    content_hash = ctx.article.review_hash or selectors.article_content_hash(ctx.article)
    comment = Comment.objects.create(
        article=ctx.article,
        round=ctx.round,
        author=ctx.user,
        section=anchor,
        section_heading=anchor.heading if anchor else "",
        body=ctx.inputs["body"],
        blocking=bool(ctx.inputs.get("blocking")),
        content_hash=content_hash,
    )
    ctx.audit_hash = content_hash
    ctx.audit_comment = comment.body
    ctx.audit_data.update(
        {
            "round": ctx.round.number if ctx.round else None,
            "comment_id": comment.pk,
            "section_id": anchor.pk if anchor else None,
            "section_heading": comment.section_heading,
            "blocking": comment.blocking,
        }
    )
    if comment.blocking:
        ctx.emit("comment.blocking", comment_id=comment.pk)
    return comment


def _validate_resolve(ctx: ActionContext) -> None:
    comment = ctx.target
    if comment.resolved_at is not None:
        raise Conflict("This comment is already resolved.", code="already-resolved", detail={"comment_id": comment.pk})
    if comment.author_id != ctx.user.pk and comment.blocking and not ctx.inputs.get("note"):
        raise InvalidInput(
            f"A note is required to resolve {name_of(comment.author)}'s blocking comment: say how it was handled.",
            code="note-required",
            detail={"field": "note"},
        )


def _resolve_comment(ctx: ActionContext) -> Comment:
    comment = ctx.target
    comment.resolved_at = ctx.now
    comment.resolved_by = ctx.user
    comment.resolution_note = ctx.inputs.get("note", "")
    comment.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    ctx.audit_hash = comment.content_hash
    ctx.audit_comment = comment.resolution_note
    ctx.audit_data.update({"comment_id": comment.pk, "blocking": comment.blocking})
    if comment.author_id != ctx.user.pk:
        ctx.emit("comment.resolved", comment_id=comment.pk, by=name_of(ctx.user))
    return comment


def _thread_start(ctx: ActionContext) -> Comment:
    """The comment that opened the thread ``ctx.target`` belongs to (a reply answers its thread)."""
    comment = ctx.target
    return comment.parent if comment.parent_id else comment


def _validate_reply(ctx: ActionContext) -> None:
    start = _thread_start(ctx)
    if start.resolved_at is not None:
        raise Conflict(
            "This comment is resolved: start a new comment on the section instead of replying.",
            code="already-resolved",
            detail={"comment_id": start.pk},
        )


def _reply(ctx: ActionContext) -> Comment:
    start = _thread_start(ctx)
    content_hash = ctx.article.review_hash or selectors.article_content_hash(ctx.article)
    reply = Comment.objects.create(
        article=ctx.article,
        round=ctx.round,
        author=ctx.user,
        parent=start,
        section_id=start.section_id,
        section_heading=start.section_heading,
        body=ctx.inputs["body"],
        content_hash=content_hash,
    )
    ctx.audit_hash = content_hash
    ctx.audit_comment = reply.body
    ctx.audit_data.update({"comment_id": reply.pk, "thread": start.pk, "section_heading": start.section_heading})
    if start.author_id != ctx.user.pk:
        ctx.emit("comment.replied", comment_id=reply.pk, thread=start.pk, by=name_of(ctx.user))
    return reply


def _validate_addressed(ctx: ActionContext) -> None:
    comment = ctx.target
    if comment.parent_id is not None:
        raise InvalidInput(
            "Mark the comment that opened the thread as addressed, not a reply.",
            code="not-a-thread",
            detail={"comment_id": comment.pk},
        )
    if comment.resolved_at is not None:
        raise Conflict("This comment is already resolved.", code="already-resolved", detail={"comment_id": comment.pk})
    if comment.addressed_at is not None:
        raise Conflict(
            f"This comment was already marked addressed by {name_of(comment.addressed_by)}.",
            code="already-addressed",
            detail={"comment_id": comment.pk},
        )


def _mark_addressed(ctx: ActionContext) -> Comment:
    comment = ctx.target
    comment.addressed_at = ctx.now
    comment.addressed_by = ctx.user
    comment.save(update_fields=["addressed_at", "addressed_by"])
    note = ctx.inputs.get("note", "")
    if note:  # what was done, kept in the thread where the reviewer reads it
        Comment.objects.create(
            article=ctx.article,
            round=ctx.round,
            author=ctx.user,
            parent=comment,
            section_id=comment.section_id,
            section_heading=comment.section_heading,
            body=note,
            content_hash=comment.content_hash,
        )
    ctx.audit_hash = comment.content_hash
    ctx.audit_comment = note
    ctx.audit_data.update({"comment_id": comment.pk, "blocking": comment.blocking})
    ctx.emit("comment.addressed", comment_id=comment.pk, by=name_of(ctx.user))
    return comment


def _comment_history(entry: Any, people: dict[int, Any]) -> str:
    data = entry.data or {}
    where = f" on “{data['section_heading']}”" if data.get("section_heading") else ""
    return f"{'added a blocking comment' if data.get('blocking') else 'commented'}{where}"


DECLARED: tuple[Action, ...] = (
    Action(
        name="comment",
        label="Comment",
        verb="comment on",
        audit_label="Commented",
        who=COMMENTER,
        sources=states_except(*CLOSED_STATES),
        perform=_comment,
        validate=_validate_comment,
        panel="comment",
        refused="Comment not added",
        message=lambda comment, user: (
            "Blocking comment added: it holds back approval until it is resolved."
            if comment.blocking
            else "Comment added."
        ),
        history=_comment_history,
        events=("comment.blocking",),
        fields=(
            Field("body", "Comment", required=True, what="comment text"),
            Field("section", "Section", kind="section"),
            Field("blocking", "Blocking: holds back approval until resolved", kind="bool"),
        ),
    ),
    Action(
        name="resolve_comment",
        label="Resolve",
        verb="resolve comments on",
        audit_label="Comment resolved",
        who=COMMENT_RESOLVER,
        sources=states_except(*CLOSED_STATES),
        perform=_resolve_comment,
        validate=_validate_resolve,
        on="comment",
        panel="thread",
        refused="Comment not resolved",
        # Resolving never approves: approval comes from the next sign-off or the chair's approval.
        message=lambda comment, user: (
            f"Comment resolved. {person_name(comment.author)} is told how it was handled."
            if comment.author_id != user.pk
            else "Comment resolved."
        ),
        events=("comment.resolved",),
        fields=(
            Field("note", "How it was handled", help="Required when you resolve someone else's blocking comment."),
        ),
    ),
    Action(
        name="reply",
        label="Reply",
        verb="reply to comments on",
        audit_label="Replied to a comment",
        who=COMMENTER,
        sources=states_except(*CLOSED_STATES),
        perform=_reply,
        validate=_validate_reply,
        on="comment",
        panel="thread",
        refused="Reply not added",
        message=lambda reply, user: "Reply added.",
        events=("comment.replied",),
        fields=(Field("body", "Reply", required=True, what="reply text"),),
    ),
    Action(
        name="mark_addressed",
        label="Mark as addressed",
        verb="mark comments addressed on",
        audit_label="Comment marked addressed",
        who=AUTHOR_OR_EDITOR,
        sources=states_except(*CLOSED_STATES),
        perform=_mark_addressed,
        validate=_validate_addressed,
        on="comment",
        panel="thread",
        refused="Not marked as addressed",
        message=lambda comment, user: (
            f"Marked as addressed. {permissions.display_name(comment.author)} is asked to check it and resolve it."
        ),
        events=("comment.addressed",),
        fields=(Field("note", "What you changed", help="Kept in the thread for the reviewer."),),
    ),
)


# --- the typed entry points ----------------------------------------------------------------------
# Who resolves: the comment's author or the chair, always; an author of the article (or an editor) only a
# non-blocking comment. Resolving someone else's blocking comment needs a note and tells its author.


@entry_point("comment")
def comment_create(
    *,
    article: Article,
    user: AbstractBaseUser,
    body: str,
    section: Section | int | None = None,
    blocking: bool = False,
) -> Comment:
    """A comment by an author of the article, an editor, an assigned reviewer or the chair, on ``section``
    (the ``Section`` or its primary key) or the whole article."""
    ...


@entry_point("resolve_comment")
def comment_resolve(*, comment: Comment, user: AbstractBaseUser, note: str = "") -> Comment:
    """Mark ``comment`` resolved ("already-resolved" if it is); ``note`` says how it was handled."""
    ...


@entry_point("reply")
def comment_reply(*, comment: Comment, user: AbstractBaseUser, body: str) -> Comment:
    """A reply in ``comment``'s thread (a reply to a reply joins the same thread); refused once resolved."""
    ...


@entry_point("mark_addressed")
def comment_mark_addressed(*, comment: Comment, user: AbstractBaseUser, note: str = "") -> Comment:
    """The article's author says ``comment`` was dealt with (``note``: what changed, kept as a reply).
    It stays open until its raiser or the chair resolves it: addressing never counts as resolving."""
    ...
