"""Webhooks: fan-out from the outbox, Standard Webhooks signatures (verified by a local receiver with
the ``standardwebhooks`` package), the per-endpoint order (retractions first), backoff, the attempt
log, secret rotation with overlap, disabling after a day of failures (fixed clock), redelivery, and
the endpoints' API for client apps."""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from articles.models import Article
from reviewboard.delivery import outbox, webhooks
from reviewboard.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory, ChairFactory
from tests.http_receiver import Receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_api_caches")]

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def receiver():
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def endpoint(receiver):
    endpoint = webhooks.webhook_endpoint_create(url=receiver.url, events=list(webhooks.EVENT_TYPES))
    receiver.secrets = [endpoint.secret]
    return endpoint


def event(type_: str, article: Article, **payload) -> Event:
    """An outbox event as an action writes it, delivered to its consumers (the fan-out among them)."""
    event_id = outbox.emit(type_, article=article, **payload)
    outbox.deliver(event_id)
    return Event.objects.get(pk=event_id)


def flush(endpoint, now=None):
    return webhooks.webhook_endpoint_flush(endpoint_id=endpoint.pk, now=now)


def test_a_delivery_is_signed_in_the_standard_webhooks_format_and_verifies(endpoint, receiver, published):
    retracted = event("version.retracted", published, version=1, reason="Wrong dose")

    assert flush(endpoint) == {"delivered": 1, "failed": 0, "disabled": 0}

    [got] = receiver.received
    assert got.error == ""
    assert got.verified == {
        "type": "version.retracted",
        "timestamp": got.verified["timestamp"],
        "data": {"slug": "back-pain", "version": 1, "reason": "Wrong dose", "url": "/api/v1/articles/back-pain/"},
    }
    assert got.headers["webhook-id"] == f"msg_evt{retracted.pk}"
    assert got.headers["webhook-signature"].startswith("v1,")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    attempt = delivery.attempt_log.get()
    assert (attempt.status_code, attempt.ok, attempt.response_excerpt) == (200, True, '{"ok": true}')


def test_a_receiver_with_the_wrong_secret_cannot_verify(endpoint, receiver, published):
    receiver.secrets = [webhooks.new_secret()]
    event("article.archived", published)
    flush(endpoint)
    [got] = receiver.received
    assert got.verified is None
    assert "No matching signature" in got.error


def test_each_event_gets_one_delivery_per_subscribed_active_endpoint_even_if_fanned_out_twice(
    endpoint, receiver, published
):
    archived_only = webhooks.webhook_endpoint_create(url=receiver.url, events=["article.archived"])
    webhooks.webhook_endpoint_create(url=receiver.url, events=["version.retracted"]).delete()
    inactive = webhooks.webhook_endpoint_create(url=receiver.url, events=list(webhooks.EVENT_TYPES))
    WebhookEndpoint.objects.filter(pk=inactive.pk).update(active=False)

    retracted = event("version.retracted", published, version=1, reason="x")
    webhooks.webhook_fan_out(retracted)  # a consumer run again (a redelivered event) adds nothing

    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [endpoint.pk]
    assert not WebhookDelivery.objects.filter(endpoint=archived_only).exists()
    checkpoint = {"seq": 1, "entry_hash": "0" * 64, "created_at": "2026-01-01T00:00:00+00:00", "signature": "s"}
    event("audit.checkpoint", published, **checkpoint)  # not a webhook event (its full payload: the catalog's)
    assert WebhookDelivery.objects.count() == 1


def test_a_retraction_is_delivered_before_anything_else_queued_for_the_endpoint(endpoint, receiver, published):
    receiver.status = 503
    event("article.review_due", published, reason="A reader reported an outdated dose.")
    assert flush(endpoint, now=T0)["failed"] == 1
    event("version.published", published, version=2)
    event("version.retracted", published, version=2, reason="Dose error")
    receiver.status = 200

    flush(endpoint, now=T0 + timedelta(hours=1))

    assert receiver.events()[-3:] == ["version.retracted", "article.review_due", "version.published"]


