"""Migration 0013 carries each event's ``done`` (consumers by function name) over to per-consumer
``EventDelivery`` rows: nothing delivered is sent again, what was pending is still delivered once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from reviewboard.delivery import outbox
from reviewboard.models import Event, EventDelivery

BEFORE = ("reviewboard", "0012_review_tracker_backfill")
AFTER = ("reviewboard", "0013_event_deliveries_per_consumer")

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


def migrate_to_latest() -> None:
    """Back to the newest migrations (every app's leaf), so later tests see today's schema."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def states(event_id: int) -> dict[str, tuple[str, int, str]]:
    return {d.consumer: (d.state, d.attempts, d.last_error) for d in EventDelivery.objects.filter(event_id=event_id)}


def test_existing_events_keep_what_was_delivered_and_what_was_pending_is_delivered_once():
    now = timezone.now() - timedelta(hours=1)
    try:
        old = migrate(BEFORE).get_model("reviewboard", "Event")
        delivered = old.objects.create(
            type="version.retracted",
            created_at=now,
            dispatched_at=now,
            attempts=1,
            done=["webhook:webhook_fan_out", "email:email_board_version_retracted", "purge:purge_article_cache"],
        ).pk
        retrying = old.objects.create(
            type="version.retracted",
            created_at=now,
            attempts=2,
            next_attempt_at=now,
            last_error="purge:purge_article_cache: ConnectionError: the CDN is down",
            done=["webhook:webhook_fan_out", "email:email_board_version_retracted"],
        ).pk
        untouched = old.objects.create(type="audit.checkpoint", created_at=now, payload={"seq": 99}).pk
        failed = old.objects.create(
            type="version.retracted",
            created_at=now,
            failed_at=now,
            attempts=1,
            last_error="email:email_board_version_retracted: TemplateSyntaxError: bad tag",
            done=["webhook:webhook_fan_out"],
        ).pk
        older = old.objects.create(type="comment.blocking", created_at=now, dispatched_at=now, attempts=1).pk
        migrate(AFTER)
    finally:
        migrate_to_latest()

    assert states(delivered) == {
        "webhooks.fan_out": ("delivered", 1, ""),
        "email.version_retracted": ("delivered", 1, ""),
        "cdn.purge_article": ("delivered", 1, ""),
    }
    assert states(retrying) == {
        "webhooks.fan_out": ("delivered", 2, ""),
        "email.version_retracted": ("delivered", 2, ""),
        "cdn.purge_article": ("retrying", 2, "ConnectionError: the CDN is down"),
    }
    assert states(untouched) == {"log.audit_checkpoint": ("pending", 0, "")}
    assert states(failed)["email.version_retracted"] == ("failed", 1, "TemplateSyntaxError: bad tag")
    assert states(failed)["webhooks.fan_out"][0] == "delivered"
    assert states(failed)["cdn.purge_article"][0] == "failed"  # never reached then: not sent years later
    assert states(older) == {}
    assert Event.objects.get(pk=older).dispatched_at is not None

    # the pending ones are delivered by the sweep, each consumer once
    counts = outbox.deliver_pending(now=timezone.now() + timedelta(minutes=5))

    assert counts == {"delivered": 2}  # the retried purge and the checkpoint's log line
    assert states(retrying)["cdn.purge_article"][:2] == ("delivered", 3)
    assert states(untouched)["log.audit_checkpoint"][:2] == ("delivered", 1)
    assert Event.objects.get(pk=retrying).dispatched_at is not None
    assert outbox.deliver_pending(now=timezone.now() + timedelta(minutes=5)) == {}
