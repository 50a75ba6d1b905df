"""The outbox delivers each event exactly once with a real broker and real workers: when the broker
is down during the action (the ``deliver_pending`` sweep sends it later) and when a worker is
killed in the middle of a delivery (the row lock and the transaction roll back: delivered again, once).
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.utils import timezone

from reviewboard import tasks as board_tasks
from reviewboard.delivery import outbox
from reviewboard.models import Event, EventDelivery
from reviewboard.review import services
from tests.factories import ArticleFactory, AuthorFactory, ReviewerFactory
from tests.reviewboard.jobs.conftest import (
    WAIT_SECONDS,
    broker_url,
    celery_on,
    purge_queues,
    running_worker,
    start_slow_worker,
    wait_for,
)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

LATER = timedelta(minutes=5)  # past the outbox's grace period: the sweep takes the event


def under_review(chair):
    """An article under review, one reviewer assigned; every event so far already delivered."""
    author, reviewer = AuthorFactory(email="author@example.org"), ReviewerFactory()
    article = services.article_submit(article=ArticleFactory(authors=[author]), user=author)
    services.assignment_create(article=article, reviewer=reviewer, user=chair)
    services.assignment_create(article=article, reviewer=ReviewerFactory(), user=chair)
    article = services.review_start(article=article, user=chair)
    # issue 18: the reviewer accepts before judging (a blocking comment counts only then)
    assignment = article.assignments.get(reviewer=reviewer, closed_at__isnull=True)
    services.assignment_accept(assignment=assignment, user=reviewer, no_conflict=True)
    Event.objects.update(dispatched_at=timezone.now())
    EventDelivery.objects.update(delivered_at=timezone.now())
    return article, author, reviewer


def blocking_comment(article, reviewer) -> Event:
    """The action under test: a blocking comment, whose event e-mails the authors."""
    services.comment_create(article=article, user=reviewer, body="Give the dose range.", blocking=True)
    return Event.objects.get(type="comment.blocking", article=article)


def mails_for(mailoutbox, author) -> list:
    return [m for m in mailoutbox if author.email in m.to]


def test_with_the_broker_down_the_event_waits_and_the_sweep_delivers_it_once(
    chair, throwaway_redis, settings, mailoutbox, caplog, celery_app
):
    article, author, reviewer = under_review(chair)
    mailoutbox.clear()
    with celery_on(throwaway_redis.url):
        throwaway_redis.stop()
        event = blocking_comment(article, reviewer)  # must not raise: the comment commits

    assert "the sweep will deliver it" in caplog.text
    event.refresh_from_db()
    assert (event.dispatched_at, event.attempts) == (None, 0)
    assert mails_for(mailoutbox, author) == []

    with running_worker(celery_app):
        board_tasks.deliver_pending_events.delay(now=(timezone.now() + LATER).isoformat())
        wait_for(
            lambda: Event.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists(),
            what="the sweep to deliver the event",
        )

    event.refresh_from_db()
    assert event.attempts == 1
    assert len(mails_for(mailoutbox, author)) == 1
    # nothing is left for the next sweep: never a second e-mail
    assert outbox.deliver_pending(now=timezone.now() + LATER) == {}
    assert len(mails_for(mailoutbox, author)) == 1


def _slow_outbox_worker(tmp_path: Path, marker: Path) -> subprocess.Popen:
    return start_slow_worker(
        tmp_path,
        module="tests.reviewboard.jobs.slow_outbox_worker",
        extra_env={"JOBS_SLOW_DELIVERY_MARKER": str(marker), "JOBS_SLOW_DELIVERY_SECONDS": "120"},
    )


@pytest.mark.parametrize("recovery", ["redelivery", "sweep"])
def test_a_worker_killed_in_the_middle_of_a_delivery_leaves_the_event_to_be_delivered_once(
    chair, celery_app, tmp_path, mailoutbox, recovery
):
    article, author, reviewer = under_review(chair)
    purge_queues(celery_app)  # the setup's deliveries are done already
    redis.Redis.from_url(broker_url()).delete("unacked", "unacked_index")
    mailoutbox.clear()
    marker = tmp_path / "delivering"
    worker = _slow_outbox_worker(tmp_path, marker)
    try:
        event = blocking_comment(article, reviewer)
        wait_for(
            marker.exists,
            what=f"the slow worker to be in the middle of the delivery (log: {tmp_path / 'slow_outbox_worker.log'})",
        )
        # while that worker holds the row, nobody else delivers it (SKIP LOCKED: not twice at once)
        assert outbox.deliver(event.pk) == "skipped"
    finally:
        worker.kill()  # SIGKILL: no warm shutdown, no ack, the delivery's transaction rolls back
        worker.wait(timeout=WAIT_SECONDS)

    assert marker.read_text() == str(event.pk)
    event.refresh_from_db()
    delivery = event.deliveries.get()
    assert (event.dispatched_at, delivery.attempts, delivery.delivered_at) == (None, 0, None)  # rolled back

    if recovery == "redelivery":
        # Another worker: the unacknowledged message comes back to the queue and is delivered.
        options = {"visibility_timeout": 2, "unacked_restore_interval": 1, "unacked_restore_throttle": 1}
        with celery_on(broker_url(), **options) as app, running_worker(app):
            wait_for(
                lambda: Event.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists(),
                what="the redelivered event",
            )
    else:
        # The message is lost with the worker: the periodic sweep delivers the pending event.
        redis.Redis.from_url(broker_url()).delete("unacked", "unacked_index")
        with running_worker(celery_app):
            board_tasks.deliver_pending_events.delay(now=(timezone.now() + LATER).isoformat())
            wait_for(
                lambda: Event.objects.filter(pk=event.pk, dispatched_at__isnull=False).exists(),
                what="the sweep to deliver the event",
            )

    event.refresh_from_db()
    assert event.attempts == 1
    assert [(d.consumer, d.attempts, d.state) for d in event.deliveries.all()] == [
        ("email.comment_blocking", 1, "delivered")
    ]
    assert len(mails_for(mailoutbox, author)) == 1
    assert outbox.deliver_pending(now=timezone.now() + LATER) == {}
    assert len(mails_for(mailoutbox, author)) == 1
