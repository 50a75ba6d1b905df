"""Webhooks on the real stack: PostgreSQL, Redis, a Celery worker, and a local HTTP receiver that
verifies every delivery with the ``standardwebhooks`` package.

A publication (the render that makes the version live), a retraction and a re-review flag (opened
from a reader's report) arrive signed and in order; a receiver that is down for a while gets what
it missed once it is back (the sweep resumes the queue), each event exactly once per event id.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviewboard import tasks as board_tasks
from reviewboard.clients.reports import report_create, report_open_rereview
from reviewboard.delivery import webhooks
from reviewboard.models import ReaderReport, WebhookAttempt, WebhookDelivery
from reviewboard.review import services
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory
from tests.http_receiver import Receiver
from tests.reviewboard.jobs.conftest import running_worker, wait_for

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("quorum_approves")]


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


def publish(chair):
    author, reviewers = AuthorFactory(), [ReviewerFactory(), ReviewerFactory()]
    article = services.article_submit(article=ArticleFactory(authors=[author], slug="back-pain"), user=author)
    for reviewer in reviewers:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    article = services.review_start(article=article, user=chair)
    for reviewer in reviewers:
        services.assignment_sign_off(
            assignment=article.assignments.get(reviewer=reviewer),
            reviewer=reviewer,
            content_hash=article.review_hash,
            accept=True,  # issue 18: accepting in the sign-off form
        )
    article.refresh_from_db()
    return article


def received(receiver, count: int, what: str) -> list[str]:
    wait_for(lambda: len(receiver.events()) >= count, what=what)
    return receiver.events()


def test_publication_retraction_and_rereview_arrive_signed_in_order_and_a_receiver_down_gets_them_later(
    celery_app, receiver, board_groups
):
    chair = ChairFactory(email="chair@example.org")
    # The events of readers' content (status moves, article.status_changed, are left out: they would
    # interleave with these; tests/reviewboard/review/test_review_tracker.py covers their fan-out).
    events = ["version.published", "version.retracted", "article.archived", "article.review_due"]
    endpoint = webhooks.webhook_endpoint_create(url=receiver.url, events=events)
    receiver.secrets = [endpoint.secret]

    with running_worker(celery_app):
        article = publish(chair)
        assert received(receiver, 1, "version.published") == ["version.published"]
        report = report_create(slug=article.slug, api_key_id=None, client_name="web", kind="outdated", text="Old dose.")
        article = services.article_retract(article=article, user=chair, reason="Dose error")
        assert received(receiver, 2, "version.retracted")[-1] == "version.retracted"
        report_open_rereview(report=ReaderReport.objects.get(pk=report.pk), user=chair)
        assert received(receiver, 3, "article.review_due") == [
            "version.published",
            "version.retracted",
            "article.review_due",
        ]
        assert all(r.verified and not r.error for r in receiver.received)

        # The receiver goes down; what happens meanwhile waits for it.
        receiver.stop()
        services.article_archive(article=article, user=chair)
        wait_for(
            lambda: WebhookAttempt.objects.filter(delivery__event_type="article.archived", ok=False).exists(),
            what="a failed attempt while the receiver is down",
        )
        receiver.start()
        board_tasks.deliver_due_webhooks.delay(now=(timezone.now() + timedelta(hours=1)).isoformat())
        assert received(receiver, 4, "article.archived after the receiver came back")[-1] == "article.archived"

    assert len(receiver.ids()) == len(set(receiver.ids())) == 4  # each event once per event id
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
