"""HTTP caching a CDN can follow: Cache-Control and Surrogate-Key on every read endpoint, no-store on
410 and on errors, and the purge hook called on publish, retraction and archive (a local server
plays the CDN)."""

from __future__ import annotations

import pytest
from rest_framework_api_key.models import APIKey

from reviewboard.delivery import outbox
from reviewboard.models import Event
from reviewboard.review import services
from tests.articles.publishing_helpers import approve, set_state
from tests.factories import ArticleFactory
from tests.http_receiver import Receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_api_caches")]

PUBLIC = "public, max-age=120, stale-while-revalidate=45"


@pytest.fixture(autouse=True)
def _cache_settings(settings):
    settings.API_CACHE_MAX_AGE = 120
    settings.API_CACHE_STALE_WHILE_REVALIDATE = 45


@pytest.fixture
def api(client):
    _, key = APIKey.objects.create_key(name="cdn origin")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    return client


@pytest.fixture
def published_twice(db):
    """Approved twice: a live version 2 beside version 1 (``back-pain``)."""
    article = ArticleFactory(slug="back-pain")
    approve(article)
    approve(article)
    return article


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/api/v1/articles/", "articles"),
        ("/api/v1/articles/back-pain/", "article-back-pain"),
        ("/api/v1/articles/back-pain/versions/", "article-back-pain"),
        ("/api/v1/articles/back-pain/versions/1/", "article-back-pain"),
        ("/api/v1/articles/back-pain/changes/", "article-back-pain"),
        ("/api/v1/changes/?since=2000-01-01T00:00:00Z", "changes"),
    ],
)
def test_every_read_endpoint_sends_cache_control_and_a_surrogate_key(api, published_twice, path, key):
    response = api.get(path)
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == PUBLIC
    assert response["Surrogate-Key"] == key


@pytest.mark.parametrize(
    "path", ["/api/v1/articles/", "/api/v1/articles/back-pain/", "/api/v1/changes/?since=2000-01-01T00:00:00Z"]
)
def test_a_cache_keeps_one_copy_per_api_key_so_a_request_without_one_is_never_answered_from_it(
    api, published_twice, path
):
    assert api.get(path)["Vary"] == "Authorization"
    etag = api.get("/api/v1/articles/back-pain/")["ETag"]
    assert api.get("/api/v1/articles/back-pain/", HTTP_IF_NONE_MATCH=etag)["Vary"] == "Authorization"


def test_a_custom_key_header_is_varied_on_too(client, published_twice, settings):
    settings.API_KEY_CUSTOM_HEADER = "HTTP_X_API_KEY"
    _, key = APIKey.objects.create_key(name="cdn origin")

    response = client.get("/api/v1/articles/back-pain/", HTTP_X_API_KEY=key)

    assert response.status_code == 200
    assert response["Vary"] == "Authorization, X-Api-Key"


def test_when_anyone_may_read_the_answer_is_shared_by_everyone(client, published_twice, settings):
    settings.API_PUBLIC_READ = True

    response = client.get("/api/v1/articles/back-pain/")

    assert response.status_code == 200
    assert response["Cache-Control"] == PUBLIC
    assert not response.has_header("Vary")


def test_the_cache_headers_follow_a_changed_setting(api, published_twice, settings):
    api.get("/api/v1/articles/back-pain/")  # the headers of these settings are now built and kept
    settings.API_CACHE_MAX_AGE = 30
    settings.API_KEY_CUSTOM_HEADER = "HTTP_X_API_KEY"

    response = api.get("/api/v1/articles/back-pain/")

    assert response["Cache-Control"] == "public, max-age=30, stale-while-revalidate=45"
    assert response["Vary"] == "Authorization, X-Api-Key"


@pytest.mark.parametrize("path", ["/api/v1/articles/back-pain/", "/api/v1/articles/back-pain/versions/2/"])
def test_a_304_keeps_the_cache_headers(api, published_twice, path):
    etag = api.get(path)["ETag"]
    response = api.get(path, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["Cache-Control"] == PUBLIC
    assert response["Surrogate-Key"] == "article-back-pain"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/back-pain/",
        "/api/v1/articles/back-pain/versions/",
        "/api/v1/articles/back-pain/versions/1/",
        "/api/v1/articles/back-pain/changes/",
    ],
)
def test_a_retracted_article_is_never_stored_by_a_cache(api, published_twice, path):
    set_state(published_twice, "retracted", retraction_reason="Dose error", retracted_at=published_twice.approved_at)
    response = api.get(path)
    assert response.status_code == 410
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "status"),
    [("/api/v1/articles/nope/", 404), ("/api/v1/changes/?since=yesterday", 400), ("/api/v1/articles/?page=99", 400)],
)
def test_errors_are_not_stored(api, published_twice, path, status):
    response = api.get(path)
    assert response.status_code == status
    assert response["Cache-Control"] == "no-store"


