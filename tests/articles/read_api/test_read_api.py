"""The read API: visibility in every state, filters, ordering, pagination, conditional requests,
and API keys and throttling (the hot paths' budgets: test_hot_path.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django.utils.http import http_date
from rest_framework_api_key.models import APIKey

from articles.api import throttling
from articles.api.authentication import clear_api_key_cache
from articles.models import Article, PublishedVersion, Section
from articles.publishing import article_payload_refresh
from tests.articles.publishing_helpers import approve, set_state
from tests.articles.read_api.paths import LIST, detail
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def slugs_in(response) -> list[str]:
    return [item["slug"] for item in response.json()["results"]]


# --- visibility ---------------------------------------------------------------------------------


def test_approved_article_is_served_byte_for_byte(api, published):
    response = api.get(detail(published.slug))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.content == published.live_version.payload_json.encode()
    assert response["ETag"] == published.live_version.etag
    assert response["Last-Modified"] == http_date(int(published.live_version.rendered_at.timestamp()))
    assert slugs_in(api.get(LIST)) == [published.slug]


@pytest.mark.parametrize("micro_cache_seconds", [0, 60])
@pytest.mark.parametrize("path", ["{slug}/", "{slug}/versions/1/"])
def test_last_modified_is_the_render_time_to_the_whole_second(api, published, settings, path, micro_cache_seconds):
    settings.API_DETAIL_CACHE_SECONDS = micro_cache_seconds
    rendered = datetime(2026, 3, 1, 9, 30, 15, 999_999, tzinfo=UTC)
    PublishedVersion.objects.filter(article=published).update(rendered_at=rendered)
    url = "/api/v1/articles/" + path.format(slug=published.slug)

    first, second = api.get(url), api.get(url)  # the second from the micro-cache when it is on
    unchanged = api.get(url, HTTP_IF_MODIFIED_SINCE="Sun, 01 Mar 2026 09:30:15 GMT")
    changed = api.get(url, HTTP_IF_MODIFIED_SINCE="Sun, 01 Mar 2026 09:30:14 GMT")

    assert first.status_code == second.status_code == 200
    assert first["Last-Modified"] == second["Last-Modified"] == "Sun, 01 Mar 2026 09:30:15 GMT"
    assert (unchanged.status_code, changed.status_code) == (304, 200)


@pytest.mark.parametrize("state", ["draft", "submitted", "under_review", "changes_requested", "archived"])
def test_never_approved_content_is_invisible_in_every_read_endpoint(api, state):
    article = ArticleFactory()
    set_state(article, state)

    for url in (detail(article.slug), detail(article.slug) + "versions/", detail(article.slug) + "versions/1/"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not-found"
    assert api.get(LIST).json()["results"] == []


def test_never_approved_and_unknown_slugs_answer_the_same(api):
    draft = ArticleFactory()

    unknown = api.get(detail("no-such-article"))
    hidden = api.get(detail(draft.slug))

    assert unknown.status_code == hidden.status_code == 404
    assert unknown.content == hidden.content


def test_approved_but_not_yet_rendered_is_invisible(api):
    article = ArticleFactory()
    approve(article, render=False)

    assert api.get(detail(article.slug)).status_code == 404
    assert api.get(LIST).json()["results"] == []


@pytest.mark.parametrize("working_state", ["draft", "submitted", "under_review", "changes_requested"])
def test_revised_article_keeps_serving_its_approved_version(api, published, working_state):
    live = published.live_version
    set_state(published, working_state)
    Article.objects.filter(pk=published.pk).update(question="Draft question under review", topic="draft topic")
    Section.objects.filter(article=published, position=1).update(body="Unapproved new text [1].")

    response = api.get(detail(published.slug))

    assert response.status_code == 200
    assert response.content == live.payload_json.encode()
    assert b"Unapproved" not in response.content
    listed = api.get(LIST).json()["results"]
    assert [item["question"] for item in listed] == ["What are the treatment options for back pain?"]
    assert api.get(LIST, {"q": "Draft question"}).json()["results"] == []
    assert api.get(LIST, {"topic": "draft topic"}).json()["results"] == []
    assert len(api.get(LIST, {"topic": "back pain"}).json()["results"]) == 1


def test_archived_after_approval_is_gone_from_every_endpoint_as_not_found(api, published):
    set_state(published, "archived")

    assert api.get(detail(published.slug)).status_code == 404
    assert api.get(detail(published.slug) + "versions/").status_code == 404
    assert api.get(detail(published.slug) + "versions/1/").status_code == 404
    assert api.get(LIST).json()["results"] == []


def test_retracted_answers_410_with_the_reason_and_leaves_the_list(api, published):
    retracted_at = timezone.now()
    set_state(published, "retracted", retraction_reason="Dosing error in section 2", retracted_at=retracted_at)

    for url in (detail(published.slug), detail(published.slug) + "versions/", detail(published.slug) + "versions/1/"):
        response = api.get(url)
        assert response.status_code == 410, url
        error = response.json()["error"]
        assert error["code"] == "retracted"
        assert "Dosing error in section 2" in error["message"]
        assert error["detail"]["reason"] == "Dosing error in section 2"
    assert api.get(LIST).json()["results"] == []


# --- versions -----------------------------------------------------------------------------------


def test_versions_list_and_one_version(api, published):
    second = approve(published)

    versions = api.get(detail(published.slug) + "versions/").json()
    first = api.get(detail(published.slug) + "versions/1/")

    assert [(v["version"], v["status"]) for v in versions] == [(2, "approved"), (1, "superseded")]
    assert first.status_code == 200
    assert first.json()["version"] == 1
    assert first.json()["status"] == "superseded"
    assert first["ETag"] == PublishedVersion.objects.get(article=published, number=1).etag
    assert api.get(detail(published.slug)).json()["version"] == second.number
    missing = api.get(detail(published.slug) + "versions/9/")
    assert missing.status_code == 404


def test_an_unrendered_newer_version_is_not_listed(api, published):
    approve(published, render=False)

    versions = api.get(detail(published.slug) + "versions/").json()

    assert [v["version"] for v in versions] == [1]
    assert api.get(detail(published.slug) + "versions/2/").status_code == 404


# --- list: filters, ordering, pagination ---------------------------------------------------------


def _published(slug: str, *, topic: str = "back pain", question: str | None = None, changed_days_ago: int = 0):
    kwargs = {"slug": slug, "topic": topic}
    if question:
        kwargs["question"] = question
    article = ArticleFactory(**kwargs)
    version = approve(article)
    changed = timezone.now() - timedelta(days=changed_days_ago)
    PublishedVersion.objects.filter(pk=version.pk).update(rendered_at=changed)
    Article.objects.filter(pk=article.pk).update(live_rendered_at=changed)  # the render keeps them equal
    return article


def test_list_is_newest_change_first_and_filters(api):
    _published("old", topic="Migraine", question="How is migraine treated?", changed_days_ago=30)
    _published("middle", topic="back pain", changed_days_ago=10)
    _published("new", topic="back pain", question="When is imaging needed for back pain?", changed_days_ago=1)

    assert slugs_in(api.get(LIST)) == ["new", "middle", "old"]
    assert slugs_in(api.get(LIST, {"topic": "BACK PAIN"})) == ["new", "middle"]
    assert slugs_in(api.get(LIST, {"q": "imaging"})) == ["new"]
    since = (timezone.now() - timedelta(days=15)).isoformat()
    assert slugs_in(api.get(LIST, {"updated_since": since})) == ["new", "middle"]
    assert slugs_in(api.get(LIST, {"updated_since": since, "topic": "migraine"})) == []


def test_list_item_is_the_summary_of_the_live_version(api, published):
    item = api.get(LIST).json()["results"][0]
    payload = json.loads(published.live_version.payload_json)

    assert item == {key: payload[key] for key in item}
    assert "sections" not in item


@pytest.mark.parametrize("value", ["yesterday", "2025-13-45T00:00:00", "2025-01-01T25:00"])
def test_a_bad_updated_since_is_400_naming_the_field(api, published, value):
    response = api.get(LIST, {"updated_since": value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid-input"
    assert "updated_since" in error["detail"]


def test_the_render_keeps_the_lists_copies_of_the_live_version():
    article = ArticleFactory(topic="back pain")
    approve(article)
    Article.objects.filter(pk=article.pk).update(topic="low back pain")  # the working copy's, until approved
    article.refresh_from_db()

    def copies():
        article.refresh_from_db()
        live = article.live_version
        return (article.live_rendered_at, article.live_topic), (live.rendered_at, live.topic)

    first, first_live = copies()
    Article.objects.filter(pk=article.pk).update(review_overdue=True)
    article_payload_refresh(article.pk)  # the bytes change: a new rendered_at
    refreshed, refreshed_live = copies()
    approve(article)  # version 2 goes live with the new topic
    second, second_live = copies()

    assert first == first_live
    assert first[1] == "back pain"
    assert refreshed == refreshed_live
    assert refreshed[0] > first[0]
    assert second == second_live
    assert second[1] == "low back pain"


def _pages(api, params: dict) -> list[list[str]]:
    pages, response = [], api.get(LIST, params)
    while True:
        assert response.status_code == 200, response.content
        pages.append(slugs_in(response))
        if response.json()["next"] is None:
            return pages
        response = api.get(response.json()["next"])


def test_pagination_follows_an_opaque_cursor_to_the_end(api):
    for n in range(5):
        _published(f"article-{n}", changed_days_ago=n)

    first = api.get(LIST, {"page_size": 2}).json()

    assert set(first) == {"next", "results"}  # no count: nothing counts every published article
    assert "cursor=" in first["next"]
    assert "page_size=2" in first["next"]
    assert _pages(api, {"page_size": 2}) == [["article-0", "article-1"], ["article-2", "article-3"], ["article-4"]]


def test_the_cursor_holds_ties_and_keeps_the_filters(api):
    same_time = timezone.now() - timedelta(days=3)
    for n in range(5):
        article = _published(f"tied-{n}", topic="migraine" if n % 2 else "back pain")
        PublishedVersion.objects.filter(article=article).update(rendered_at=same_time)
        Article.objects.filter(pk=article.pk).update(live_rendered_at=same_time)

    everything = [slug for page in _pages(api, {"page_size": 1}) for slug in page]
    back_pain = [slug for page in _pages(api, {"page_size": 1, "topic": "back pain"}) for slug in page]

    assert everything == ["tied-4", "tied-3", "tied-2", "tied-1", "tied-0"]  # newest id first on a tie
    assert back_pain == ["tied-4", "tied-2", "tied-0"]


def test_an_article_changed_while_paging_is_neither_repeated_nor_skipped_on_later_pages(api):
    for n in range(4):
        _published(f"article-{n}", changed_days_ago=n)
    first = api.get(LIST, {"page_size": 2}).json()
    approve(Article.objects.get(slug="article-3"))  # re-published: now the newest change

    rest = api.get(first["next"]).json()

    assert slugs_in_json(first) == ["article-0", "article-1"]
    assert slugs_in_json(rest) == ["article-2"]  # article-3 moved ahead of the cursor: the next sync sees it


def slugs_in_json(page: dict) -> list[str]:
    return [item["slug"] for item in page["results"]]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "-1"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "21", "expand": "full"}, "page_size"),
        ({"page_size": "²"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJ4IiwxXQ"}, "cursor"),  # base64 of ["x",1]
        ({"expand": "everything"}, "expand"),
        ({"page": "2"}, "page"),
        ({"topic": "x" * 121}, "topic"),
        ({"q": "a\x00b"}, "q"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_field(api, published, params, field):
    response = api.get(LIST, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid-input"
    assert list(error["detail"]) == [field]


def test_expand_full_serves_each_live_payload_byte_for_byte(api):
    for n in range(3):
        _published(f"article-{n}", changed_days_ago=n)

    page = api.get(LIST, {"expand": "full", "page_size": 2})

    assert slugs_in(page) == ["article-0", "article-1"]
    for slug in ("article-0", "article-1"):
        assert api.get(detail(slug)).content in page.content  # the detail's bytes, spliced in as they are
    assert "expand=full" in page.json()["next"]


def test_a_like_wildcard_in_q_matches_itself_only(api):
    _published("percent", question="Is 100% oxygen useful in cluster headache?")
    _published("plain", question="Is oxygen useful in cluster headache?")

    assert slugs_in(api.get(LIST, {"q": "100%"})) == ["percent"]
    assert slugs_in(api.get(LIST, {"q": "%"})) == ["percent"]
    assert slugs_in(api.get(LIST, {"q": "_s"})) == []


# --- conditional requests -------------------------------------------------------------------------


def test_if_none_match_gives_304_without_a_body(api, published):
    etag = api.get(detail(published.slug))["ETag"]

    response = api.get(detail(published.slug), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


def test_a_stale_etag_gets_the_new_bytes(api, published):
    old = api.get(detail(published.slug))["ETag"]
    Article.objects.filter(pk=published.pk).update(review_overdue=True)
    from articles.publishing import article_payload_refresh

    article_payload_refresh(published.pk)

    response = api.get(detail(published.slug), HTTP_IF_NONE_MATCH=old)
    assert response.status_code == 200
    assert response["ETag"] != old
    assert response.json()["review_overdue"] is True


def test_if_modified_since(api, published):
    last_modified = api.get(detail(published.slug))["Last-Modified"]
    earlier = http_date(int(published.live_version.rendered_at.timestamp()) - 3600)

    assert api.get(detail(published.slug), HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert api.get(detail(published.slug), HTTP_IF_MODIFIED_SINCE=earlier).status_code == 200


def test_conditional_request_for_an_old_version(api, published):
    approve(published)
    first = api.get(detail(published.slug) + "versions/1/")

    again = api.get(detail(published.slug) + "versions/1/", HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304


# --- API keys and throttling ----------------------------------------------------------------------


def test_no_key_is_401_with_a_challenge(client, published):
    response = client.get(detail(published.slug))

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"
    assert response.json()["error"]["code"] == "not-authenticated"
    assert client.get(LIST).status_code == 401


@pytest.mark.parametrize("header", ["Api-Key nope.nope", "Api-Key ", "Token abc"])
def test_invalid_keys_are_401(client, published, header):
    response = client.get(detail(published.slug), HTTP_AUTHORIZATION=header)

    assert response.status_code == 401


def test_revoked_and_expired_keys_are_401(client, published):
    revoked, revoked_key = APIKey.objects.create_key(name="revoked")
    APIKey.objects.filter(pk=revoked.pk).update(revoked=True)
    _, expired_key = APIKey.objects.create_key(name="expired", expiry_date=timezone.now() - timedelta(minutes=1))

    for key in (revoked_key, expired_key):
        assert client.get(detail(published.slug), HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 401


def test_public_read_lets_requests_without_a_key_through(client, published, settings):
    settings.API_PUBLIC_READ = True

    assert client.get(detail(published.slug)).status_code == 200
    assert client.get(LIST).status_code == 200
    assert client.get(detail(published.slug), HTTP_AUTHORIZATION="Api-Key wrong.key").status_code == 401


def test_throttled_per_key_with_retry_after(client, published, settings):
    rates = {"api_key": "3/min", "anon": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    _, first_key = APIKey.objects.create_key(name="first")
    _, second_key = APIKey.objects.create_key(name="second")

    statuses = [
        client.get(detail(published.slug), HTTP_AUTHORIZATION=f"Api-Key {first_key}").status_code for _ in range(4)
    ]
    throttled = client.get(detail(published.slug), HTTP_AUTHORIZATION=f"Api-Key {first_key}")
    other = client.get(detail(published.slug), HTTP_AUTHORIZATION=f"Api-Key {second_key}")

    assert statuses == [200, 200, 200, 429]
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 61
    assert throttled.json()["error"]["code"] == "throttled"
    assert other.status_code == 200


@pytest.mark.xdist_group("redis")  # shares the real Redis (and clears it): one xdist worker runs these
def test_throttle_counts_in_a_shared_cache_when_one_is_configured(client, published, settings):
    rates = {"api_key": "2/min", "anon": "1/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    _, key = APIKey.objects.create_key(name="shared")
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    client.get(detail(published.slug), **auth)  # counted in the process: the local-memory cache of the tests
    throttling.clear_counters()
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL},
    }

    statuses = [client.get(detail(published.slug), **auth).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert not throttling._windows  # counted in Redis, not in the process
    cache.clear()


def test_public_reads_are_throttled_per_address(client, published, settings):
    settings.API_PUBLIC_READ = True
    rates = {"api_key": "3/min", "anon": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}

    statuses = [client.get(detail(published.slug)).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_verified_key_is_cached_and_the_cache_can_be_cleared(client, published, api_key, django_assert_num_queries):
    auth = {"HTTP_AUTHORIZATION": f"Api-Key {api_key}"}
    with django_assert_num_queries(2):  # key lookup + the article
        client.get(detail(published.slug), **auth)
    with django_assert_num_queries(1):  # the article only
        client.get(detail(published.slug), **auth)
    clear_api_key_cache()
    APIKey.objects.update(revoked=True)
    assert client.get(detail(published.slug), **auth).status_code == 401
