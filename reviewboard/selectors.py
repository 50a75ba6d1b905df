"""Reads of the board: quorum, assignments, sign-offs that count, comments, queues, the audit log.

Pure reads: nothing here writes. The services, the transition conditions, the admin and the API
all use these, so "what counts" is defined once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from articles import permissions
from articles.content import content_from_article
from reviewboard.models import Assignment, AuditEntry, Comment, SignOff

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article


@dataclass(frozen=True)
class SignOffProgress:
    """``signed`` of ``required`` distinct assigned reviewers approved ``content_hash``."""

    signed: int
    required: int
    content_hash: str

    @property
    def quorum_met(self) -> bool:
        return self.signed >= self.required

    def __str__(self) -> str:
        return f"{self.signed} of {self.required}"


def article_quorum(article: Article) -> int:
    """Sign-offs needed to approve: the article's own quorum, else ``REVIEW_DEFAULT_QUORUM``."""
    return article.quorum or settings.REVIEW_DEFAULT_QUORUM


def article_content_hash(article: Article) -> str:
    """The content hash of the working copy as it is in the database now."""
    return content_from_article(article).content_hash


def open_assignments(article: Article) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(article=article, closed_at__isnull=True)
        .select_related("reviewer", "reviewer__reviewer_profile")
        .order_by("assigned_at", "id")
    )


def reviewer_is_active(user: AbstractBaseUser) -> bool:
    """An active user in ``Board reviewers`` (the review permission) with an active reviewer profile."""
    if not (user.is_active and user.has_perm(permissions.REVIEWER_PERM)):
        return False
    profile = getattr(user, "reviewer_profile", None)
    return bool(profile is not None and profile.active)


def active_open_assignments(article: Article) -> list[Assignment]:
    return [a for a in open_assignments(article) if reviewer_is_active(a.reviewer)]


def counting_signoffs(article: Article, content_hash: str) -> QuerySet[SignOff]:
    """Approvals that count toward the quorum: on ``content_hash``, through a still-open assignment."""
    return (
        SignOff.objects.filter(
            article=article,
            decision=SignOff.Decision.APPROVE,
            content_hash=content_hash,
            assignment__closed_at__isnull=True,
        )
        .select_related("reviewer", "reviewer__reviewer_profile")
        .order_by("created_at", "id")
    )


def signers(article: Article, content_hash: str) -> list[AbstractBaseUser]:
    """Distinct reviewers whose approval of ``content_hash`` counts, in the order they signed."""
    seen: dict[int, AbstractBaseUser] = {}
    for signoff in counting_signoffs(article, content_hash):
        seen.setdefault(signoff.reviewer_id, signoff.reviewer)
    return list(seen.values())


def signoff_progress(article: Article, content_hash: str | None = None) -> SignOffProgress:
    """Progress toward approval of ``content_hash`` (default: the hash frozen on submit)."""
    content_hash = article.review_hash if content_hash is None else content_hash
    signed = (
        counting_signoffs(article, content_hash).order_by().values("reviewer").distinct().count() if content_hash else 0
    )
    return SignOffProgress(signed=signed, required=article_quorum(article), content_hash=content_hash)


def unresolved_blocking_comments(article: Article) -> QuerySet[Comment]:
    return Comment.objects.filter(article=article, blocking=True, resolved_at__isnull=True).order_by("created_at", "id")


def article_comments(article: Article) -> QuerySet[Comment]:
    return Comment.objects.filter(article=article).select_related("author", "resolved_by", "section")


def signable_assignment(*, article: Article, user: AbstractBaseUser) -> Assignment | None:
    """The user's open assignment on ``article`` if they may sign off its frozen hash now, else None."""
    from articles.models import ReviewState

    if article.state != ReviewState.UNDER_REVIEW or not article.review_hash or not user.is_authenticated:
        return None
    assignment = open_assignments(article).filter(reviewer=user).first()
    if assignment is None or not reviewer_is_active(user):
        return None
    already = SignOff.objects.filter(
        assignment=assignment, content_hash=article.review_hash, decision=SignOff.Decision.APPROVE
    ).exists()
    return None if already else assignment


def review_queue(*, user: AbstractBaseUser) -> QuerySet[Assignment]:
    """ "My review queue": the user's open assignments on articles under review not yet signed on their frozen hash."""
    from articles.models import ReviewState

    signed = SignOff.objects.filter(
        assignment=OuterRef("pk"), decision=SignOff.Decision.APPROVE, content_hash=OuterRef("article__review_hash")
    )
    return (
        Assignment.objects.filter(reviewer=user, closed_at__isnull=True, article__state=ReviewState.UNDER_REVIEW)
        .exclude(Exists(signed))
        .select_related("article")
        .order_by("due_at", "id")
    )


def articles_for_user(
    *, user: AbstractBaseUser, state: str | None = None, assigned_to_me: bool = False
) -> QuerySet[Article]:
    """The articles a user works on: chair and editors see all, reviewers their assignments, authors their own."""
    from articles.models import Article

    qs = Article.objects.all()
    if assigned_to_me:
        qs = qs.filter(assignments__reviewer=user, assignments__closed_at__isnull=True)
    elif not (permissions.is_chair(user) or permissions.is_editor(user)):
        qs = qs.filter(Q(authors=user) | Q(assignments__reviewer=user, assignments__closed_at__isnull=True))
    if state:
        qs = qs.filter(state=state)
    return qs.distinct().prefetch_related(
        "authors",
        Prefetch("assignments", queryset=Assignment.objects.filter(closed_at__isnull=True).select_related("reviewer")),
    )


def audit_entries(*, article: Article | None = None) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("actor").order_by("seq")
    return qs.filter(article=article) if article is not None else qs
