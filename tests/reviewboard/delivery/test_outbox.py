"""The outbox consumers plug into: a catalog of event types, consumers registered by a stable key,
delivery tracked per consumer, and an event type nobody consumes refused at start-up."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.template import TemplateSyntaxError
from django.utils import timezone

from reviewboard.delivery import events, notifications, outbox
from reviewboard.models import Event, EventDelivery
from reviewboard.review import services
from tests.factories import ArticleFactory
from tests.http_receiver import Receiver

LATER = timedelta(minutes=5)  # past the outbox's grace: the sweep takes the event


@pytest.fixture(autouse=True)
def purges_do_not_wait(settings):
    """These tests are about per-consumer delivery: the CDN purges run at once (their wait, after the
    read API's micro-cache, is tests/articles/test_caching.py's and test_purge_after_microcache.py's)."""
    settings.API_DETAIL_CACHE_SECONDS = 0
    settings.PURGE_SETTLE_MARGIN_SECONDS = 0
    settings.PURGE_REPEAT_SECONDS = 0


@pytest.fixture
def cdn(settings):
    receiver = Receiver().start()
    settings.PURGE_URL = receiver.url
    yield receiver
    receiver.stop()


def deliver_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True, failed_at__isnull=True).values_list(
        "pk", flat=True
    ):
        outbox.deliver(event_id)


def purged(cdn) -> list[str]:
    return [r.headers["surrogate-key"] for r in cdn.received]


def deliveries(event: Event) -> dict[str, tuple[str, int]]:
    return {d.consumer: (d.state, d.attempts) for d in EventDelivery.objects.filter(event=event)}


# --- one consumer's failure holds back no other ------------------------------------------------------


def test_a_broken_mail_template_does_not_stop_a_retractions_cdn_purge(cdn, published, chair, monkeypatch, mailoutbox):
    deliver_all()
    cdn.received.clear()
    build_email = notifications.build_email

    def broken_retraction_template(template, context, *, to):
        if template == "version_retracted":
            raise TemplateSyntaxError("Invalid block tag on line 3: 'endif'")
        return build_email(template, context, to=to)

    monkeypatch.setattr(notifications, "build_email", broken_retraction_template)

    services.article_retract(article=published, user=chair, reason="Dose error")
    retracted = Event.objects.get(type="version.retracted")
    outbox.deliver(retracted.pk)

    assert "article-back-pain" in purged(cdn)  # the purge ran although the e-mail failed for good
    assert deliveries(retracted) == {
        "webhooks.fan_out": ("delivered", 1),
        "email.version_retracted": ("failed", 1),
        "cdn.purge_article": ("delivered", 1),
        "cdn.purge_article_again": ("delivered", 1),
    }
    retracted.refresh_from_db()
    assert (retracted.dispatched_at, retracted.failed_at is not None) == (None, True)
    assert "email.version_retracted: TemplateSyntaxError" in retracted.last_error
    assert not [m for m in mailoutbox if "retract" in m.subject.lower()]
    # given up: neither the task nor the sweep tries that consumer again
    assert outbox.deliver(retracted.pk) == "skipped"
    deliver_all()
    outbox.deliver_pending(now=timezone.now() + LATER)
    assert deliveries(retracted)["email.version_retracted"] == ("failed", 1)


def test_a_transient_failure_retries_only_that_consumer_with_backoff(cdn, published, chair, mailoutbox):
    deliver_all()
    cdn.status = 503
    mailoutbox.clear()
    now = timezone.now()
    services.article_retract(article=published, user=chair, reason="Dose error")
    retracted = Event.objects.get(type="version.retracted")

    assert outbox.deliver(retracted.pk, now=now) == "retry"
    for other in Event.objects.filter(dispatched_at__isnull=True).exclude(pk=retracted.pk):
        outbox.deliver(other.pk, now=now)  # the status change: its purge waits too

    purge = EventDelivery.objects.get(event=retracted, consumer="cdn.purge_article")
    assert (purge.attempts, purge.next_attempt_at) == (1, now + outbox.backoff(1))
    assert "503" in purge.last_error
    assert deliveries(retracted)["email.version_retracted"] == ("delivered", 1)
    sent = len(mailoutbox)
    assert sent > 0

    # not due yet: the sweep leaves it
    assert outbox.deliver_pending(now=now + timedelta(seconds=59)).get("delivered", 0) == 0
    cdn.status = 200
    counts = outbox.deliver_pending(now=now + outbox.backoff(1))

    assert counts.get("delivered", 0) >= 1
    assert deliveries(retracted)["cdn.purge_article"] == ("delivered", 2)
    assert deliveries(retracted)["email.version_retracted"] == ("delivered", 1)  # not sent again
    assert len(mailoutbox) == sent
    retracted.refresh_from_db()
    assert retracted.dispatched_at is not None
    assert retracted.failed_at is None


