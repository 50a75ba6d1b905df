"""The seed page's review tracker for client apps: ``GET /api/v1/articles/{slug}/status/``, the
``article.status_changed`` event (outbox, webhooks, the changes feed's ``type=status``), and the
opt-in pending content ``GET /api/v1/pending/{slug}/``. Articles move through the real services."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from articles.content import content_from_article
from articles.models import Article, PendingContent, PublishedVersion
from articles.publishing import iso_datetime, published_version_render
from references.models import Reference
from reviewboard.delivery import webhooks
from reviewboard.models import Event, ReviewRound
from reviewboard.review import services
from reviewboard.review.services.content import content_update
from tests.reviewboard.conftest import sign, start_review, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_api_caches", "quorum_approves")]

STATUS_KEYS = {
    "slug",
    "status",
    "current_step",
    "round",
    "steps",
    "revision_in_review",
    "live_version",
    "last_updated",
    "review_overdue",
    "next_review_due",
    "editorial_policy_url",
    "pending_url",
}
CAUTION = "Educational purpose only • Exercise caution as content is pending human review"


@pytest.fixture
def api(client):
    _, key = APIKey.objects.create_key(name="web site")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


@pytest.fixture
def policy(settings):
    settings.EDITORIAL_POLICY_URL = "https://publisher.example.org/editorial-policy"
    return settings.EDITORIAL_POLICY_URL


@pytest.fixture
def pending_on(settings):
    settings.API_PENDING_CONTENT = True
    return settings


def status_of(api, article):
    response = api.get(f"/api/v1/articles/{article.slug}/status/")
    assert response.status_code == 200, response.content
    return response.json()


def reached(body) -> dict:
    return {step["step"]: step["reached_at"] for step in body["steps"]}


def current(body) -> list[str]:
    return [step["step"] for step in body["steps"] if step["current"]]


def within(value: str | None, start, end) -> bool:
    return value is not None and iso_datetime(start) <= value <= iso_datetime(end)


def approve_by_signoffs(article, reviewers):
    sign(article, reviewers[0])
    sign(article, reviewers[1])
    version = PublishedVersion.objects.filter(article=article).order_by("-number").first()
    published_version_render(version_id=version.pk)  # the after-commit render, run here
    return Article.objects.get(pk=article.pk)


def status_events(article) -> list[dict]:
    return list(
        Event.objects.filter(article=article, type="article.status_changed")
        .order_by("pk")
        .values_list("payload", flat=True)
    )


# --- the tracker moves ------------------------------------------------------------------------------


def test_the_tracker_moves_through_submit_start_approve_revise_and_resubmit_with_its_dates(
    api, article, author, chair, reviewers, policy
):
    t0 = timezone.now()
    article = submit(article, author)
    t1 = timezone.now()
    body = status_of(api, article)
    assert set(body) == STATUS_KEYS
    assert (body["status"], body["current_step"], body["round"]) == ("submitted", "submitted", 1)
    assert current(body) == ["submitted"]
    assert within(reached(body)["submitted"], t0, t1)
    assert reached(body)["under_review"] is None
    assert reached(body)["approved"] is None
    assert [s["label"] for s in body["steps"]] == ["Submitted", "Under Review", "Approved"]
    assert body["live_version"] is None
    assert body["revision_in_review"] is False
    assert body["editorial_policy_url"] == policy
    submitted_at = reached(body)["submitted"]

    for reviewer in reviewers[:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    t2 = timezone.now()
    article = services.review_start(article=article, user=chair)
    t3 = timezone.now()
    body = status_of(api, article)
    assert (body["status"], current(body)) == ("under_review", ["under_review"])
    assert reached(body)["submitted"] == submitted_at
    assert within(reached(body)["under_review"], t2, t3)
    started_at = reached(body)["under_review"]

    t4 = timezone.now()
    article = approve_by_signoffs(article, reviewers)
    t5 = timezone.now()
    body = status_of(api, article)
    assert (body["status"], current(body), body["round"]) == ("approved", ["approved"], 1)
    assert (reached(body)["submitted"], reached(body)["under_review"]) == (submitted_at, started_at)
    assert within(reached(body)["approved"], t4, t5)
    live = body["live_version"]
    assert (live["version"], live["round"], live["url"]) == (1, 1, f"/api/v1/articles/{article.slug}/")
    assert (live["submitted_at"], live["review_started_at"], live["approved_at"]) == (
        submitted_at,
        started_at,
        reached(body)["approved"],
    )
    assert body["last_updated"] == live["last_updated"]
    assert body["next_review_due"] is not None
    assert body["review_overdue"] is False
    approved_body = body

    # A revision started: readers still get the approved version and its cycle; nothing moved.
    events_before = len(status_events(article))
    article = services.article_revise(article=article, user=author, change_summary="Lower starting dose.")
    assert status_of(api, article) == approved_body
    assert len(status_events(article)) == events_before

    t6 = timezone.now()
    article = submit(article, author)
    t7 = timezone.now()
    body = status_of(api, article)
    assert (body["status"], current(body), body["round"]) == ("submitted", ["submitted"], 2)
    assert within(reached(body)["submitted"], t6, t7)
    assert reached(body)["under_review"] is None
    assert reached(body)["approved"] is None
    assert body["revision_in_review"] is True
    assert body["live_version"] == live  # the approved version, with its own cycle's dates

    assert [(e["status"], e["current_step"], e["round"]) for e in status_events(article)] == [
        ("submitted", "submitted", 1),
        ("under_review", "under_review", 1),
        ("approved", "approved", 1),
        ("submitted", "submitted", 2),
    ]


def test_changes_requested_stays_at_under_review_and_a_resubmission_starts_the_next_round(
    api, under_review, author, reviewers
):
    article = services.article_request_changes(article=under_review, user=reviewers[0], comment="Cite the dose [2].")
    body = status_of(api, article)
    assert (body["status"], body["current_step"], body["round"]) == ("changes_requested", "under_review", 1)
    assert reached(body)["under_review"] is not None

    article = submit(article, author)
    body = status_of(api, article)
    assert (body["status"], body["current_step"], body["round"]) == ("submitted", "submitted", 2)
    assert reached(body)["under_review"] is None
    assert reached(body)["submitted"] == iso_datetime(ReviewRound.objects.get(article=article, number=2).opened_at)


def test_a_withdrawn_article_says_so_without_a_current_step(api, submitted, author):
    article = services.article_withdraw(article=submitted, user=author, comment="Not ready.")
    body = status_of(api, article)
    assert (body["status"], body["current_step"], body["round"]) == ("withdrawn", None, 1)
    assert current(body) == []


def test_a_withdrawn_revision_leaves_the_approved_cycle(api, under_review, author, reviewers):
    article = approve_by_signoffs(under_review, reviewers)
    approved = status_of(api, article)
    article = services.article_revise(article=article, user=author, change_summary="Newer guideline.")
    article = submit(article, author)
    assert status_of(api, article)["revision_in_review"] is True
    article = services.article_withdraw(article=article, user=author, comment="Later.")
    body = status_of(api, article)
    assert (body["status"], body["current_step"], body["round"]) == ("approved", "approved", 1)
    assert body["steps"] == approved["steps"]
    assert body["revision_in_review"] is False


def test_a_never_submitted_draft_answers_404_exactly_like_an_unknown_slug(api, article):
    draft = api.get(f"/api/v1/articles/{article.slug}/status/")
    unknown = api.get("/api/v1/articles/no-such-article/status/")

    assert draft.status_code == unknown.status_code == 404
    assert draft.content == unknown.content
    assert draft["Cache-Control"] == unknown["Cache-Control"] == "no-store"


def test_a_retracted_article_answers_410_with_the_reason_as_the_detail_does(api, under_review, chair, reviewers):
    article = approve_by_signoffs(under_review, reviewers)
    services.article_retract(article=article, user=chair, reason="The dose was wrong.")

    response = api.get(f"/api/v1/articles/{article.slug}/status/")
    detail = api.get(f"/api/v1/articles/{article.slug}/")

    assert response.status_code == 410
    assert response.json() == detail.json()
    assert response.json()["error"]["detail"]["reason"] == "The dose was wrong."
    assert response["Cache-Control"] == "no-store"
    assert status_events(article)[-1]["status"] == "retracted"


def test_an_archived_article_answers_404(api, submitted, chair):
    article = services.article_archive(article=submitted, user=chair)
    assert api.get(f"/api/v1/articles/{article.slug}/status/").status_code == 404
    assert status_events(article)[-1] == {"status": "archived", "current_step": None, "round": 1}


def test_status_never_carries_unapproved_text_reviewers_comments_or_internal_fields(
    api, under_review, author, chair, reviewers
):
    article = approve_by_signoffs(under_review, reviewers)
    article = services.article_revise(article=article, user=author, change_summary="SECRET-SUMMARY")
    content = content_from_article(article)
    first = dataclasses.replace(content.sections[0], body="SECRET-UNAPPROVED-BODY [1].")
    content_update(
        article=article,
        user=author,
        content=dataclasses.replace(content, question="SECRET-QUESTION?", sections=(first, *content.sections[1:])),
    )
    article = start_review(Article.objects.get(pk=article.pk), author, chair, reviewers[:2])
    services.comment_create(article=article, user=reviewers[0], body="SECRET-COMMENT", blocking=True)

    response = api.get(f"/api/v1/articles/{article.slug}/status/")

    text = response.content.decode()
    assert set(response.json()) == STATUS_KEYS
    assert response.json()["status"] == "under_review"
    assert response.json()["revision_in_review"] is True
    for secret in (
        "SECRET",
        article.review_hash,
        *(r.get_username() for r in reviewers),
        chair.get_username(),
        author.get_username(),
        "Dr ",
        "question",
        "sections",
        "comment",
        "reviewer",
    ):
        assert secret not in text, secret


# --- caching, ETag, queries --------------------------------------------------------------------------


def test_status_is_cached_like_the_detail_with_its_own_surrogate_key_and_answers_304(api, submitted):
    url = f"/api/v1/articles/{submitted.slug}/status/"
    response = api.get(url)

    assert response["Cache-Control"] == "public, max-age=60, stale-while-revalidate=30"
    assert response["Vary"] == "Authorization"
    assert response["Surrogate-Key"] == f"article-{submitted.slug} status-{submitted.slug}"
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"]
    again = api.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == response["ETag"]
    assert api.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_the_etag_changes_when_the_status_moves(api, submitted, chair, reviewers):
    url = f"/api/v1/articles/{submitted.slug}/status/"
    etag = api.get(url)["ETag"]
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    services.review_start(article=submitted, user=chair)
    assert api.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_status_costs_at_most_two_queries(api, under_review, reviewers, django_assert_max_num_queries):
    article = approve_by_signoffs(under_review, reviewers)
    url = f"/api/v1/articles/{article.slug}/status/"
    with django_assert_max_num_queries(2):  # the key on a cold cache, and the article with its live version
        assert api.get(url).status_code == 200
    with django_assert_max_num_queries(1):
        assert api.get(url).status_code == 200


def test_status_needs_an_api_key(client, submitted):
    assert client.get(f"/api/v1/articles/{submitted.slug}/status/").status_code == 401


# --- the event ---------------------------------------------------------------------------------------


def test_the_webhook_body_of_a_status_move_says_where_it_stands(submitted):
    event = Event.objects.filter(article=submitted, type="article.status_changed").get()

    body = json.loads(webhooks.event_body(event))

    assert "article.status_changed" in webhooks.EVENT_TYPES
    assert body["type"] == "article.status_changed"
    assert body["data"] == {
        "slug": submitted.slug,
        "status": "submitted",
        "current_step": "submitted",
        "round": 1,
        "url": f"/api/v1/articles/{submitted.slug}/status/",
    }


def test_an_endpoint_subscribed_to_status_moves_gets_a_delivery(submitted, chair, reviewers):
    from reviewboard.models import WebhookDelivery

    endpoint = webhooks.webhook_endpoint_create(
        url="https://client.example.org/hook", events=["article.status_changed"]
    )
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    services.review_start(article=submitted, user=chair)
    event = Event.objects.filter(article=submitted, type="article.status_changed").order_by("-pk").first()

    assert webhooks.webhook_fan_out(event) == 1
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert json.loads(delivery.body)["data"]["status"] == "under_review"


def test_the_status_move_purges_its_status_pending_and_feed_keys(submitted, settings, monkeypatch):
    from articles.api import caching
    from reviewboard.delivery import notifications

    purged = []
    monkeypatch.setattr(caching, "purge", lambda keys: purged.append(keys) or len(keys))
    event = Event.objects.filter(article=submitted, type="article.status_changed").get()

    notifications.purge_status_cache(event)

    assert purged == [[f"status-{submitted.slug}", f"pending-{submitted.slug}", "changes"]]


def test_the_changes_feed_lists_status_moves_with_type_status(api, submitted, make_article, author):
    since = "2000-01-01T00:00:00Z"
    draft = make_article(author)  # never submitted: not in the feed

    response = api.get("/api/v1/changes/", {"since": since, "type": "status"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["slug"] for r in results] == [submitted.slug]
    assert draft.slug not in response.content.decode()
    assert results[0]["status"] == "submitted"
    assert results[0]["url"].endswith("/status/")
    default = api.get("/api/v1/changes/", {"since": since}).json()
    assert default == {"results": [], "next_since": None}  # the What's new stream is unchanged
    assert api.get("/api/v1/changes/", {"since": since, "type": ""}).status_code == 400
    bad = api.get("/api/v1/changes/", {"since": since, "type": "everything"})
    assert bad.status_code == 400
    assert bad.json()["error"]["detail"]["field"] == "type"


# --- pending content ---------------------------------------------------------------------------------


def pending(api, article, **params):
    return api.get(f"/api/v1/pending/{article.slug}/", params)


def test_pending_content_is_absent_unless_the_publisher_opts_in(api, submitted):
    response = pending(api, submitted)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "pending-not-offered"
    assert status_of(api, submitted)["pending_url"] is None


def test_pending_content_is_the_open_rounds_snapshot_marked_unreviewed(api, submitted, pending_on):
    response = pending(api, submitted)

    assert response.status_code == 200, response.content
    body = response.json()
    round_ = ReviewRound.objects.get(article=submitted)
    assert body["reviewed"] is False
    assert (body["status"], body["round"], body["content_hash"]) == ("submitted", 1, round_.content_hash)
    assert body["caution"] == CAUTION
    assert body["question"] == round_.snapshot["question"]
    assert [s["heading"] for s in body["sections"]] == [s["heading"] for s in round_.snapshot["sections"]]
    assert response["Cache-Control"] == "public, max-age=15, must-revalidate"
    assert response["Surrogate-Key"] == f"pending-{submitted.slug}"
    assert "article-" not in response["Surrogate-Key"]
    assert api.get(f"/api/v1/pending/{submitted.slug}/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    assert status_of(api, submitted)["pending_url"] == f"/api/v1/pending/{submitted.slug}/"


def test_pending_content_is_never_in_the_list_the_detail_expand_full_or_the_feeds(api, submitted, pending_on):
    assert pending(api, submitted).status_code == 200
    question = ReviewRound.objects.get(article=submitted).snapshot["sections"][0]["body"][:30]

    answers = [
        api.get("/api/v1/articles/"),
        api.get("/api/v1/articles/", {"expand": "full"}),
        api.get(f"/api/v1/articles/{submitted.slug}/"),
        api.get(f"/api/v1/articles/{submitted.slug}/versions/"),
        api.get(f"/api/v1/articles/{submitted.slug}/changes/"),
        api.get("/api/v1/changes/", {"since": "2000-01-01T00:00:00Z"}),
        api.get("/api/v1/changes/", {"since": "2000-01-01T00:00:00Z", "type": "status"}),
    ]

    for response in answers:
        assert question not in response.content.decode()
        assert '"reviewed"' not in response.content.decode()
    assert answers[2].status_code == 404


def test_pending_content_is_gone_once_approved_and_the_detail_serves_the_version(
    api, under_review, reviewers, pending_on
):
    assert pending(api, under_review).json()["status"] == "under_review"

    article = approve_by_signoffs(under_review, reviewers)

    assert pending(api, article).status_code == 404
    assert not PendingContent.objects.filter(article=article).exists()
    detail = api.get(f"/api/v1/articles/{article.slug}/")
    assert detail.status_code == 200
    assert detail.json()["status"] == "approved"
    assert status_of(api, article)["pending_url"] is None


def test_a_working_copy_being_edited_is_never_pending(api, under_review, author, reviewers, pending_on):
    article = services.article_request_changes(article=under_review, user=reviewers[0], comment="Fix it.")
    content = content_from_article(article)
    first = dataclasses.replace(content.sections[0], body="WORKING-COPY-EDIT [1].")
    content_update(
        article=article, user=author, content=dataclasses.replace(content, sections=(first, *content.sections[1:]))
    )

    response = pending(api, article)

    assert response.status_code == 404
    assert b"WORKING-COPY-EDIT" not in response.content


def test_pending_content_with_an_integrity_error_is_never_served(api, submitted, pending_on):
    cited = submitted.citations.order_by("number").first().reference
    Reference.objects.filter(pk=cited.pk).update(status=Reference.Status.WITHDRAWN)

    response = pending(api, submitted)

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not-found"


def test_pending_content_of_a_retracted_article_answers_410(api, under_review, author, chair, reviewers, pending_on):
    article = approve_by_signoffs(under_review, reviewers)
    article = services.article_retract(article=article, user=chair, reason="Wrong dose.")
    article = services.article_revise(article=article, user=author, change_summary="Corrected dose.")
    article = submit(article, author)
    assert PendingContent.objects.filter(article=article).exists()

    assert pending(api, article).status_code == 410


def test_submitting_again_replaces_the_pending_round(api, under_review, author, reviewers, pending_on):
    article = services.article_request_changes(article=under_review, user=reviewers[0], comment="Fix it.")
    article = submit(article, author)
    assert pending(api, article).json()["round"] == 2
    assert PendingContent.objects.filter(article=article).count() == 1


def test_review_dates_survive_when_the_clock_moves(api, submitted):
    """``status_changed_at`` orders the feed: it is the time of the last move."""
    article = Article.objects.get(pk=submitted.pk)
    assert article.status_changed_at == article.review_submitted_at
    later = api.get("/api/v1/changes/", {"since": iso_datetime(article.status_changed_at), "type": "status"})
    assert later.json()["results"] == []
    earlier = iso_datetime(article.status_changed_at - timedelta(seconds=1))
    assert len(api.get("/api/v1/changes/", {"since": earlier, "type": "status"}).json()["results"]) == 1


# --- the migration that fills the tracker of articles reviewed before it existed ----------------------


def test_the_backfill_gives_existing_articles_the_tracker_the_runner_would_have_kept(under_review, author, reviewers):
    import importlib

    from django.apps import apps

    backfill = importlib.import_module("reviewboard.migrations.0012_review_tracker_backfill").backfill
    article = approve_by_signoffs(under_review, reviewers)
    article = services.article_revise(article=article, user=author, change_summary="Newer guideline.")
    article = submit(article, author)
    fields = ["review_round", "review_submitted_at", "review_started_at", "review_closed_at", "review_outcome"]
    kept = Article.objects.filter(pk=article.pk).values(*fields).get()
    version_fields = ["review_round", "submitted_at", "review_started_at"]
    kept_version = PublishedVersion.objects.filter(article=article).values(*version_fields).get()
    Article.objects.filter(pk=article.pk).update(
        review_round=0, review_submitted_at=None, review_started_at=None, review_closed_at=None, review_outcome=""
    )
    PublishedVersion.objects.filter(article=article).update(
        review_round=None, submitted_at=None, review_started_at=None
    )

    backfill(apps, None)

    assert Article.objects.filter(pk=article.pk).values(*fields).get() == kept
    filled = PublishedVersion.objects.filter(article=article).values(*version_fields).get()
    assert (filled["review_round"], filled["submitted_at"]) == (
        kept_version["review_round"],
        kept_version["submitted_at"],
    )
    # The start of review comes from its audit entry, written in the same transaction moments later.
    assert abs(filled["review_started_at"] - kept_version["review_started_at"]) < timedelta(seconds=1)
    assert kept["review_round"] == 2
