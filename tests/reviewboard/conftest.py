"""Fixtures for the review workflow tests: the cast of a review and articles in each state.

States are reached through the services (``submitted``, ``under_review``...), so a fixture article
is in a state the workflow can really produce.
"""

from __future__ import annotations

import pytest
from pytest_django.fixtures import validate_django_db

from articles.content import content_from_article
from reviewboard.board.groups import ensure_board_groups
from reviewboard.review import services
from tests.factories import ArticleFactory, ReviewerProfileFactory, UserFactory
from tests.module_world import module_world
from tests.reviewboard.review_world import build_review_world, review_world_of


@pytest.fixture
def board_groups(transactional_db):
    """For transactional tests: the groups exist (re-created after each flush by reviewboard.board.groups)."""
    ensure_board_groups()


# Users with a board role and a chosen username (the shared fixtures ``author``, ``chair``, ``reviewers`` and
# ``article`` are tests/conftest.py's, built from the same factories).
def make_author(username: str, **kwargs):
    return UserFactory(username=username, groups=["Authors"], **kwargs)


def make_chair(username: str, **kwargs):
    return UserFactory(username=username, groups=["Board chair"], **kwargs)


def make_reviewer(username: str, *, credentials: str = "MD, FACP", specialties=(), active: bool = True, **kwargs):
    user = UserFactory(username=username, groups=["Board reviewers"], **kwargs)
    ReviewerProfileFactory(user=user, credentials=credentials, active=active, specialties=list(specialties))
    return user


def reads_of(queries, table: str) -> int:
    """How many of ``queries`` (CaptureQueriesContext's) read ``table``."""
    return sum(1 for q in queries if q["sql"].startswith("SELECT") and f'FROM "{table}"' in q["sql"])


def content_hash(article) -> str:
    return content_from_article(article).content_hash


def submit(article, author):
    return services.article_submit(article=article, user=author)


def start_review(article, author, chair, reviewers, *, accept: bool = True):
    """Submitted, ``reviewers`` assigned, the review started; each reviewer accepted (``accept=False``: none
    answered yet). Issue 18: a sign-off or a blocking comment counts only from a reviewer who accepted."""
    article = submit(article, author)
    for reviewer in reviewers:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    article = services.review_start(article=article, user=chair)
    return accept_all(article, reviewers) if accept else article


def assignment_of(article, reviewer):
    return article.assignments.get(reviewer=reviewer, closed_at__isnull=True)


def sign(article, reviewer, *, content_hash_=None, comment=""):
    return services.assignment_sign_off(
        assignment=assignment_of(article, reviewer),
        reviewer=reviewer,
        content_hash=content_hash_ or article.review_hash,
        comment=comment,
        accept=True,  # the reviewer accepts in the same form (a sign-off counts only once accepted)
    )


@pytest.fixture
def other_author(db):
    return make_author("other-author")


@pytest.fixture
def submitted(article, author):
    return submit(article, author)


def accept_all(article, reviewers):
    """Each reviewer accepts their open assignment (issue 18: judging counts only once accepted)."""
    for reviewer in reviewers:
        services.assignment_accept(assignment=assignment_of(article, reviewer), user=reviewer, no_conflict=True)
    return article


def put_under_review(article, author, chair, reviewers):
    """Under review with reviewer1 and reviewer2 assigned and accepted (quorum 2); reviewer3 is not assigned."""
    return start_review(article, author, chair, reviewers[:2])


@pytest.fixture
def under_review(request, author, chair, reviewers):
    """``put_under_review``'s article; in a module that uses ``review_world``, the world's (not ``article``)."""
    world = review_world_of(request)
    if world is not None:
        return world.under_review()
    return put_under_review(request.getfixturevalue("article"), author, chair, reviewers)


@pytest.fixture(scope="module")
def review_world(django_db_setup, django_db_blocker):
    """The people and the article under review of a module, built once for it: the module says
    ``pytestmark = [..., pytest.mark.usefixtures("review_world")]`` (before each test's own transaction)."""
    with module_world(django_db_blocker):
        yield build_review_world()


@pytest.fixture(autouse=True)
def _no_transactional_test_in_a_review_world(request):
    """A module that uses ``review_world`` runs in one transaction: a transactional test would commit into it."""
    if review_world_of(request) is None:
        return
    marker = request.node.get_closest_marker("django_db")
    transaction, reset_sequences, *_ = validate_django_db(marker) if marker is not None else (False, False)
    if transaction or reset_sequences or {"transactional_db", "live_server"} & set(request.fixturenames):
        pytest.fail("A module that uses review_world runs in one transaction: no transactional test in it.")


@pytest.fixture
def under_review_unaccepted(article, author, chair, reviewers):
    """Under review with reviewer1 and reviewer2 assigned, neither has answered yet."""
    return start_review(article, author, chair, reviewers[:2], accept=False)


@pytest.fixture
def make_cast(db):
    """A fresh set of users, for tests that need more than one article's cast."""

    def make(prefix: str):
        return {
            "author": make_author(f"{prefix}-author"),
            "chair": make_chair(f"{prefix}-chair"),
            "reviewers": [make_reviewer(f"{prefix}-reviewer{i}") for i in (1, 2, 3)],
        }

    return make


@pytest.fixture
def make_article(db):
    def make(*authors, **kwargs):
        return ArticleFactory(authors=list(authors), **kwargs)

    return make


def snapshot(article) -> dict:
    """Everything a refused action must leave as it was (in three queries: it is taken around every refusal)."""
    from django.db.models import F, Func, Subquery

    from articles.models import Article, PublishedVersion
    from reviewboard.models import Assignment, AuditEntry, Comment, SignOff

    def count(queryset):
        return Subquery(queryset.order_by().values(n=Func(F("pk"), function="COUNT")))

    fresh = (
        Article.objects.filter(pk=article.pk)
        .annotate(
            n_signoffs=count(SignOff.objects.all()),
            n_audit=count(AuditEntry.objects.all()),
            n_versions=count(PublishedVersion.objects.filter(article=article.pk)),
        )
        .values("state", "review_hash", "approved_at", "retraction_reason", "n_signoffs", "n_audit", "n_versions")
        .get()
    )
    return {
        **{name.removeprefix("n_"): value for name, value in fresh.items()},
        "assignments": sorted(Assignment.objects.filter(article=article.pk).values_list("pk", "closed_at", "due_at")),
        "comments": sorted(Comment.objects.filter(article=article.pk).values_list("pk", "resolved_at")),
    }


@pytest.fixture
def unchanged(django_capture_on_commit_callbacks, mailoutbox):
    """``with unchanged(article): <refused action>``: asserts the action changed nothing and sent nothing."""
    from contextlib import contextmanager

    @contextmanager
    def check(article):
        before = snapshot(article)
        mails = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            yield
        assert callbacks == []
        assert len(mailoutbox) == mails
        assert snapshot(article) == before

    return check
