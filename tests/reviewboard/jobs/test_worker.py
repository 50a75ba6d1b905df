"""The Celery wiring on a real worker and the real Redis (never eager) and PostgreSQL.

- an approval's published version is rendered by the worker;
- with the broker down during an approval, the approval commits and the next reconciliation,
  run by a worker once the broker is back, publishes it;
- a worker killed (SIGKILL) in the middle of a regeneration leaves no duplicate and no missing
  version once a worker runs again (the message is redelivered; reconciliation finds nothing left);
- the sweeps run as tasks on the worker.
Every wait is bounded (``WAIT_SECONDS``) and every worker and redis-server is stopped.
"""

from __future__ import annotations

import json
import logging
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery.signals import task_postrun
from django.db import OperationalError
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from articles.content import content_from_article
from articles.models import Article, PublishedVersion, ReviewState
from articles.publishing import enqueue_render, published_version_create, published_version_render
from references.models import Reference
from reviewboard import tasks as board_tasks
from reviewboard.jobs import reconcile as reconcile_module
from reviewboard.jobs.reconcile import ReconcileSummary
from reviewboard.models import Assignment, ReviewRound
from reviewboard.review import services
from tests.factories import ArticleFactory, AuthorFactory, ReviewerFactory
from tests.reviewboard.jobs.conftest import (
    T0,
    WAIT_SECONDS,
    broker_url,
    celery_on,
    late_assignment,
    purge_queues,
    running_worker,
    start_slow_worker,
    wait_for,
)

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("quorum_approves")]


class RunLog(list):
    def __init__(self):
        super().__init__()
        self.states: list[tuple[str, str | None]] = []


@pytest.fixture
def ran_on_worker():
    """(task name, thread id) of every task the worker ran during the test; the end states in
    ``ran.states`` (SUCCESS, RETRY, FAILURE)."""
    ran = RunLog()

    def record(sender=None, **kwargs):
        ran.append((sender.name, threading.get_ident()))
        ran.states.append((sender.name, kwargs.get("state")))

    task_postrun.connect(record, weak=False)
    yield ran
    task_postrun.disconnect(record)


def review_with_one_sign_off_left(chair) -> tuple[Article, ReviewerFactory]:
    """Submitted, two reviewers assigned, review started, the first has signed off: the second
    reviewer's sign-off completes the quorum and approves the article."""
    author = AuthorFactory()
    first, second = ReviewerFactory(), ReviewerFactory()
    article = services.article_submit(article=ArticleFactory(authors=[author]), user=author)
    for reviewer in (first, second):
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    article = services.review_start(article=article, user=chair)
    _sign(article, first)
    return article, second


def _sign(article: Article, reviewer) -> None:
    services.assignment_sign_off(
        assignment=Assignment.objects.get(article=article, reviewer=reviewer, closed_at__isnull=True),
        reviewer=reviewer,
        content_hash=article.review_hash,
        accept=True,  # issue 18: accepting in the sign-off form
    )


def rendered(version_id: int) -> bool:
    return PublishedVersion.objects.filter(
        pk=version_id, rendered_at__isnull=False, render_requested_at__isnull=True
    ).exists()


