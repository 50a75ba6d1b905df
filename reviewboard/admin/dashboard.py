"""What needs whom: the admin home's counts per role, and the article list's "Needs" filter they link to.

One declaration per bucket (``NEEDS``): its words, who sees it, and the rows it holds, so a count on
the home page and the list it opens always agree. Reads only; visibility is ``selectors.visible_articles``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from articles.models import EDITABLE_STATES, FROZEN_STATES, Article, ReviewState
from reviewboard.board import permissions
from reviewboard.board import selectors as board_selectors
from reviewboard.models import Assignment, Comment, DecisionLetter, ReaderReport, ReviewerProfile
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


# --- the home page as task lists --------------------------------------------------------------------
#
# Each panel is one declaration: its title, who sees it, and its tasks (each with a title, what it needs,
# a due date when there is one, and the action one click away). A new kind of work (the chair's decision,
# the authors' decision letters) is one more ``TaskPanel`` here; its panel shows "Nothing ..." until it has rows.

PANEL_ITEMS = 10  # tasks drawn per panel; the panel's link opens the whole list
DECLARATION_WARN_DAYS = 30


@dataclass(frozen=True)
class Task:
    title: str
    url: str
    needs: str
    action: str
    due: Any = None
    overdue: bool = False


@dataclass(frozen=True)
class TaskPanel:
    key: str
    title: str
    empty: str
    who: Callable[[Any], bool]
    tasks: Callable[[Any, QuerySet[Article]], tuple[int, list[Task]]]
    list_url: Callable[[], str] = lambda: ""


def _review_url(article: Article) -> str:
    return reverse("admin:articles_article_review", args=[article.pk])


def _article_list(key: str) -> Callable[[], str]:
    return lambda: f"{reverse('admin:articles_article_changelist')}?needs={key}"


def _article_tasks(
    rows: Callable[[QuerySet[Article], Any], QuerySet[Article]],
    needs: Callable[[Article], str],
    action: str,
    *,
    due: Callable[[Article], Any] = lambda article: None,
) -> Callable[[Any, QuerySet[Article]], tuple[int, list[Task]]]:
    def tasks(user: Any, visible: QuerySet[Article]) -> tuple[int, list[Task]]:
        queryset = rows(visible, user).distinct()
        count = queryset.count()
        items = []
        now = timezone.now()
        for article in queryset.order_by("updated_at", "pk")[:PANEL_ITEMS] if count else []:
            when = due(article)
            items.append(
                Task(article.question, _review_url(article), needs(article), action, when, bool(when and when < now))
            )
        return count, items

    return tasks


def _reviewers_needed(article: Article) -> str:
    assigned = getattr(article, "_assigned", 0)
    quorum = getattr(article, "_quorum", None) or selectors.article_quorum(article)
    if assigned < quorum:
        return f"{assigned} of {quorum} reviewers assigned: assign the rest, then start the review"
    return f"{assigned} reviewers assigned: start the review"


def _waiting_rows(qs: QuerySet[Article], user: Any) -> QuerySet[Article]:
    open_assignments = Assignment.objects.filter(article=OuterRef("pk"), closed_at__isnull=True)
    return needs_rows("waiting_for_reviewers", qs, user).annotate(
        _assigned=Coalesce(
            Subquery(open_assignments.order_by().values("article").annotate(n=Count("*")).values("n")[:1]), 0
        ),
        _quorum=selectors.quorum_of(),
    )


def _author_rows(qs: QuerySet[Article], user: Any) -> QuerySet[Article]:
    return qs.filter(
        Q(authors=user, state__in=(ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED))
        | Q(_open_blocking(), authors=user)
    ).annotate(_blocking=_open_blocking())


def _author_needs(article: Article) -> str:
    if article.state == ReviewState.CHANGES_REQUESTED:
        return "Changes requested: revise it and submit it again"
    if getattr(article, "_blocking", False):
        return "A blocking comment waits for your answer"
    return "Draft: finish it and submit it for review"


def _reader_reports(user: Any, visible: QuerySet[Article]) -> tuple[int, list[Task]]:
    reports = ReaderReport.objects.filter(status=ReaderReport.Status.RECEIVED, article__in=visible)
    count = reports.count()
    items = [
        Task(
            report.article.question,
            reverse("admin:reviewboard_readerreport_change", args=[report.pk]),
            f"Reader report ({report.get_kind_display().lower()}"
            + (f", on “{report.section}”" if report.section else "")
            + f"): “{report.text[:80]}{'…' if len(report.text) > 80 else ''}”",
            "Triage the report",
            report.created_at,
        )
        for report in (reports.select_related("article").order_by("created_at", "pk")[:PANEL_ITEMS] if count else [])
    ]
    return count, items


def _letters(user: Any, visible: QuerySet[Article]) -> tuple[int, list[Task]]:
    """The chair's latest decision letter on each article of mine, newest first, one click from the letter."""
    later = DecisionLetter.objects.filter(article=OuterRef("article"), round__number__gt=OuterRef("round__number"))
    latest = DecisionLetter.objects.filter(article__in=visible.filter(authors=user).values("pk")).exclude(Exists(later))
    count = latest.count()
    items = [
        Task(
            letter.article.question,
            _review_url(letter.article) + "#letters-panel",
            f"{letter.get_decision_display()} on {date_format(timezone.localtime(letter.created_at), 'j M Y')}: "
            "the chair's letter, with the reviewers' comments to you",
            "Read the letter",
        )
        for letter in (latest.select_related("article").order_by("-created_at", "-pk")[:PANEL_ITEMS] if count else [])
    ]
    return count, items


