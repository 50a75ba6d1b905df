"""Two people acting at once: real threads, real PostgreSQL connections, one result.

Each worker thread has its own database connection (Django's are per thread) and waits on a
barrier, so the racing calls start together. A small delay inside the locked section (while the
content hash is computed) widens the window in which an unlocked implementation would let both
requests read the same state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django_fsm import ConcurrentTransition

from articles.models import Article, PublishedVersion, ReviewState
from config.celery import app as celery_app
from config.exceptions import Conflict, ServiceError
from reviewboard.audit.chain import audit_verify
from reviewboard.models import Assignment, AuditEntry, SignOff
from reviewboard.review import selectors, services
from reviewboard.review.actions.runner import FSM
from tests.factories import ArticleFactory
from tests.reviewboard.conftest import make_author, make_chair, make_reviewer, sign, start_review, submit

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("quorum_approves")]


@pytest.fixture(autouse=True)
def _setup(board_groups, monkeypatch, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    real_hash = selectors.article_content_hash

    def slow_hash(article):
        time.sleep(0.05)
        return real_hash(article)

    monkeypatch.setattr(selectors, "article_content_hash", slow_hash)
    # Renders run in-process after commit (no worker in these tests).
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = eager


def race(*calls: Callable[[], Any]) -> list[tuple[str, Any]]:
    """Run ``calls`` in threads released together; each result is ("ok", value) or ("error", exception)."""
    barrier = threading.Barrier(len(calls))
    results: list[tuple[str, Any]] = [("missing", None)] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=20)
            results[index] = ("ok", call())
        except ServiceError as error:
            results[index] = ("error", error)
        except Exception as error:  # noqa: BLE001 - a crash must show up as a result, not kill the thread
            results[index] = ("crash", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing call hung"
    return results


@pytest.fixture
def cast():
    return {
        "author": make_author("race-author"),
        "chairs": [make_chair("race-chair1"), make_chair("race-chair2")],
        "reviewers": [make_reviewer(f"race-reviewer{i}") for i in (1, 2, 3)],
    }


def test_the_final_two_sign_offs_at_once_approve_exactly_once(cast):
    article = ArticleFactory(authors=[cast["author"]])
    article = start_review(article, cast["author"], cast["chairs"][0], cast["reviewers"][:2])
    r1, r2 = cast["reviewers"][:2]
    audit_before = AuditEntry.objects.count()

    results = race(lambda: sign(article, r1), lambda: sign(article, r2))

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert sorted(signoff.article.state for _, signoff in results) == ["approved", "under_review"]
    article.refresh_from_db()
    assert article.state == ReviewState.APPROVED
    assert SignOff.objects.filter(article=article, decision="approve").count() == 2
    assert PublishedVersion.objects.filter(article=article).count() == 1
    new = list(AuditEntry.objects.filter(seq__gt=audit_before).values_list("action", flat=True))
    assert sorted(new) == ["approve", "sign_off", "sign_off"]
    assert new[-1] == "approve"
    assert audit_verify() is None
    version = PublishedVersion.objects.get(article=article)
    assert version.rendered_at is not None  # the render ran after the approval committed


def test_a_third_sign_off_racing_the_approving_one_is_refused(cast):
    article = ArticleFactory(authors=[cast["author"]])
    article = start_review(article, cast["author"], cast["chairs"][0], cast["reviewers"])
    r1, r2, r3 = cast["reviewers"]
    sign(article, r1)
    audit_before = AuditEntry.objects.count()

    results = race(lambda: sign(article, r2), lambda: sign(article, r3))

    kinds = sorted(kind for kind, _ in results)
    assert kinds == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert isinstance(error, Conflict)
    assert error.code == "invalid-state"  # the winner approved; the loser's sign-off is not recorded
    assert PublishedVersion.objects.filter(article=article).count() == 1
    assert SignOff.objects.filter(article=article, decision="approve").count() == 2
    assert list(AuditEntry.objects.filter(seq__gt=audit_before).values_list("action", flat=True)) == [
        "sign_off",
        "approve",
    ]


def test_two_chairs_start_the_same_review_at_once(cast):
    article = ArticleFactory(authors=[cast["author"]])
    article = submit(article, cast["author"])
    for reviewer in cast["reviewers"][:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=cast["chairs"][0])
    mail.outbox = []

    results = race(
        *(lambda chair=chair: services.review_start(article=article, user=chair) for chair in cast["chairs"])
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    error = next(value for kind, value in results if kind == "error")
    assert (type(error), error.code, error.detail["state"]) == (Conflict, "invalid-state", "under_review")
    assert AuditEntry.objects.filter(article=article, action="start_review").count() == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in cast["reviewers"][:2])
    assert Article.objects.get(pk=article.pk).state == ReviewState.UNDER_REVIEW


def test_an_author_submitting_twice_at_once_submits_once(cast):
    article = ArticleFactory(authors=[cast["author"]])

    results = race(*(lambda: services.article_submit(article=article, user=cast["author"]) for _ in range(2)))

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert AuditEntry.objects.filter(article=article, action="submit").count() == 1


def test_withdraw_racing_start_review_gives_one_result(cast):
    article = ArticleFactory(authors=[cast["author"]])
    article = submit(article, cast["author"])
    for reviewer in cast["reviewers"][:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=cast["chairs"][0])

    results = race(
        lambda: services.review_start(article=article, user=cast["chairs"][0]),
        lambda: services.article_withdraw(article=article, user=cast["author"], comment="Pulling it"),
    )

    kinds = [kind for kind, _ in results]
    assert "crash" not in kinds, results
    article.refresh_from_db()
    transitions = list(
        AuditEntry.objects.filter(article=article, action__in=["start_review", "withdraw"]).values_list(
            "action", flat=True
        )
    )
    # Either order is legal (withdraw is allowed from under review too), but each ran once and the
    # final state is the last one's target.
    if kinds == ["ok", "ok"]:
        assert article.state == ReviewState.DRAFT
        assert transitions == ["start_review", "withdraw"]
    else:
        assert kinds == ["error", "ok"]
        assert article.state == ReviewState.DRAFT
        assert transitions == ["withdraw"]
    assert not Assignment.objects.filter(article=article, closed_at__isnull=True).exists()


def test_two_chairs_assigning_the_same_reviewer_at_once(cast):
    article = submit(ArticleFactory(authors=[cast["author"]]), cast["author"])
    reviewer = cast["reviewers"][0]

    results = race(
        *(
            lambda chair=chair: services.assignment_create(article=article, reviewer=reviewer, user=chair)
            for chair in cast["chairs"]
        )
    )

    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert next(value for kind, value in results if kind == "error").code == "already-assigned"
    assert Assignment.objects.filter(article=article, reviewer=reviewer).count() == 1
    assert AuditEntry.objects.filter(article=article, action="assign").count() == 1


def test_concurrent_appends_on_different_articles_keep_one_chain(cast):
    articles = [submit(ArticleFactory(authors=[cast["author"]]), cast["author"]) for _ in range(4)]
    before = AuditEntry.objects.count()

    results = race(
        *(
            lambda article=article: services.comment_create(article=article, user=cast["author"], body="Note")
            for article in articles
        )
    )

    assert [kind for kind, _ in results] == ["ok"] * 4, results
    seqs = list(AuditEntry.objects.order_by("id").values_list("seq", flat=True))
    assert seqs == list(range(1, before + 5))
    assert audit_verify() is None


def test_a_stale_instance_cannot_overwrite_a_newer_state(cast):
    """ConcurrentTransitionMixin behind the row lock: saving a transition from a stale read is a conflict."""
    article = ArticleFactory(authors=[cast["author"]])
    first = Article.objects.get(pk=article.pk)
    second = Article.objects.get(pk=article.pk)
    FSM["archive"](first)
    first.save()

    FSM["submit"](second)
    with pytest.raises(ConcurrentTransition):
        second.save()

    assert Article.objects.get(pk=article.pk).state == ReviewState.ARCHIVED
