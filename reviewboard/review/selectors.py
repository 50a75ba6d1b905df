"""Reads of the review: quorum, assignments, sign-offs that count, comments, queues, the audit log.

Pure reads: nothing here writes. The services, the transition conditions, the admin and the API
all use these, so "what counts" is defined once.

Each rule is written once and serves both sides: a ``Q`` (``approval_of``, ``counts_toward_quorum``)
filters the rows read one article at a time in Python (``counting_signoffs``, ``signable_assignment``)
and the correlated subqueries the lists annotate in SQL (``signed_count``, ``next_pending_due``).
Where Python must ask per object (``article_quorum``), the SQL twin (``quorum_of``) stands right after
it and states the same conditions; so do ``reviewer_is_active`` and ``active_reviewers`` in
``reviewboard.board.selectors`` (the people: declarations, credentials, the conflict-of-interest rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from articles.content import content_from_article
from articles.models import Article, ReviewState
from config.exceptions import NotFound
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.models import (
    Assignment,
    AuditEntry,
    Comment,
    Event,
    ReviewRound,
    SignOff,
)
from reviewboard.reading import kept
from reviewboard.review.decisions import chair_decides

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


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


def quorum_of(field: str = "quorum") -> Coalesce:
    """``article_quorum`` as an annotation; ``field`` names the article's quorum column
    (``article__quorum`` from an assignment). Like Python's ``or``, an empty quorum and 0 both mean the
    default (NULLIF then COALESCE). The default is read when the query is built, not at import."""
    return Coalesce(NullIf(field, Value(0)), Value(settings.REVIEW_DEFAULT_QUORUM))


@kept
def open_round(article: Article) -> ReviewRound | None:
    """The article's open review round (at most one: a partial unique constraint), or None."""
    return ReviewRound.objects.filter(article=article, closed_at__isnull=True).first()


def article_rounds(article: Article) -> QuerySet[ReviewRound]:
    return ReviewRound.objects.filter(article=article).order_by("number")


def last_round_reviewed_by(article: Article, user: AbstractBaseUser) -> ReviewRound | None:
    """The latest closed round of ``article`` in which ``user`` was assigned (to show what changed since)."""
    return (
        ReviewRound.objects.filter(article=article, closed_at__isnull=False, assignments__reviewer=user)
        .order_by("-number")
        .first()
    )