def _invitations(user: Any, visible: QuerySet[Article]) -> tuple[int, list[Task]]:
    """Assignments the reviewer has neither accepted nor declined: invitations, not reviews yet."""
    rows = Assignment.objects.filter(
        reviewer=user, closed_at__isnull=True, accepted_at__isnull=True, declined_at__isnull=True
    ).select_related("article")
    count = rows.count()
    answer_within = settings.ASSIGNMENT_ANSWER_WITHIN
    now = timezone.now()
    items = [
        Task(
            row.article.question,
            _review_url(row.article) + "#assignment-answer",
            "Invitation to review: accept it (no conflict of interest) or decline it",
            "Answer the invitation",
            row.assigned_at + answer_within,
            row.assigned_at + answer_within < now,
        )
        for row in (rows.order_by("assigned_at", "pk")[:PANEL_ITEMS] if count else [])
    ]
    return count, items


def _reviews_due(user: Any, visible: QuerySet[Article]) -> tuple[int, list[Task]]:
    """The review queue less the invitations not answered yet: reviews accepted and not signed off."""
    rows = selectors.review_queue(user=user).filter(accepted_at__isnull=False)
    count = rows.count()
    now = timezone.now()
    items = [
        Task(
            row.article.question,
            _review_url(row.article),
            "Read it, comment, then sign off or request changes",
            "Open the review",
            row.due_at,
            bool(row.due_at and row.due_at < now),
        )
        for row in (rows[:PANEL_ITEMS] if count else [])
    ]
    return count, items


def _declaration(user: Any, visible: QuerySet[Article]) -> tuple[int, list[Task]]:
    declaration = board_selectors.current_declaration(user)
    now = timezone.now()
    if declaration is not None and declaration.expires_at > now + timedelta(days=DECLARATION_WARN_DAYS):
        return 0, []
    # Where a member renews their declaration: their profile's page when they may open it (the members'
    # own renewal screen, when it exists, belongs here).
    profile = ReviewerProfile.objects.filter(user=user).only("pk").first()
    may_open = profile is not None and permissions.may_view_reviewer_profiles(user)
    url = reverse("admin:reviewboard_reviewerprofile_change", args=[profile.pk]) if may_open else ""
    if declaration is None:
        needs, due = "No declaration of interests on record: you cannot accept a review without one", None
    elif declaration.expires_at < now:
        needs, due = "Your declaration of interests has expired: renew it to accept reviews", declaration.expires_at
    else:
        needs, due = "Your declaration of interests expires soon: renew it", declaration.expires_at
    return 1, [Task("Declaration of interests", url, needs, "Renew it" if url else "", due, bool(due and due < now))]


