"""Reconciliation: renders that a lost task left pending are done; missing versions are reported."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from articles import publishing
from articles.content import content_from_article
from articles.models import Article, PublishedVersion, ReviewState
from articles.publishing import published_version_create, published_version_render
from references.models import Reference
from reviewboard.jobs.reconcile import reconcile_published
from tests.factories import ArticleFactory

GRACE_PASSED = timedelta(minutes=5)


def approve_without_render(**kwargs) -> PublishedVersion:
    """An approval whose render task never ran (its on_commit never fires inside the test transaction)."""
    article = ArticleFactory(**kwargs)
    content = content_from_article(Article.objects.get(pk=article.pk))
    Article.objects.filter(pk=article.pk).update(
        state=ReviewState.APPROVED,
        review_hash=content.content_hash,
        approved_at=timezone.now(),
        next_review_due=timezone.now() + timedelta(days=365),
    )
    return published_version_create(
        article=Article.objects.get(pk=article.pk),
        content=content,
        reviewers=[{"name": "Dr Ada Osler", "credentials": "MD"}],
        approved_at=timezone.now(),
    )


def test_a_version_left_unrendered_is_rendered_once_the_grace_has_passed(chair, mailoutbox):
    version = approve_without_render()

    within_grace = reconcile_published()

    assert within_grace.rendered == ()
    assert PublishedVersion.objects.get(pk=version.pk).rendered_at is None

    summary = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert summary.rendered == (version.pk,)
    assert summary.ok
    version.refresh_from_db()
    assert version.rendered_at is not None
    assert version.render_requested_at is None
    assert json.loads(version.payload_json)["question"] == version.source["question"]
    assert Article.objects.get(pk=version.article_id).live_version_id == version.pk
    assert mailoutbox == []


def test_running_it_again_changes_nothing_and_creates_no_version(chair):
    version = approve_without_render()
    reconcile_published(now=timezone.now() + GRACE_PASSED)
    before = PublishedVersion.objects.values_list("pk", "number", "payload_json", "etag", "rendered_at").get()

    again = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert again.rendered == ()
    assert PublishedVersion.objects.values_list("pk", "number", "payload_json", "etag", "rendered_at").get() == before
    assert before[0] == version.pk


def test_a_lost_regeneration_is_redone_from_the_corrected_record(chair):
    version = approve_without_render()
    published_version_render(version_id=version.pk)
    reference = Reference.objects.filter(published_citations__version=version).order_by("pk").first()
    Reference.objects.filter(pk=reference.pk).update(title="Corrected guideline title for low back pain")
    # What regenerate_for_reference does before its (lost) task: mark the version.
    PublishedVersion.objects.filter(pk=version.pk).update(render_requested_at=timezone.now())

    summary = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert summary.rendered == (version.pk,)
    version.refresh_from_db()
    assert version.render_requested_at is None
    # The payload keeps the approved citation and says beside it that its record was corrected since.
    refs = json.loads(version.payload_json)["references"]
    assert "Corrected guideline title for low back pain" not in [ref["title"] for ref in refs]
    assert [ref["notice"]["kind"] for ref in refs if ref["notice"]] == ["corrected"]
    assert PublishedVersion.objects.count() == 1


def test_one_version_that_cannot_render_does_not_stop_the_others(chair, monkeypatch, caplog):
    broken, fine = approve_without_render(), approve_without_render()
    render = publishing.published_version_render

    def render_or_fail(*, version_id):
        if version_id == broken.pk:
            raise ValueError("corrupt source")
        return render(version_id=version_id)

    monkeypatch.setattr(publishing, "published_version_render", render_or_fail)

    summary = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert summary.rendered == (fine.pk,)
    assert summary.failed == (broken.pk,)
    assert not summary.ok
    assert "could not render published version" in caplog.text


def test_an_approved_article_without_its_version_is_reported_loudly_not_invented(chair, mailoutbox, caplog):
    article = ArticleFactory(
        state=ReviewState.APPROVED,
        review_hash="c" * 64,
        approved_at=timezone.now(),
        question="Which exercises help chronic back pain?",
    )
    caplog.set_level(logging.ERROR, logger="reviewboard.jobs.reconcile")

    summary = reconcile_published()

    assert summary.missing == (article.pk,)
    assert summary.chair_told == (article.pk,)
    assert not summary.ok
    assert PublishedVersion.objects.count() == 0  # nothing invented
    assert f"Approved article {article.pk} ({article.slug}) has no published version" in caplog.text
    (message,) = mailoutbox
    assert message.to == [chair.email]
    assert message.subject == (
        'ACTION NEEDED: "Which exercises help chronic back pain?" is approved but has no published version'
    )
    assert "c" * 64 in message.body
    assert f"/admin/articles/article/{article.pk}/review/" in message.alternatives[0][0]

    caplog.clear()
    again = reconcile_published()

    assert again.missing == (article.pk,)  # logged every time...
    assert again.chair_told == ()  # ...emailed once a day
    assert "has no published version" in caplog.text
    assert len(mailoutbox) == 1


def test_a_version_of_other_content_does_not_count(chair, mailoutbox):
    version = approve_without_render()
    Article.objects.filter(pk=version.article_id).update(review_hash="d" * 64)

    summary = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert summary.missing == (version.article_id,)


@pytest.mark.parametrize("state", [ReviewState.DRAFT, ReviewState.UNDER_REVIEW, ReviewState.RETRACTED])
def test_articles_not_approved_are_not_reported(chair, mailoutbox, state):
    ArticleFactory(state=state, review_hash="c" * 64)

    assert reconcile_published().missing == ()
    assert mailoutbox == []


def approve_through_the_board(article, author, chair, reviewers) -> Article:
    from tests.reviewboard.conftest import sign, start_review

    article = start_review(article, author, chair, reviewers)
    for reviewer in reviewers:
        sign(Article.objects.get(pk=article.pk), reviewer)
    article = Article.objects.get(pk=article.pk)
    assert article.state == ReviewState.APPROVED
    return article


@pytest.fixture
def healthy_board(author, chair, reviewers, quorum_approves):
    """Many articles approved by the board's own workflow: approval clears ``review_hash``."""
    return [approve_through_the_board(ArticleFactory(authors=[author]), author, chair, reviewers[:2]) for _ in range(3)]


def test_a_healthy_board_with_many_approved_articles_reports_nothing_missing(healthy_board, mailoutbox):
    assert all(article.review_hash == "" for article in healthy_board)
    mailoutbox.clear()

    summary = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert summary.missing == ()
    assert summary.ok
    assert mailoutbox == []


def test_a_real_loss_on_a_healthy_board_is_reported_alone(healthy_board, chair, mailoutbox):
    lost = healthy_board[2]
    mailoutbox.clear()
    # Something bypassed the approval: the version of the approved content is gone (another content's is left).
    PublishedVersion.objects.filter(article=lost).update(content_hash="e" * 64)

    summary = reconcile_published(now=timezone.now() + GRACE_PASSED)

    assert summary.missing == (lost.pk,)
    assert summary.chair_told == (lost.pk,)
    (message,) = mailoutbox
    assert lost.question in message.subject