def test_a_failed_attempt_is_logged_and_retried_with_exponential_backoff_in_order(endpoint, receiver, published):
    receiver.status = 500
    event("version.published", published, version=1)
    event("article.archived", published)

    flush(endpoint, now=T0)
    head = WebhookDelivery.objects.get(event_type="version.published")
    assert (head.attempts, head.next_attempt_at) == (1, T0 + timedelta(seconds=30))
    attempt = head.attempt_log.get()
    assert (attempt.status_code, attempt.ok, attempt.response_excerpt) == (500, False, '{"ok": false}')
    # the next one waits behind the head: nothing sent before the head's retry time
    assert flush(endpoint, now=T0 + timedelta(seconds=10)) == {"delivered": 0, "failed": 0, "disabled": 0}
    assert len(receiver.received) == 1

    flush(endpoint, now=T0 + timedelta(seconds=30))
    head.refresh_from_db()
    assert (head.attempts, head.next_attempt_at) == (2, T0 + timedelta(seconds=30 + 60))
    assert webhooks.retry_delay(5) == timedelta(minutes=8)
    assert webhooks.retry_delay(20) == timedelta(hours=1)

    receiver.status = 200
    flush(endpoint, now=T0 + timedelta(minutes=2))
    assert [r.verified["type"] for r in receiver.received[-2:]] == ["version.published", "article.archived"]
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_an_endpoint_answering_500_for_a_day_is_disabled_and_the_chair_told(
    endpoint, receiver, published, mailoutbox, settings
):
    ChairFactory(email="chair@example.org")
    receiver.status = 500
    event("version.retracted", published, version=1, reason="x")
    now = T0
    while True:  # the sweep on the minute of a fixed clock, until the endpoint is given up
        counts = webhooks.deliver_due_webhooks(now=now)
        if counts["disabled"]:
            break
        assert now - T0 < settings.WEBHOOK_DISABLE_AFTER + settings.WEBHOOK_MAX_RETRY_DELAY
        # The minutes in which nothing is due are skipped: the next sweep is the first minute the retry is due.
        due = WebhookDelivery.objects.get().next_attempt_at
        now += max(timedelta(minutes=1), timedelta(minutes=math.ceil((due - now).total_seconds() / 60)))

    endpoint.refresh_from_db()
    assert endpoint.active is False
    assert now - T0 >= timedelta(hours=24)
    assert endpoint.failing_since == T0
    assert "500" in endpoint.disabled_reason
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending"  # waits for the endpoint to come back
    attempts = list(delivery.attempt_log.order_by("attempted_at").values_list("attempted_at", flat=True))
    gaps = [b - a for a, b in itertools.pairwise(attempts)]
    assert gaps[:4] == [timedelta(seconds=60), timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=4)]
    assert max(gaps) <= timedelta(hours=1, minutes=1)

    told = Event.objects.get(type="webhook.disabled")
    mailoutbox.clear()
    outbox.deliver(told.pk)
    [mail] = mailoutbox
    assert mail.to == ["chair@example.org"]
    assert endpoint.url in mail.subject

    # nothing more is sent to a disabled endpoint; enabling it sends what waited
    assert webhooks.deliver_due_webhooks(now=now + timedelta(hours=2))["endpoints"] == 0
    receiver.status = 200
    webhooks.webhook_endpoint_update(endpoint=endpoint, active=True)
    flush(endpoint, now=now + timedelta(hours=2))
    delivery.refresh_from_db()
    assert delivery.status == "delivered"