# --- consumers: stable keys ----------------------------------------------------------------------------


def test_renaming_a_consumer_function_does_not_deliver_again(published, monkeypatch):
    calls: list[str] = []

    def tell(event):
        calls.append("old name")

    def tell_renamed(event):
        calls.append("new name")

    deliver_all()
    monkeypatch.setattr(events, "_CONSUMERS", dict(events._CONSUMERS))
    events.register_consumer("test.tell", tell, ["article.archived"])
    event_id = outbox.emit("article.archived", article=published)
    outbox.deliver(event_id)
    # the next release: the same key, the function renamed
    events.unregister_consumer("test.tell")
    events.register_consumer("test.tell", tell_renamed, ["article.archived"])

    assert outbox.deliver(event_id) == "skipped"
    assert outbox.deliver_pending(now=timezone.now() + LATER) == {}
    assert calls == ["old name"]


def test_a_key_is_one_consumer_and_types_must_be_declared(monkeypatch):
    monkeypatch.setattr(events, "_CONSUMERS", dict(events._CONSUMERS))

    with pytest.raises(ImproperlyConfigured, match=r"email\.version_approved.*taken"):
        events.register_consumer("email.version_approved", lambda event: None, ["version.approved"])
    with pytest.raises(ImproperlyConfigured, match=r"version\.aproved"):
        events.register_consumer("test.typo", lambda event: None, ["version.aproved"])


def test_every_consumer_is_registered_by_its_own_module_under_a_stable_key():
    registered = events.registered()
    assert registered["webhooks.fan_out"] == (
        "version.published",
        "version.retracted",
        "article.archived",
        "article.review_due",
        "article.status_changed",
    )
    assert registered["cdn.purge_article"] == (
        "version.published",
        "version.retracted",
        "article.archived",
        "version.significance_assessed",
    )
    assert registered["email.version_approved"] == ("version.approved",)
    assert registered["email.citations_retracted"] == ("citations.retracted",)
    assert events.consumers_of("version.retracted") == [
        "webhooks.fan_out",
        "email.version_retracted",
        "cdn.purge_article",
        "cdn.purge_article_again",
    ]


def test_the_outbox_imports_none_of_its_consumers():
    with open(outbox.__file__, encoding="utf-8") as module:
        source = module.read()
    for module in ("notifications", "webhooks", "retractions", "articles.api.caching"):
        assert f"import {module}" not in source
        assert f"{module} import" not in source


# --- the catalog -----------------------------------------------------------------------------------------


def test_an_unknown_event_type_or_a_payload_missing_a_field_fails_loudly(published):
    with pytest.raises(events.EventTypeError, match=r"Unknown event type 'version\.aproved'"):
        outbox.emit("version.aproved", article=published, version=1)
    with pytest.raises(events.EventTypeError, match="missing reason"):
        outbox.emit("version.retracted", article=published, version=1)
    with pytest.raises(events.EventTypeError, match="undeclared colour"):
        outbox.emit("article.archived", article=published, colour="red")
    assert not Event.objects.filter(type__in=["version.aproved", "article.archived"]).exists()


def test_without_strict_events_an_unknown_type_is_recorded_failed_never_delivered(published, settings, caplog):
    settings.OUTBOX_STRICT_EVENTS = False

    event_id = outbox.emit("version.aproved", article=published, version=1)

    event = Event.objects.get(pk=event_id)
    assert (event.dispatched_at, event.failed_at is not None) == (None, True)
    assert "Unknown event type" in event.last_error
    assert not EventDelivery.objects.filter(event=event).exists()
    assert "will not be delivered" in caplog.text