def visible_articles(user: AbstractBaseUser | None) -> QuerySet[Article]:
    """The one rule for who sees which article (admin lists and pages, the review API, comments):
    the chair and editors see every article; an author sees the articles they write; a reviewer
    the articles they were assigned to, in any round (to read what changed since theirs)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Article.objects.none()
    if permissions.sees_every_article(user):
        return Article.objects.all()
    mine = Article.objects.filter(Q(authors=user) | Q(assignments__reviewer=user)).values("pk")
    return Article.objects.filter(pk__in=mine)


def can_see_article(article: Article, user: AbstractBaseUser | None) -> bool:
    return visible_articles(user).filter(pk=article.pk).exists()


def visible_comments(user: AbstractBaseUser | None) -> QuerySet[Comment]:
    """Review comments of the articles ``user`` sees (``visible_articles``), and no others."""
    return Comment.objects.filter(article__in=visible_articles(user))


def visible_assignments(user: AbstractBaseUser | None) -> QuerySet[Assignment]:
    """Assignments on the articles ``user`` sees (``visible_articles``), and no others."""
    return Assignment.objects.filter(article__in=visible_articles(user))


def visible_signoffs(user: AbstractBaseUser | None) -> QuerySet[SignOff]:
    """Sign-offs (with their remarks) on the articles ``user`` sees (``visible_articles``), and no others."""
    return SignOff.objects.filter(article__in=visible_articles(user))


def visible_audit_entries(user: AbstractBaseUser | None) -> QuerySet[AuditEntry]:
    """The history ``user`` may read: the entries of the articles they see (``visible_articles``); entries about
    no article (declarations, credentials) to the chair and editors, and to others only their own."""
    if user is None or not user.is_authenticated or not user.is_active:
        return AuditEntry.objects.none()
    if permissions.sees_every_article(user):
        return AuditEntry.objects.all()
    return AuditEntry.objects.filter(Q(article__in=visible_articles(user)) | Q(article__isnull=True, actor=user))


def pending_events() -> QuerySet[Event]:
    return Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True)


def article_content_hash(article: Article) -> str:
    """The content hash of the working copy as it is in the database now."""
    return content_from_article(article).content_hash


def assignment_answer(assignment: Assignment) -> str:
    """The reviewer's answer to an assignment: "accepted", "declined", or "awaiting" (no answer yet; an
    assignment closed without one, e.g. removed by the chair, stays "awaiting" with its close reason)."""
    if assignment.declined_at is not None:
        return "declined"
    if assignment.accepted_at is not None:
        return "accepted"
    return "awaiting"


def describe_answer(assignment: Assignment) -> str:
    """How the review screen and the queue say it: "Accepted 2026-03-02", "Declined: on leave", "No answer yet"."""
    answer = assignment_answer(assignment)
    if answer == "accepted":
        return f"Accepted {timezone.localtime(assignment.accepted_at):%Y-%m-%d}"
    if answer == "declined":
        return f"Declined: {assignment.decline_reason}" if assignment.decline_reason else "Declined"
    return "No answer yet"


@kept
def own_assignment(article: Article, user: AbstractBaseUser | None) -> Assignment | None:
    """The reviewer's open assignment on the article, else their latest one (the refusal then names the
    round it belonged to)."""
    if user is None or not user.is_authenticated:
        return None
    return (
        Assignment.objects.filter(article=article, reviewer=user)
        .order_by(F("closed_at").desc(nulls_first=True), "-pk")
        .first()
    )


def open_assignments(article: Article) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(article=article, closed_at__isnull=True)
        .select_related("reviewer", "reviewer__reviewer_profile")
        .order_by("assigned_at", "id")
    )


def active_open_assignments(article: Article) -> list[Assignment]:
    """The open assignments whose reviewer ``reviewer_is_active`` accepts, in one query (through its SQL twin
    ``active_reviewers``, not a permission lookup per reviewer)."""
    active = board_selectors.active_reviewers().order_by().values("pk")
    return list(open_assignments(article).filter(reviewer__in=active))


def approval_of(content_hash: str | OuterRef) -> Q:
    """A sign-off that approves ``content_hash`` (a value, or an ``OuterRef`` in a subquery)."""
    return Q(decision=SignOff.Decision.APPROVE, content_hash=content_hash)


def counts_toward_quorum(content_hash: str | OuterRef) -> Q:
    """The rule for a sign-off that counts: it approves ``content_hash``, through a still-open assignment that
    its reviewer accepted (a sign-off counts only from a reviewer who accepted this round's assignment)."""
    return approval_of(content_hash) & Q(assignment__closed_at__isnull=True, assignment__accepted_at__isnull=False)


def counting_signoffs(article: Article, content_hash: str) -> QuerySet[SignOff]:
    """Approvals that count toward the quorum: on ``content_hash``, through a still-open assignment."""
    return (
        SignOff.objects.filter(counts_toward_quorum(content_hash), article=article)
        .select_related("reviewer", "reviewer__reviewer_profile")
        .order_by("created_at", "id")
    )


def signed_count(*, article: str = "pk", review_hash: str = "review_hash") -> Coalesce:
    """What ``signoff_progress`` counts, per row, as an annotation: the distinct reviewers whose sign-off
    counts toward the quorum on the frozen hash. ``article`` and ``review_hash`` name the outer columns
    (``"article_id"`` and ``"article__review_hash"`` from an assignment)."""
    rows = (
        SignOff.objects.filter(counts_toward_quorum(OuterRef(review_hash)), article=OuterRef(article))
        .order_by()
        .values("article")
        .annotate(n=Count("reviewer", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def signers(article: Article, content_hash: str) -> list[AbstractBaseUser]:
    """Distinct reviewers whose approval of ``content_hash`` counts, in the order they signed."""
    seen: dict[int, AbstractBaseUser] = {}
    for signoff in counting_signoffs(article, content_hash):
        seen.setdefault(signoff.reviewer_id, signoff.reviewer)
    return list(seen.values())


@kept
def signoff_progress(article: Article, content_hash: str | None = None) -> SignOffProgress:
    """Progress toward approval of ``content_hash`` (default: the hash frozen on submit)."""
    content_hash = article.review_hash if content_hash is None else content_hash
    signed = (
        counting_signoffs(article, content_hash).order_by().values("reviewer").distinct().count() if content_hash else 0
    )
    return SignOffProgress(signed=signed, required=article_quorum(article), content_hash=content_hash)


def awaiting_decision(article: Article) -> bool:
    """The round awaits the chair's decision: the chair decides (the board setting), the article is under
    review, the quorum signed the frozen hash and no blocking comment is open."""
    return (
        chair_decides()
        and article.state == ReviewState.UNDER_REVIEW
        and signoff_progress(article).quorum_met
        and not unresolved_blocking_comments(article).exists()
    )


def awaiting_decision_rows(articles: QuerySet[Article]) -> QuerySet[Article]:
    """``awaiting_decision`` as a queryset filter (the chair's home page and article list): under review,
    the quorum signed the frozen hash (``signed_count`` >= ``quorum_of``), no blocking comment open; none
    under "the quorum approves"."""
    if not chair_decides():
        return articles.none()
    open_blocking = Comment.objects.filter(article=OuterRef("pk"), blocking=True, resolved_at__isnull=True)
    return (
        articles.filter(state=ReviewState.UNDER_REVIEW)
        .annotate(_signed=signed_count(), _quorum=quorum_of())
        .filter(_signed__gte=F("_quorum"))
        .exclude(Exists(open_blocking))
    )


def unresolved_blocking_comments(article: Article) -> QuerySet[Comment]:
    return Comment.objects.filter(article=article, blocking=True, resolved_at__isnull=True).order_by("created_at", "id")


def article_comments(article: Article) -> QuerySet[Comment]:
    return Comment.objects.filter(article=article).select_related(
        "author__reviewer_profile", "resolved_by__reviewer_profile", "addressed_by__reviewer_profile", "section"
    )


def signable_assignment(*, article: Article, user: AbstractBaseUser) -> Assignment | None:
    """The user's open assignment on ``article`` if they may sign off its frozen hash now, else None."""
    if article.state != ReviewState.UNDER_REVIEW or not article.review_hash or not user.is_authenticated:
        return None
    assignment = open_assignments(article).filter(reviewer=user).first()
    if assignment is None or not board_selectors.reviewer_is_active(user):
        return None
    already = SignOff.objects.filter(approval_of(article.review_hash), assignment=assignment).exists()
    return None if already else assignment


def review_queue(*, user: AbstractBaseUser) -> QuerySet[Assignment]:
    """ "My review queue": the user's open assignments on articles under review not yet signed on their frozen hash."""
    signed = SignOff.objects.filter(approval_of(OuterRef("article__review_hash")), assignment=OuterRef("pk"))
    return (
        Assignment.objects.filter(reviewer=user, closed_at__isnull=True, article__state=ReviewState.UNDER_REVIEW)
        .exclude(Exists(signed))
        .select_related("article")
        .order_by("due_at", "id")
    )


def next_pending_due(*, article: str = "pk", review_hash: str = "review_hash") -> Subquery:
    """Per row, as an annotation: the earliest due date of the article's open assignments whose reviewer has
    not approved the frozen hash yet (the assignments ``review_queue`` lists to their reviewers)."""
    signed = SignOff.objects.filter(approval_of(OuterRef(OuterRef(review_hash))), assignment=OuterRef("pk"))
    rows = (
        Assignment.objects.filter(article=OuterRef(article), closed_at__isnull=True, due_at__isnull=False)
        .exclude(Exists(signed))
        .order_by("due_at")
        .values("due_at")[:1]
    )
    return Subquery(rows)


def article_visible_to(*, user: AbstractBaseUser, slug: str) -> Article:
    """The article ``slug`` if ``user`` may see it (``visible_articles``), else ``NotFound``: the same 404 for
    an unknown slug and for an article the user may not see, for GET and POST alike."""
    article = visible_articles(user).filter(slug=slug).first()
    if article is None:
        raise NotFound(f"No article with slug '{slug}' among the articles you work on.", code="article-not-found")
    return article


def articles_for_user(
    *, user: AbstractBaseUser, state: str | None = None, assigned_to_me: bool = False
) -> QuerySet[Article]:
    """The articles a user works on (``visible_articles``); ``assigned_to_me``: open assignments only."""
    qs = visible_articles(user)
    if assigned_to_me:
        qs = qs.filter(assignments__reviewer=user, assignments__closed_at__isnull=True)
    if state:
        qs = qs.filter(state=state)
    return qs.distinct().prefetch_related(
        "authors",
        Prefetch("assignments", queryset=Assignment.objects.filter(closed_at__isnull=True).select_related("reviewer")),
    )


def audit_entries(*, article: Article | None = None) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.select_related("actor").order_by("seq")
    return qs.filter(article=article) if article is not None else qs