def test_a_rotated_secret_signs_beside_the_old_one_during_the_overlap(endpoint, receiver, published, settings):
    old = endpoint.secret
    endpoint = webhooks.webhook_secret_rotate(endpoint=endpoint)
    assert endpoint.secret != old
    receiver.secrets = [old]
    event("article.archived", published)
    flush(endpoint)
    assert receiver.received[-1].verified is not None  # a client still on the old secret
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 2

    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(previous_secret_expires_at=timezone.now())
    receiver.secrets = [old]
    event("article.review_due", published, reason="due")
    flush(endpoint)
    assert receiver.received[-1].verified is None  # overlap over: only the new secret signs
    assert len(receiver.received[-1].headers["webhook-signature"].split(" ")) == 1


def test_manual_redelivery_sends_the_same_message_again_and_logs_it(endpoint, receiver, published):
    archived = event("article.archived", published)
    flush(endpoint)
    delivery = WebhookDelivery.objects.get()

    attempt = webhooks.webhook_redeliver(delivery=delivery)

    assert attempt.manual
    assert attempt.ok
    assert [r.headers["webhook-id"] for r in receiver.received] == [f"msg_evt{archived.pk}"] * 2
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 2


def test_a_render_that_makes_a_version_live_writes_version_published_once(db):
    article = ArticleFactory(slug="knee")
    version = approve(article)
    [published] = Event.objects.filter(type="version.published")
    assert (published.article_id, published.version_id, published.payload) == (article.pk, version.pk, {"version": 1})

    from articles.publishing import published_version_render

    published_version_render(version_id=version.pk)  # a re-render changes nothing for clients
    assert Event.objects.filter(type="version.published").count() == 1


# --- the API for client apps -----------------------------------------------------------------------


@pytest.fixture
def client_key(db):
    api_key, key = APIKey.objects.create_key(name="mobile app")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client, api_key