def test_an_action_writes_all_its_events_and_their_deliveries_in_two_inserts(article, author):
    """Submitting emits two events of two types: one insert of events and one of deliveries, each event with
    the consumers of its own type (it used to be two inserts an event)."""
    from django.test.utils import CaptureQueriesContext

    from tests.reviewboard.conftest import submit

    with CaptureQueriesContext(connection) as queries:
        submit(article, author)

    inserts = [q["sql"].split('"')[1] for q in queries if q["sql"].startswith('INSERT INTO "reviewboard_event')]
    assert inserts == ["reviewboard_event", "reviewboard_eventdelivery"]
    written = Event.objects.filter(article=article).order_by("-pk")[:2]
    assert {event.type: sorted(deliveries(event)) for event in written} == {
        event_type: sorted(events.consumers_of(event_type))
        for event_type in ("article.submitted", "article.status_changed")
    }


def test_every_declared_type_has_a_consumer_and_a_line_in_the_docs():
    assert events.unconsumed_types() == []
    with open("docs/architecture.md", encoding="utf-8") as architecture:
        docs = architecture.read()
    for name, declared in events.CATALOG.items():
        assert f"`{name}`" in docs, f"{name} is not listed in docs/architecture.md"
        assert declared.meaning


def test_an_event_type_nobody_consumes_stops_the_start_up(monkeypatch):
    catalog = dict(events.CATALOG)
    catalog["version.translated"] = events.EventType("version.translated", "A translation was published.", ("lang",))
    monkeypatch.setattr(events, "CATALOG", catalog)

    with pytest.raises(ImproperlyConfigured, match=r"No outbox consumer takes the event type\(s\) version\.translated"):
        apps.get_app_config("reviewboard").ready()


# --- two workers never deliver the same (event, consumer) ----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_delivery_held_by_another_worker_is_skipped_and_the_others_go_ahead():
    article = ArticleFactory(slug="knee")
    with transaction.atomic():
        event_id = outbox.emit("article.archived", article=article)
        # the commit's own task ran eagerly: put the deliveries back to pending for this test
    EventDelivery.objects.filter(event_id=event_id).update(delivered_at=None, attempts=0)
    Event.objects.filter(pk=event_id).update(dispatched_at=None)
    fan_out = EventDelivery.objects.get(event_id=event_id, consumer="webhooks.fan_out")
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                EventDelivery.objects.select_for_update().get(pk=fan_out.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(timeout=30)
        assert outbox.deliver_one(fan_out.pk) == "skipped"
        assert outbox.deliver(event_id) == "retry"  # the purge went ahead; the fan-out waits for its holder
        assert deliveries(Event.objects.get(pk=event_id)) == {
            "webhooks.fan_out": ("pending", 0),
            "cdn.purge_article": ("delivered", 1),
            "cdn.purge_article_again": ("delivered", 1),
        }
    finally:
        release.set()
        thread.join(timeout=30)
    assert outbox.deliver(event_id) == "delivered"


# --- the admin ---------------------------------------------------------------------------------------------


def test_the_event_admin_shows_each_consumers_state_read_only(client, chair, published, reviewers, cdn):
    cdn.status = 503
    deliver_all()
    services.article_retract(article=published, user=chair, reason="Dose error")
    retracted = Event.objects.get(type="version.retracted")
    outbox.deliver(retracted.pk)
    client.force_login(chair)

    listing = client.get("/admin/reviewboard/event/")
    page = client.get(f"/admin/reviewboard/event/{retracted.pk}/change/")

    assert listing.status_code == page.status_code == 200
    assert "cdn.purge_article: retrying" in listing.content.decode()
    body = page.content.decode()
    for text in ("webhooks.fan_out", "email.version_retracted", "cdn.purge_article", "retrying", "503"):
        assert text in body
    assert "The chair retracted the live version" in body  # the catalog's meaning
    assert client.get("/admin/reviewboard/event/add/").status_code == 403
    assert client.post(f"/admin/reviewboard/event/{retracted.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Event.objects.filter(pk=retracted.pk).exists()
    client.force_login(reviewers[0])
    assert client.get("/admin/reviewboard/event/").status_code in (302, 403)  # the chair's only


def test_a_summary_left_behind_by_a_killed_worker_is_settled_by_the_next_delivery(published):
    deliver_all()
    event_id = outbox.emit("article.archived", article=published)
    for delivery in EventDelivery.objects.filter(event_id=event_id):
        outbox.deliver_one(delivery.pk)  # each consumer delivered; the worker died before ``_settle``
    assert Event.objects.get(pk=event_id).dispatched_at is None

    assert outbox.deliver(event_id) == "skipped"  # nothing left to deliver...

    assert Event.objects.get(pk=event_id).dispatched_at is not None  # ...and the summary says so