def test_without_a_key_the_answer_is_401_and_not_stored(client, published_twice):
    response = client.get("/api/v1/articles/back-pain/")
    assert response.status_code == 401
    assert response["Cache-Control"] == "no-store"


@pytest.fixture
def cdn(settings):
    receiver = Receiver().start()
    settings.PURGE_URL = receiver.url
    settings.PURGE_HEADERS = {"Fastly-Key": "token"}
    yield receiver
    receiver.stop()


def purged(cdn) -> list[tuple[str, str]]:
    return [(r.method, r.headers["surrogate-key"]) for r in cdn.received]


def deliver_all() -> None:
    """Deliver every pending event to the end, each attempt at the time it asks for (the purge waits
    out the read API's micro-cache, then is sent again: tests/articles/test_purge_after_microcache.py)."""
    for event in Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True).order_by("pk"):
        while outbox.deliver(event.pk, now=event.next_attempt_at) == "waiting":
            event.refresh_from_db()


def once(purges: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Each purge is sent twice (the repeat catches a fetch stored after the first): the first round."""
    half = len(purges) // 2
    assert purges[:half] == purges[half:]
    return purges[:half]


def test_publishing_a_version_purges_the_article_the_lists_and_the_feed(cdn):
    approve(ArticleFactory(slug="knee"))
    deliver_all()
    assert once(purged(cdn)) == [("PURGE", "article-knee"), ("PURGE", "articles"), ("PURGE", "changes")]
    assert cdn.received[0].headers["fastly-key"] == "token"


@pytest.mark.parametrize("method", ["PURGE", "POST"])
def test_retracting_purges_through_the_outbox_with_the_configured_method(cdn, settings, published_twice, chair, method):
    settings.PURGE_METHOD = method
    deliver_all()
    cdn.received.clear()
    services.article_retract(article=published_twice, user=chair, reason="Dose error")
    deliver_all()
    # version.retracted drops the article's answers (twice: after the micro-cache, and the repeat);
    # article.status_changed its status and pending content (neither is micro-cached: at once).
    purges = purged(cdn)
    assert once(purges[:6]) == [(method, "article-back-pain"), (method, "articles"), (method, "changes")]
    assert purges[6:] == [(method, "status-back-pain"), (method, "pending-back-pain"), (method, "changes")]


def test_archiving_purges_too(cdn, published_twice, chair):
    deliver_all()
    cdn.received.clear()
    services.article_retract(article=published_twice, user=chair, reason="Dose error")
    cdn.received.clear()
    services.article_archive(article=published_twice, user=chair)
    deliver_all()
    assert ("PURGE", "article-back-pain") in purged(cdn)


def test_a_cdn_that_fails_is_retried_and_the_other_consumers_are_not_held_back(cdn, published_twice, chair, mailoutbox):
    cdn.status = 503
    deliver_all()
    services.article_retract(article=published_twice, user=chair, reason="Dose error")
    event = Event.objects.get(type="version.retracted")
    assert outbox.deliver(event.pk) == "waiting"  # the purge waits out the micro-cache; the e-mail went
    event.refresh_from_db()
    assert outbox.deliver(event.pk, now=event.next_attempt_at) == "retry"
    event.refresh_from_db()
    assert "503" in event.last_error
    states = dict(event.deliveries.values_list("consumer", "delivered_at"))
    assert states["webhooks.fan_out"] is not None
    assert states["email.version_retracted"] is not None
    assert states["cdn.purge_article"] is None
    cdn.status = 200
    assert outbox.deliver(event.pk, now=event.next_attempt_at) == "waiting"  # purged; the repeat waits
    event.refresh_from_db()
    assert outbox.deliver(event.pk, now=event.next_attempt_at) == "delivered"