def test_an_approval_is_published_through_the_worker(chair, celery_worker, ran_on_worker, client):
    article, last_reviewer = review_with_one_sign_off_left(chair)

    _sign(article, last_reviewer)  # completes the quorum: approved, version written, render enqueued

    article = Article.objects.get(pk=article.pk)
    assert article.state == ReviewState.APPROVED
    version = PublishedVersion.objects.get(article=article)
    wait_for(lambda: rendered(version.pk), what="the worker to render the approved version")
    assert ("articles.tasks.render_published_version", threading.get_ident()) not in ran_on_worker
    assert "articles.tasks.render_published_version" in {name for name, _ in ran_on_worker}
    assert Article.objects.get(pk=article.pk).live_version_id == version.pk
    payload = json.loads(PublishedVersion.objects.get(pk=version.pk).payload_json)
    assert (payload["slug"], payload["version"], payload["status"]) == (article.slug, 1, "approved")
    approved_round = ReviewRound.objects.get(article=article, outcome=ReviewRound.Outcome.APPROVED)
    assert payload["content_hash"] == version.content_hash == approved_round.content_hash

    # ... and client apps read it from the API.
    _, key = APIKey.objects.create_key(name="worker test client")
    response = client.get(f"/api/v1/articles/{article.slug}/", HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert response.status_code == 200
    assert response.json()["content_hash"] == approved_round.content_hash


def test_with_the_broker_down_the_approval_commits_and_reconciliation_publishes_it(
    chair, throwaway_redis, settings, caplog, ran_on_worker
):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    article, last_reviewer = review_with_one_sign_off_left(chair)
    with celery_on(throwaway_redis.url) as app:
        app.send_task("reviewboard.reconcile_published")  # the app is connected to this broker...
        assert redis.Redis.from_url(throwaway_redis.url).llen(app.conf.task_default_queue) == 1
        throwaway_redis.stop()  # ...and then it goes away

        _sign(article, last_reviewer)  # must not raise

    article = Article.objects.get(pk=article.pk)
    assert article.state == ReviewState.APPROVED
    version = PublishedVersion.objects.get(article=article)
    assert version.rendered_at is None
    assert version.render_requested_at is not None
    assert article.live_version_id is None
    assert f"Could not enqueue articles.tasks.render_published_version({version.pk}," in caplog.text

    with celery_on(broker_url()) as app:
        purge_queues(app)
        with running_worker(app):
            board_tasks.reconcile_published.delay(now=(timezone.now() + timedelta(minutes=5)).isoformat())
            wait_for(lambda: rendered(version.pk), what="the reconciliation to render the lost version")
        purge_queues(app)

    assert "reviewboard.reconcile_published" in {name for name, _ in ran_on_worker}
    assert Article.objects.get(pk=article.pk).live_version_id == version.pk
    assert PublishedVersion.objects.filter(article=article).count() == 1


def _published_and_rendered(chair) -> PublishedVersion:
    article = ArticleFactory()
    content = content_from_article(Article.objects.get(pk=article.pk))
    Article.objects.filter(pk=article.pk).update(
        state=ReviewState.APPROVED,
        review_hash=content.content_hash,
        approved_at=timezone.now(),
        next_review_due=timezone.now() + timedelta(days=365),
    )
    version = published_version_create(
        article=Article.objects.get(pk=article.pk),
        content=content,
        reviewers=[{"name": "Dr Ada Osler", "credentials": "MD"}],
        approved_at=timezone.now(),
    )
    return published_version_render(version_id=version.pk)


def _slow_worker(tmp_path: Path, marker: Path) -> subprocess.Popen:
    return start_slow_worker(
        tmp_path,
        module="tests.reviewboard.jobs.slow_worker",
        extra_env={"JOBS_SLOW_RENDER_MARKER": str(marker), "JOBS_SLOW_RENDER_SECONDS": "120"},
    )


@pytest.mark.parametrize("recovery", ["redelivery", "reconciliation"])
def test_a_worker_killed_in_the_middle_of_a_regeneration_leaves_no_duplicate_and_no_gap(
    chair, celery_app, tmp_path, ran_on_worker, recovery
):
    version = _published_and_rendered(chair)
    purge_queues(celery_app)  # the render this approval enqueued is done already
    redis.Redis.from_url(broker_url()).delete("unacked", "unacked_index")
    old_payload = PublishedVersion.objects.get(pk=version.pk).payload_json
    reference = Reference.objects.filter(published_citations__version=version).order_by("pk").first()
    marker = tmp_path / "rendering"
    worker = _slow_worker(tmp_path, marker)
    try:
        # What a correction does for the published versions citing the record: mark them and send the
        # render. (reference_correct also refreshes the payload in-process on commit, which would leave
        # the worker nothing to change; this test is about the worker's render, so it is done by hand.)
        Reference.objects.filter(pk=reference.pk).update(title="Low back pain guideline, corrected 2026 edition")
        PublishedVersion.objects.filter(pk=version.pk).update(render_requested_at=timezone.now())
        enqueue_render(version.pk)
        wait_for(
            marker.exists,
            what=f"the slow worker to be in the middle of the render (log: {tmp_path / 'slow_worker.log'})",
        )
    finally:
        worker.kill()  # SIGKILL: no warm shutdown, no ack, no rollback from the worker's side
        worker.wait(timeout=WAIT_SECONDS)

    assert marker.read_text() == str(version.pk)
    after_kill = PublishedVersion.objects.get(pk=version.pk)
    assert after_kill.payload_json == old_payload  # the half-done render was rolled back
    assert after_kill.render_requested_at is not None  # and is still marked as pending

    if recovery == "redelivery":
        # Another worker: the unacknowledged message comes back to the queue and is rendered.
        options = {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        with celery_on(broker_url(), **options) as app, running_worker(app):
            wait_for(lambda: rendered(version.pk), what="the redelivered render")
        expected_task = "articles.tasks.render_published_version"
    else:
        # The message is lost with the worker (say Redis lost it too): the periodic sweep repairs it.
        redis.Redis.from_url(broker_url()).delete("unacked", "unacked_index")
        with running_worker(celery_app):
            board_tasks.reconcile_published.delay(now=(timezone.now() + timedelta(minutes=5)).isoformat())
            wait_for(lambda: rendered(version.pk), what="the reconciliation to redo the render")
        expected_task = "reviewboard.reconcile_published"

    versions = list(PublishedVersion.objects.filter(article_id=version.article_id))
    assert [(v.pk, v.number) for v in versions] == [(version.pk, 1)]
    # Re-rendered with the approved citation and a notice that its record was corrected since.
    refs = json.loads(versions[0].payload_json)["references"]
    assert "Low back pain guideline, corrected 2026 edition" not in [ref["title"] for ref in refs]
    assert [ref["notice"]["kind"] for ref in refs if ref["notice"]] == ["corrected"]
    assert Article.objects.get(pk=version.article_id).live_version_id == version.pk
    assert expected_task in {name for name, _ in ran_on_worker}
    # Nothing is left for the reconciliation sweep either.
    assert reconcile_module.reconcile_published(now=timezone.now() + timedelta(minutes=5)).rendered == ()


def test_the_reminder_sweep_runs_as_a_task_on_the_worker(chair, reviewer, celery_worker, mailoutbox, ran_on_worker):
    assignment = late_assignment(reviewer)

    board_tasks.send_due_reminders.delay(now=T0.isoformat())

    wait_for(
        lambda: Assignment.objects.filter(pk=assignment.pk, reminders_sent=1).exists(),
        what="the worker to run the reminder sweep",
    )
    assert "reviewboard.send_due_reminders" in {name for name, _ in ran_on_worker}
    assert [m.to for m in mailoutbox] == [[reviewer.email]]


def test_enqueue_after_commit_logs_a_broker_that_is_down(transactional_db, throwaway_redis, caplog):
    caplog.set_level(logging.ERROR, logger="reviewboard.tasks")
    with celery_on(throwaway_redis.url):
        throwaway_redis.stop()
        board_tasks.enqueue_after_commit(board_tasks.reconcile_published)  # outside a transaction: now

    assert "Could not enqueue reviewboard.reconcile_published" in caplog.text


def test_a_transient_error_is_retried_with_backoff_and_a_bug_is_not(chair, celery_worker, monkeypatch, ran_on_worker):
    calls: list[str] = []

    def flaky(**kwargs):
        calls.append("call")
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return ReconcileSummary()

    monkeypatch.setattr(reconcile_module, "reconcile_published", flaky)
    board_tasks.reconcile_published.delay()

    wait_for(
        lambda: ("reviewboard.reconcile_published", "SUCCESS") in ran_on_worker.states,
        what="the retried sweep (backoff up to 10 s)",
    )
    assert calls == ["call", "call"]
    assert [state for name, state in ran_on_worker.states] == ["RETRY", "SUCCESS"]

    def buggy(**kwargs):
        calls.append("bug")
        raise ValueError("a bug is not retried")

    monkeypatch.setattr(reconcile_module, "reconcile_published", buggy)
    board_tasks.reconcile_published.delay()

    wait_for(lambda: ("reviewboard.reconcile_published", "FAILURE") in ran_on_worker.states, what="the failure")
    assert calls == ["call", "call", "bug"]
