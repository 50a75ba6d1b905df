"""Re-review: published articles past their review date are flagged once, and the chair told once."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection

from articles.content import content_from_article
from articles.models import Article, PublishedVersion, ReviewState
from articles.publishing import published_version_create, published_version_render
from reviewboard.delivery import outbox
from reviewboard.jobs import rereview
from reviewboard.jobs.rereview import flag_overdue_reviews
from reviewboard.models import EventDelivery
from tests.factories import ArticleFactory, UserFactory
from tests.reviewboard.jobs.conftest import T0

DAY = timedelta(days=1)


def approved_article(*, next_review_due, state=ReviewState.APPROVED, publish: bool = False, **kwargs) -> Article:
    article = ArticleFactory(
        state=state,
        approved_at=next_review_due - 365 * DAY,
        next_review_due=next_review_due,
        with_content=publish,
        **kwargs,
    )
    if publish:
        article = Article.objects.get(pk=article.pk)
        content = content_from_article(article)
        Article.objects.filter(pk=article.pk).update(review_hash=content.content_hash)
        version = published_version_create(
            article=article,
            content=content,
            reviewers=[{"name": "Dr Ada Osler", "credentials": "MD"}],
            approved_at=article.approved_at,
        )
        published_version_render(version_id=version.pk)
    return Article.objects.get(pk=article.pk)


def flags(article: Article) -> tuple[bool, object]:
    row = Article.objects.values_list("review_overdue", "review_overdue_notified_at").get(pk=article.pk)
    return row


def test_an_article_past_its_review_date_is_flagged_and_the_chair_told_once(chair, mailoutbox):
    overdue = approved_article(next_review_due=T0 - DAY, question="When should back pain be imaged?")
    not_yet = approved_article(next_review_due=T0 + 30 * DAY)

    summary = flag_overdue_reviews(now=T0)

    assert summary.flagged == (overdue.pk,)
    assert summary.chair_notified == (overdue.pk,)
    assert flags(overdue) == (True, T0)
    assert flags(not_yet) == (False, None)
    (message,) = mailoutbox
    assert message.to == [chair.email]
    assert message.subject == 'Due for re-review: "When should back pain be imaged?"'
    assert f"/admin/articles/article/{overdue.pk}/review/" in message.body
    assert "1 March 2026" in message.body
    assert message.alternatives[0][1] == "text/html"

    again = flag_overdue_reviews(now=T0 + 2 * DAY)

    assert (again.flagged, again.chair_notified) == ((), ())
    assert len(mailoutbox) == 1
    assert flags(overdue) == (True, T0)


def test_several_overdue_articles_make_one_digest(chair, mailoutbox):
    articles = [approved_article(next_review_due=T0 - n * DAY) for n in (1, 2, 3)]

    summary = flag_overdue_reviews(now=T0)

    assert sorted(summary.flagged) == sorted(a.pk for a in articles)
    (message,) = mailoutbox
    assert message.subject == "3 articles are due for re-review"


@pytest.mark.parametrize("state", [ReviewState.RETRACTED, ReviewState.ARCHIVED])
def test_retracted_and_archived_articles_are_not_flagged(chair, mailoutbox, state):
    article = approved_article(next_review_due=T0 - DAY, state=state)

    summary = flag_overdue_reviews(now=T0)

    assert summary.flagged == ()
    assert flags(article) == (False, None)
    assert mailoutbox == []


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.UNDER_REVIEW])
def test_an_article_being_revised_is_flagged_too_its_approved_version_is_still_live(chair, mailoutbox, state):
    article = approved_article(next_review_due=T0 - DAY, state=state)

    assert flag_overdue_reviews(now=T0).flagged == (article.pk,)
    assert flags(article) == (True, T0)


def test_a_never_approved_article_is_not_flagged(chair, mailoutbox):
    draft = ArticleFactory(with_content=False)

    assert flag_overdue_reviews(now=T0).flagged == ()
    assert flags(draft) == (False, None)


def test_moving_the_review_date_forward_unflags_and_a_later_date_notifies_again(chair, mailoutbox):
    article = approved_article(next_review_due=T0 - DAY)
    flag_overdue_reviews(now=T0)
    Article.objects.filter(pk=article.pk).update(next_review_due=T0 + 30 * DAY)

    summary = flag_overdue_reviews(now=T0 + DAY)

    assert summary.cleared == (article.pk,)
    assert flags(article) == (False, None)
    assert len(mailoutbox) == 1

    flag_overdue_reviews(now=T0 + 31 * DAY)

    assert flags(article) == (True, T0 + 31 * DAY)
    assert len(mailoutbox) == 2


def test_without_a_chair_the_flag_is_set_and_the_notice_waits(board_groups, mailoutbox):
    article = approved_article(next_review_due=T0 - DAY)

    summary = flag_overdue_reviews(now=T0)

    assert summary.flagged == (article.pk,)
    assert summary.no_chair == 1
    assert flags(article) == (True, None)
    assert mailoutbox == []

    chair = UserFactory(username="chair", groups=["Board chair"])
    later = flag_overdue_reviews(now=T0 + DAY)

    assert (later.flagged, later.chair_notified) == ((), (article.pk,))
    assert mailoutbox[0].to == [chair.email]
    assert flags(article) == (True, T0 + DAY)


def test_the_api_payload_says_review_overdue_after_the_flag(chair, mailoutbox, django_capture_on_commit_callbacks):
    article = approved_article(next_review_due=T0 - DAY, publish=True)
    version = PublishedVersion.objects.get(article=article)
    assert json.loads(version.payload_json)["review_overdue"] is False

    with django_capture_on_commit_callbacks(execute=True):
        flag_overdue_reviews(now=T0)

    version.refresh_from_db()
    assert json.loads(version.payload_json)["review_overdue"] is True


def test_a_failed_chair_email_is_retried_by_the_outbox_and_sent_once(chair, mailoutbox, settings):
    settings.EMAIL_BACKEND = "tests.reviewboard.jobs.helpers.AlwaysFailBackend"
    article = approved_article(next_review_due=T0 - DAY)

    assert flag_overdue_reviews(now=T0).chair_notified == (article.pk,)  # claimed with its digest event

    assert flags(article) == (True, T0)
    assert mailoutbox == []
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert flag_overdue_reviews(now=T0 + DAY).chair_notified == ()  # never a second notice
    outbox.deliver_pending(now=T0 + DAY)  # the digest's retry (and the flag's webhook event)
    (message,) = mailoutbox
    assert f"/admin/articles/article/{article.pk}/review/" in message.body
    (digest,) = EventDelivery.objects.filter(consumer="email.rereview_digest")
    assert (digest.state, digest.attempts) == ("delivered", 2)
    assert outbox.deliver_pending(now=T0 + 2 * DAY) == {}


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_flag_and_notify_each_article_once(chair, mailoutbox, monkeypatch):
    articles = [approved_article(next_review_due=T0 - n * DAY) for n in range(1, 9)]
    barrier = threading.Barrier(2, timeout=20)
    claim = rereview.claim
    met = threading.local()

    def claim_together(*args, **kwargs):  # both sweeps have read before either flags
        if not getattr(met, "done", False):
            met.done = True
            barrier.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(rereview, "claim", claim_together)
    results: list = [None, None]

    def sweep(index: int) -> None:
        try:
            results[index] = flag_overdue_reviews(now=T0)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    first, second = results
    assert sorted(first.flagged + second.flagged) == sorted(a.pk for a in articles)
    assert sorted(first.chair_notified + second.chair_notified) == sorted(a.pk for a in articles)
    for article in articles:
        assert sum(f"/admin/articles/article/{article.pk}/review/" in m.body for m in mailoutbox) == 1
