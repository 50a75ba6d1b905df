"""A purge reaches the CDN only once no server can still answer with the old content.

The CDN is played by a local server that does what a CDN does on a purge: it drops the keys and
fetches the article again from the origin (every variant: the live version, ``versions/N/``, a
conditional request with the ETag it held). The origin is a live server with the per-process
micro-cache on (``API_DETAIL_CACHE_SECONDS``) and warmed, as a busy server's is. The outbox is
driven as the worker drives it: each delivery at the time the event asks to be delivered again.
"""

from __future__ import annotations

import time

import pytest
import requests
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from reviewboard.delivery import outbox
from reviewboard.models import Event
from reviewboard.review import services
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory
from tests.http_receiver import Receiver

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_api_caches")]

ARTICLE_KEY = "article-back-pain"


class RefetchingCDN:
    """On each purge of the article's key, fetch every variant again, as the CDN's next reader would."""

    def __init__(self, origin: str, key: str, paths: list[str]):
        self.origin, self.key, self.paths = origin, key, paths
        self.etags: dict[str, str] = {}
        self.refetched: list[list[tuple[str, int, str, bytes]]] = []  # one list per purge of the article
        self.receiver = Receiver(on_request=self._on_request)

    def fetch(self, path: str, *, conditional: bool = False) -> requests.Response:
        headers = {"Authorization": f"Api-Key {self.key}"}
        if conditional and path in self.etags:
            headers["If-None-Match"] = self.etags[path]
        response = requests.get(self.origin + path, headers=headers, timeout=30)
        if response.status_code == 200:
            self.etags[path] = response.headers["ETag"]
        return response

    def _on_request(self, record) -> None:
        if record.headers.get("surrogate-key") != ARTICLE_KEY:
            return
        seen = []
        for path in self.paths:
            for conditional in (True, False):
                response = self.fetch(path, conditional=conditional)
                seen.append((path, response.status_code, response.headers.get("ETag", ""), response.content))
        self.refetched.append(seen)


@pytest.fixture
def cdn(live_server, settings):
    # Shorter than the defaults (1 s, 1 s, 10 s) so that the test waits less; what happens in what order is the same.
    settings.API_DETAIL_CACHE_SECONDS = 0.3
    settings.PURGE_SETTLE_MARGIN_SECONDS = 0.1
    settings.PURGE_REPEAT_SECONDS = 0.3
    _, key = APIKey.objects.create_key(name="cdn origin")
    paths = ["/api/v1/articles/back-pain/", "/api/v1/articles/back-pain/versions/1/"]
    cdn = RefetchingCDN(live_server.url, key, paths)
    cdn.receiver.start()
    settings.PURGE_URL = cdn.receiver.url
    yield cdn
    cdn.receiver.stop()


def deliver_like_a_worker(event: Event) -> None:
    """Deliver ``event`` until it is done, each attempt at the time the outbox asked for."""
    for _ in range(10):
        event.refresh_from_db()
        if event.dispatched_at is not None or event.failed_at is not None:
            return
        if event.next_attempt_at is not None:
            time.sleep(max(0.0, (event.next_attempt_at - timezone.now()).total_seconds()))
        outbox.deliver(event.pk)
    pytest.fail(f"event {event.type} still pending: {event.last_error}")


def drain() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True).order_by("pk"):
        deliver_like_a_worker(event)


def warm(cdn: RefetchingCDN) -> None:
    for path in cdn.paths:
        assert cdn.fetch(path).status_code == 200
        assert cdn.fetch(path, conditional=True).status_code == 304


def test_after_a_retraction_every_purge_refetch_gets_410_never_the_retracted_body(cdn, chair):
    article = ArticleFactory(slug="back-pain")
    approve(article)
    drain()
    warm(cdn)  # every server's micro-cache holds the article, as under load
    cdn.refetched.clear()

    services.article_retract(article=article, user=chair, reason="Dose error")
    drain()

    for refetch in cdn.refetched:
        assert [(path, status) for path, status, _, _ in refetch] == [(path, 410) for path, *_ in refetch]
    assert len(cdn.refetched) >= 2, "a second purge follows the first"


def test_after_a_new_live_version_every_purge_refetch_gets_the_new_version(cdn):
    article = ArticleFactory(slug="back-pain")
    approve(article)
    drain()
    warm(cdn)
    cdn.refetched.clear()

    old_etag = cdn.etags["/api/v1/articles/back-pain/"]

    approve(article)  # version 2 goes live
    drain()

    live = [
        (status, etag, body)
        for refetch in cdn.refetched
        for path, status, etag, body in refetch
        if path.endswith("back-pain/")
    ]
    first_status, new_etag, first_body = live[0]
    assert (first_status, b'"version":2' in first_body) == (200, True)  # the CDN held version 1's ETag
    assert new_etag != old_etag
    assert {(status, etag) for status, etag, _ in live} <= {(200, new_etag), (304, new_etag)}
    assert len(cdn.refetched) >= 2
