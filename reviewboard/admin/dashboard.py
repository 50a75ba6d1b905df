"""What needs whom: the admin home's counts per role, and the article list's "Needs" filter they link to.

One declaration per bucket (``NEEDS``): its words, who sees it, and the rows it holds, so a count on
the home page and the list it opens always agree. Reads only; visibility is ``selectors.visible_articles``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from articles.models import EDITABLE_STATES, FROZEN_STATES, Article, ReviewState
from reviewboard.board import permissions
from reviewboard.models import Comment
from reviewboard.review import selectors
from reviewboard.review.states import state_in_sentence


def _open_blocking() -> Exists:
    return Exists(Comment.objects.filter(article=OuterRef("pk"), blocking=True, resolved_at__isnull=True))


@dataclass(frozen=True)
class Need:
    key: str
    label: str  # as the filter's choice and the home page's line: "{count} {label}"
    who: Callable[[Any], bool]
    rows: Callable[[QuerySet[Article], Any], QuerySet[Article]]


def _chair(user: Any) -> bool:
    return permissions.is_chair(user)


def _author(user: Any) -> bool:
    return permissions.is_author_member(user) and not permissions.is_chair(user)


def _either(*states: str) -> str:
    """The states as a sentence says them, "draft or changes requested" (``reviewboard.review.states``)."""
    return " or ".join(state_in_sentence(state) for state in states)


NEEDS: tuple[Need, ...] = (
    Need(
        "waiting_for_reviewers",
        "submitted, waiting for reviewers and the start of the review",
        _chair,
        lambda qs, user: qs.filter(state=ReviewState.SUBMITTED),
    ),
    Need(
        "awaiting_decision",
        "awaiting your decision (the quorum signed)",
        _chair,
        lambda qs, user: selectors.awaiting_decision_rows(qs),
    ),
    Need("in_review", "in review", _chair, lambda qs, user: qs.filter(state=ReviewState.UNDER_REVIEW)),
    Need(
        "overdue",
        "in review with a reviewer past the due date",
        _chair,
        lambda qs, user: (
            qs.filter(state=ReviewState.UNDER_REVIEW)
            .annotate(_pending_due=selectors.next_pending_due())
            .filter(_pending_due__lt=timezone.now())
        ),
    ),
    Need(
        "blocked",
        "held back by an unresolved blocking comment",
        _chair,
        lambda qs, user: qs.filter(_open_blocking(), state=ReviewState.UNDER_REVIEW),
    ),
    Need(
        "rereview",
        "published and due for re-review",
        _chair,
        lambda qs, user: qs.filter(state=ReviewState.APPROVED, review_overdue=True),
    ),
    Need(
        "to_fix",
        f"of mine to write or revise ({_either(ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED)})",
        _author,
        lambda qs, user: qs.filter(authors=user, state__in=EDITABLE_STATES),
    ),
    Need(
        "mine_blocked",
        "of mine with a blocking comment to answer",
        _author,
        lambda qs, user: qs.filter(_open_blocking(), authors=user),
    ),
    Need(
        "mine_in_review",
        f"of mine with the board ({_either(ReviewState.SUBMITTED, ReviewState.UNDER_REVIEW)})",
        _author,
        lambda qs, user: qs.filter(authors=user, state__in=FROZEN_STATES),
    ),
)
NEEDS_BY_KEY = {need.key: need for need in NEEDS}


def needs_rows(key: str, queryset: QuerySet[Article], user: Any) -> QuerySet[Article]:
    """The articles of ``queryset`` in bucket ``key`` (unknown keys: none)."""
    need = NEEDS_BY_KEY.get(key)
    return need.rows(queryset, user) if need is not None else queryset.none()


def dashboard(user: Any, *, list_url: str) -> list[dict[str, Any]]:
    """The home page's lines for ``user``: each bucket of their role with its count and its list's URL."""
    visible = selectors.visible_articles(user)
    lines = []
    for need in NEEDS:
        if not need.who(user):
            continue
        count = needs_rows(need.key, visible, user).values("pk").distinct().count()
        lines.append({"key": need.key, "count": count, "label": need.label, "url": f"{list_url}?needs={need.key}"})
    return lines
