"""What the action declarations share: the states, the rules of who may act, and common fields.

Every rule reads a predicate of ``reviewboard.board.permissions`` (one rule, one place) and carries
the words a refusal shows.
"""

from __future__ import annotations

from typing import Any

from articles.models import ReviewState
from reviewboard.board import permissions
from reviewboard.review.actions.registry import Field, Rule

ALL_STATES = tuple(ReviewState.values)


def states(*states: str) -> tuple[str, ...]:
    return tuple(s for s in ALL_STATES if s in states)


def states_except(*states: str) -> tuple[str, ...]:
    return tuple(s for s in ALL_STATES if s not in states)


def on_article(predicate: Any) -> Rule:
    """A rule from an (article, user) predicate of ``reviewboard.board.permissions``, with its words."""
    return Rule(permissions.requirement(predicate), lambda ctx: predicate(ctx.article, ctx.user))


AUTHOR_OR_EDITOR = on_article(permissions.can_edit_as_author)
CHAIR = on_article(permissions.can_chair)
REVIEWER_OR_CHAIR = on_article(permissions.can_request_changes)
COMMENTER = on_article(permissions.can_comment)
ASSIGNMENT_REVIEWER = Rule(
    "the reviewer of this assignment (a board reviewer assigned to this article)",
    lambda ctx: (
        ctx.target is not None and ctx.target.reviewer_id == ctx.user.pk and permissions.is_board_reviewer(ctx.user)
    ),
)
BOARD_MEMBER = Rule(
    "a board member (reviewer or chair), for their own declaration",
    lambda ctx: permissions.is_board_reviewer(ctx.user) or permissions.is_chair(ctx.user),
)
CHAIR_OF_THE_BOARD = Rule("the board chair", lambda ctx: permissions.is_chair(ctx.user))
COMMENT_RESOLVER = Rule(
    permissions.requirement(permissions.can_resolve_comment),
    lambda ctx: ctx.target is not None and permissions.can_resolve_comment(ctx.target, ctx.user),
)

# For actions other services perform as a step of theirs (a re-review flag, a new article): the caller
# has decided who may; the board's jobs perform them with no user.
CALLER = Rule("the service that performs it for its caller", lambda ctx: True, system=True)

COMMENT = Field("comment", "Comment", help="Shown in the article's history.")
REASON = Field("reason", "Reason", required=True, what="reason for the retraction", help="Readers get it instead.")


def name_of(user: Any) -> str:
    return permissions.display_name(user)


def person_name(user: Any) -> str:
    """A person as the messages name them: their full name, else their username."""
    return user.get_full_name() or user.get_username()


def short_hash(value: str) -> str:
    """A content hash as people read it out: "3fa2…9c1e"."""
    return f"{value[:4]}…{value[-4:]}" if len(value) > 8 else value
