"""Review comments: anchored to a section or not, blocking or not, resolved with a note.

Who resolves: the comment's author or the chair, always; an author of the article (or an editor)
only a non-blocking comment. Resolving someone else's blocking comment needs a note and tells its
author. Resolving never approves: approval comes with the next sign-off or the chair's approve.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from articles.models import Article, Section
from reviewboard.models import Comment
from reviewboard.review import actions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def comment_create(
    *,
    article: Article,
    user: AbstractBaseUser,
    body: str,
    section: Section | int | None = None,
    blocking: bool = False,
) -> Comment:
    """A comment by an author of the article, an editor, an assigned reviewer or the chair."""
    return actions.perform("comment", article=article, user=user, body=body, section=section, blocking=blocking)


def comment_resolve(*, comment: Comment, user: AbstractBaseUser, note: str = "") -> Comment:
    """Mark ``comment`` resolved ("already-resolved" if it is); ``note`` says how it was handled."""
    return actions.perform("resolve_comment", article=comment.article, user=user, target=comment, note=note)


def comment_reply(*, comment: Comment, user: AbstractBaseUser, body: str) -> Comment:
    """A reply in ``comment``'s thread (a reply to a reply joins the same thread); refused once resolved."""
    return actions.perform("reply", article=comment.article, user=user, target=comment, body=body)


def comment_mark_addressed(*, comment: Comment, user: AbstractBaseUser, note: str = "") -> Comment:
    """The article's author says ``comment`` was dealt with (``note``: what changed, kept as a reply).
    It stays open until its raiser or the chair resolves it: addressing never counts as resolving."""
    return actions.perform("mark_addressed", article=comment.article, user=user, target=comment, note=note)