def _is_reviewer(user: Any) -> bool:
    return permissions.is_board_reviewer(user)


PANELS: tuple[TaskPanel, ...] = (
    TaskPanel(
        "decisions",
        "Decisions awaiting me",
        "Nothing awaits your decision.",
        _chair,
        _article_tasks(
            # the quorum signed under "the chair decides" (a round status, not a state): review.selectors
            lambda qs, user: selectors.awaiting_decision_rows(qs),
            lambda a: "The quorum signed: decide and write the letter",
            "Decide",
        ),
    ),
    TaskPanel(
        "waiting_for_reviewers",
        "Rounds waiting for reviewers",
        "No submitted article waits for reviewers.",
        _chair,
        _article_tasks(_waiting_rows, _reviewers_needed, "Assign reviewers"),
        _article_list("waiting_for_reviewers"),
    ),
    TaskPanel(
        "overdue",
        "Overdue reviews",
        "No review is overdue.",
        _chair,
        _article_tasks(
            lambda qs, user: needs_rows("overdue", qs, user),
            lambda a: "A reviewer is past the due date: remind, reassign or wait",
            "Open the review",
            due=lambda a: a._pending_due,
        ),
        _article_list("overdue"),
    ),
    TaskPanel(
        "blocked",
        "Held back by a blocking comment",
        "No review is held back by a blocking comment.",
        _chair,
        _article_tasks(
            lambda qs, user: needs_rows("blocked", qs, user),
            lambda a: "A blocking comment is still open",
            "Open the review",
        ),
        _article_list("blocked"),
    ),
    TaskPanel(
        "reader_reports",
        "New reader reports",
        "No reader report waits for triage.",
        _chair,
        _reader_reports,
        lambda: reverse("admin:reviewboard_readerreport_changelist"),
    ),
    TaskPanel(
        "rereview",
        "Due for re-review",
        "No published article is due for re-review.",
        _chair,
        _article_tasks(
            lambda qs, user: needs_rows("rereview", qs, user),
            lambda a: "Published and due for re-review: start a revision or confirm it",
            "Open the review",
            due=lambda a: a.next_review_due,
        ),
        _article_list("rereview"),
    ),
    TaskPanel(
        "invitations", "Invitations to answer", "No invitation waits for your answer.", _is_reviewer, _invitations
    ),
    TaskPanel(
        "reviews_due",
        "Reviews due",
        "No review is due from you.",
        _is_reviewer,
        _reviews_due,
        lambda: reverse("admin:reviewboard_review_queue"),
    ),
    TaskPanel("declaration", "Declaration of interests", "", _is_reviewer, _declaration),
    TaskPanel(
        "to_fix",
        "What needs my changes",
        "Nothing of yours needs changes.",
        _author,
        _article_tasks(_author_rows, _author_needs, "Open it"),
        _article_list("to_fix"),
    ),
    TaskPanel("letters", "Decision letters", "No decision on your articles yet.", _author, _letters),
    TaskPanel(
        "mine_in_review",
        "Mine with the board",
        "Nothing of yours is with the board.",
        _author,
        _article_tasks(
            lambda qs, user: needs_rows("mine_in_review", qs, user),
            lambda a: "Submitted or in review: nothing to do until the board answers",
            "Follow the review",
        ),
        _article_list("mine_in_review"),
    ),
)


def task_panels(user: Any) -> list[dict[str, Any]]:
    """The home page's panels for ``user``: each with its count, its first tasks and its whole list's URL.
    A panel with nothing to say (an empty declaration panel) is left out."""
    visible = selectors.visible_articles(user)
    panels = []
    for panel in PANELS:
        if not panel.who(user):
            continue
        count, tasks = panel.tasks(user, visible)
        if not count and not panel.empty:
            continue
        panels.append(
            {
                "key": panel.key,
                "title": panel.title,
                "count": count,
                "tasks": tasks,
                "more": max(0, count - len(tasks)),
                "empty": panel.empty,
                "list_url": panel.list_url() if count else "",
            }
        )
    return panels
