"""Published versions: creation in the approval transaction, rendering, idempotency, regeneration."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from articles import publishing
from articles.content import content_from_article
from articles.models import Article, PublishedCitation, PublishedVersion, Section
from articles.publishing import (
    article_payload_refresh,
    published_version_create,
    published_version_render,
    regenerate_for_reference,
)
from config import queue
from config.exceptions import NotFound
from references.models import Reference
from tests.articles.publishing_helpers import REVIEWERS, approve, big_article, set_state
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(db):
    return ArticleFactory()


def test_create_writes_next_number_source_and_citations_and_enqueues_after_commit(
    article, django_capture_on_commit_callbacks, monkeypatch
):
    enqueued = []
    monkeypatch.setattr(queue, "enqueue_now", lambda task, *args: enqueued.append((task, *args)))
    content = content_from_article(article)
    approved_at = timezone.now()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        version = published_version_create(
            article=article, content=content, reviewers=REVIEWERS, approved_at=approved_at
        )
        assert enqueued == []  # nothing is sent while the transaction is open

    assert version.number == 1
    assert version.source == content.as_source()
    assert version.content_hash == content.content_hash
    assert version.question == article.question
    assert version.topic == "back pain"
    assert [{k: r[k] for k in ("name", "credentials")} for r in version.reviewers] == REVIEWERS
    assert version.rendered_at is None
    assert version.payload_json == ""
    assert version.render_requested_at is not None
    cited = dict(PublishedCitation.objects.filter(version=version).values_list("number", "reference_id"))
    assert cited == dict(article.citations.values_list("number", "reference_id"))
    assert len(callbacks) == 1
    callbacks[0]()
    assert enqueued == [(publishing.RENDER_TASK, version.pk)]
    article.refresh_from_db()
    assert article.live_version_id is None  # not live until rendered


def test_create_numbers_versions_per_article(article):
    other = ArticleFactory()
    first = approve(article)
    second = approve(article)
    other_first = approve(other)
    assert (first.number, second.number, other_first.number) == (1, 2, 1)


def test_render_builds_the_full_payload_and_moves_live(article):
    version = approve(article, reviewers=[{"name": "Dr Ada Osler", "credentials": "MD, FACP", "extra": "x"}])
    article.refresh_from_db()
    payload = json.loads(version.payload_json)

    assert article.live_version_id == version.pk
    assert version.rendered_at is not None
    assert version.render_requested_at is None
    assert version.etag.startswith('"')
    assert len(version.etag) == 34
    assert payload["slug"] == article.slug
    assert payload["question"] == article.question
    assert payload["version"] == 1
    assert payload["status"] == "approved"
    assert payload["content_hash"] == version.content_hash
    assert payload["review_overdue"] is False
    assert payload["next_review_due"].endswith("Z")
    assert payload["reviewers"] == [{"name": "Dr Ada Osler", "credentials": "MD, FACP"}]
    assert [s["heading"] for s in payload["sections"]] == ["First-line treatment", "Medication"]
    assert payload["sections"][1]["citations"] == [1, 2]
    assert 'href="#ref-2"' in payload["sections"][1]["html"]
    assert "<" not in payload["sections"][0]["text"]
    assert [r["number"] for r in payload["references"]] == [1, 2]
    assert set(payload["references"][0]) == {
        "number",
        "kind",
        "title",
        "publisher",
        "year",
        "doi",
        "pmid",
        "url",
        "notice",
    }
    assert payload["references"][0]["notice"] is None  # the record is unchanged since the approval
    assert payload["disclaimer"]
    # canonical serialisation: sorted keys, compact
    assert version.payload_json == json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    summary = json.loads(version.summary_json)
    assert set(summary) == set(publishing.SUMMARY_FIELDS)


def test_render_twice_gives_identical_bytes_and_does_not_touch_rendered_at(article):
    version = approve(article)
    before = (version.payload_json, version.etag, version.rendered_at)

    published_version_render(version_id=version.pk)
    published_version_render(version_id=version.pk)

    version.refresh_from_db()
    assert (version.payload_json, version.etag, version.rendered_at) == before


def test_render_of_unknown_version_is_not_found(db):
    with pytest.raises(NotFound):
        published_version_render(version_id=999999)


def test_newer_version_goes_live_and_older_becomes_superseded_never_backwards(article):
    first = approve(article)
    second = approve(article)
    article.refresh_from_db()
    assert article.live_version_id == second.pk

    published_version_render(version_id=first.pk)  # re-rendering the old one never moves live back

    article.refresh_from_db()
    first.refresh_from_db()
    assert article.live_version_id == second.pk
    old = json.loads(first.payload_json)
    assert old["status"] == "superseded"
    assert old["next_review_due"] is None
    assert json.loads(second.payload_json)["status"] == "approved"


def test_out_of_order_render_keeps_the_newest_live(article):
    first = approve(article, render=False)
    second = approve(article, render=False)

    published_version_render(version_id=second.pk)
    published_version_render(version_id=first.pk)

    article.refresh_from_db()
    assert article.live_version_id == second.pk


def test_revising_an_approved_article_never_touches_the_live_payload(article):
    version = approve(article)
    set_state(article, "draft")
    Section.objects.filter(article=article, position=1).update(body="Rewritten draft text [1].")
    Article.objects.filter(pk=article.pk).update(question="A draft question")

    published_version_render(version_id=version.pk)

    version.refresh_from_db()
    payload = json.loads(version.payload_json)
    assert payload["question"] == "What are the treatment options for back pain?"
    assert "Rewritten" not in version.payload_json


def test_correcting_a_reference_regenerates_every_version_citing_it_with_source_unchanged(
    article, django_capture_on_commit_callbacks, eager_tasks
):
    first = approve(article)
    second = approve(article)
    untouched = approve(ArticleFactory())
    reference = article.citations.get(number=1).reference
    sources = {v.pk: v.source for v in (first, second)}
    untouched_bytes = untouched.payload_json

    Reference.objects.filter(pk=reference.pk).update(title="Corrected guideline title", updated_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        count = regenerate_for_reference(reference.pk)

    assert count == 2
    for version in (first, second):
        version.refresh_from_db()
        assert version.source == sources[version.pk]
        # Readers keep the approved citation data, with a notice that the record was corrected since.
        cited = json.loads(version.payload_json)["references"][0]
        assert cited["title"] == version.source["citations"][0]["reference"]["title"] != "Corrected guideline title"
        assert cited["notice"]["kind"] == "corrected"
        assert version.render_requested_at is None
    untouched.refresh_from_db()
    assert untouched.payload_json == untouched_bytes


def test_regenerate_for_reference_not_cited_enqueues_nothing(article, django_capture_on_commit_callbacks):
    approve(article)
    loose = Reference.objects.create(title="Unrelated", doi="10.1000/unrelated")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert regenerate_for_reference(loose.pk) == 0
    assert callbacks == []


def test_a_deleted_reference_record_falls_back_to_the_approved_data(article):
    version = approve(article)
    title = json.loads(version.payload_json)["references"][1]["title"]
    PublishedCitation.objects.filter(version=version, number=2).update(reference=None)

    published_version_render(version_id=version.pk)

    version.refresh_from_db()
    assert json.loads(version.payload_json)["references"][1]["title"] == title


def test_payload_refresh_bakes_review_overdue_into_the_live_payload(article):
    version = approve(article)
    etag = version.etag

    overdue = timezone.now() - timedelta(days=1)
    Article.objects.filter(pk=article.pk).update(review_overdue=True, next_review_due=overdue)
    changed = article_payload_refresh(article.pk)

    version.refresh_from_db()
    assert changed == 1
    assert json.loads(version.payload_json)["review_overdue"] is True
    assert version.etag != etag
    assert article_payload_refresh(article.pk) == 0  # nothing moved: nothing written


def test_payload_refresh_of_unknown_article_is_zero(db):
    assert article_payload_refresh(424242) == 0


def test_render_of_a_large_article_is_deterministic(db):
    article = big_article(sections=10, citations=12)
    version = approve(article)
    payload_json = version.payload_json
    PublishedVersion.objects.filter(pk=version.pk).update(payload_json="", summary_json="", etag="")

    published_version_render(version_id=version.pk)

    version.refresh_from_db()
    assert version.payload_json == payload_json
    assert len(json.loads(payload_json)["references"]) == 12


def test_create_inside_an_outer_transaction_rolls_back_with_it(article):
    def approval_that_fails_later():
        with transaction.atomic():
            published_version_create(
                article=article, content=content_from_article(article), reviewers=[], approved_at=timezone.now()
            )
            raise RuntimeError("approval failed later")

    with pytest.raises(RuntimeError):
        approval_that_fails_later()
    assert not PublishedVersion.objects.exists()
    assert not PublishedCitation.objects.exists()


def test_a_broker_that_is_down_leaves_the_version_marked_for_the_sweep(article, monkeypatch, caplog):
    from kombu.exceptions import OperationalError as BrokerError

    from articles import tasks
    from articles.selectors import versions_needing_render

    def broker_down(*args, **kwargs):
        raise BrokerError("connection refused")

    monkeypatch.setattr(tasks.render_published_version, "delay", broker_down)
    version = approve(article, render=False)

    publishing.enqueue_render(version.pk)  # what the on-commit callback runs: logged, not raised

    assert "Could not enqueue" in caplog.text
    assert list(versions_needing_render()) == [version]
    published_version_render(version_id=version.pk)
    assert list(versions_needing_render()) == []


def test_the_render_task_is_thin_and_idempotent(article):
    from articles.tasks import render_published_version

    version = approve(article, render=False)

    first = render_published_version.apply(args=[version.pk]).get()
    second = render_published_version.apply(args=[version.pk]).get()

    version.refresh_from_db()
    assert first == second == version.etag
    assert render_published_version.apply(args=[987654]).get() == "missing"