def test_a_client_registers_an_endpoint_and_gets_its_secret(client_key, receiver):
    client, api_key = client_key
    response = client.post("/api/v1/webhooks/", {"url": receiver.url, "events": ["version.retracted"]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["version.retracted"]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert endpoint.api_key_id == api_key.pk
    assert response["Cache-Control"] == "no-store"

    listed = client.get("/api/v1/webhooks/").json()
    assert [e["id"] for e in listed] == [endpoint.pk]
    assert "secret" not in listed[0]
    rotated = client.post(f"/api/v1/webhooks/{endpoint.pk}/rotate-secret/", format="json").json()
    assert rotated["secret"] != body["secret"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"url": "ftp://example.org/x", "events": ["version.retracted"]}, "url"),
        ({"url": "http://example.org/x", "events": ["version.deleted"]}, "events"),
        ({"url": "http://example.org/x", "events": []}, "events"),
        ({"url": "http://example.org/x", "events": ["article.archived"], "secret": "mine"}, "secret"),
    ],
)
def test_bad_endpoint_input_is_a_400_naming_the_field_and_nothing_is_saved(client_key, payload, field):
    client, _ = client_key
    response = client.post("/api/v1/webhooks/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert field in (error["detail"] if "field" not in error["detail"] else [error["detail"]["field"]])
    assert not WebhookEndpoint.objects.exists()


def test_a_client_cannot_see_or_change_another_clients_endpoint(client_key, receiver):
    client, _ = client_key
    other = webhooks.webhook_endpoint_create(url=receiver.url, events=["article.archived"])
    assert client.get(f"/api/v1/webhooks/{other.pk}/").status_code == 404
    assert client.delete(f"/api/v1/webhooks/{other.pk}/").status_code == 404
    assert WebhookEndpoint.objects.filter(pk=other.pk).exists()
    assert APIClient().get("/api/v1/webhooks/").status_code == 401


def test_webhook_https_is_required_where_configured(settings):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    with pytest.raises(Exception, match="https") as exc:
        webhooks.webhook_endpoint_create(url="http://example.org/hook", events=["article.archived"])
    assert exc.value.detail == {"field": "url"}


def test_the_overdue_sweep_sends_article_review_due_to_clients_but_not_a_second_mail_to_the_chair(
    endpoint, receiver, published, mailoutbox
):
    from reviewboard.jobs.rereview import flag_overdue_reviews

    ChairFactory(email="chair@example.org")
    Article.objects.filter(pk=published.pk).update(next_review_due=timezone.now() - timedelta(days=1))
    mailoutbox.clear()

    summary = flag_overdue_reviews()

    assert summary.flagged == (published.pk,)
    [due] = Event.objects.filter(type="article.review_due")
    assert due.payload == {"reason": "Its scheduled re-review date has passed.", "digest": True}
    outbox.deliver(due.pk)
    flush(endpoint)
    assert receiver.events() == ["article.review_due"]
    assert len([m for m in mailoutbox if "chair@example.org" in m.to]) == 1  # the sweep's digest only


# --- no webhook to private addresses (SSRF) ---------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:6379/",  # this host (Redis)
        "http://localhost:5432/",
        "http://169.254.169.254/latest/meta-data/",  # a cloud metadata service
        "http://10.0.0.7/hook",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.1]/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://100.64.0.1/hook",  # carrier-grade NAT
    ],
)
def test_a_webhook_to_a_private_address_is_refused_at_registration(client_key, settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client, _ = client_key

    response = client.post("/api/v1/webhooks/", {"url": url, "events": ["version.retracted"]}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "private-url"
    assert response.json()["error"]["detail"] == {"field": "url"}
    assert not WebhookEndpoint.objects.exists()


def test_a_public_address_is_accepted_when_private_ones_are_refused(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    endpoint = webhooks.webhook_endpoint_create(
        url="https://hooks.example.org/reviewboard", events=["article.archived"]
    )
    assert endpoint.url == "https://hooks.example.org/reviewboard"


def test_a_delivery_to_a_name_that_now_resolves_to_a_private_address_is_not_sent(receiver, published, settings):
    """Registered while allowed (or a public name whose DNS later points inside: rebinding), the
    delivery itself checks the address it would connect to: the attempt fails, nothing is sent."""
    endpoint = webhooks.webhook_endpoint_create(
        url=receiver.url.replace("127.0.0.1", "localhost"), events=["article.archived"]
    )
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    event("article.archived", published)
    flush(endpoint)

    assert receiver.received == []
    attempt = WebhookAttempt.objects.get(delivery__endpoint=endpoint)
    assert attempt.status_code is None
    assert "InvalidIPAddress" in attempt.response_excerpt
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == WebhookDelivery.Status.PENDING


@pytest.mark.parametrize(
    "url",
    [
        "http://0x7f.0.0.1/hook",  # hex
        "http://0x7f000001/hook",
        "http://2130706433/hook",  # decimal
        "http://0177.0.0.1/hook",  # octal
        "http://127.1/hook",  # short form
        "http://10.1/hook",
        "http://0/hook",
        "http://127.0.0.1./hook",  # trailing dot
        "http://localhost./hook",
        "http://[0:0:0:0:0:ffff:7f00:1]/hook",
        "http://hooks.inside.example/hook",  # a name resolving to a private address
        "http://loop.inside.example./hook",  # one resolving to loopback, with a trailing dot
    ],
)
def test_unusual_spellings_of_private_addresses_and_names_resolving_inside_are_refused_at_registration(
    client_key, settings, monkeypatch, url
):
    import socket

    real = socket.getaddrinfo
    inside = {"hooks.inside.example": "10.0.0.5", "loop.inside.example": "127.0.0.1"}

    def resolve(host, port, *args, **kwargs):
        name = str(host).rstrip(".")
        if name in inside:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (inside[name], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client, _ = client_key

    response = client.post("/api/v1/webhooks/", {"url": url, "events": ["version.retracted"]}, format="json")

    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "private-url"
    assert not WebhookEndpoint.objects.exists()


def test_a_host_name_that_cannot_be_encoded_is_a_400_naming_the_url(client_key, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    client, _ = client_key

    response = client.post(
        "/api/v1/webhooks/", {"url": f"https://{'a' * 64}.example.org/", "events": ["version.retracted"]}, format="json"
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["detail"] == {"field": "url"}
