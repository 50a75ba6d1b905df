"""Issue 19, item 3: the audit checkpoints alert the chair (through the outbox) when their count
drops, or when entries have waited two checkpoint intervals without being signed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reviewboard.audit.chain import audit_append
from reviewboard.audit.checkpoints import audit_checkpoint_create
from reviewboard.delivery import outbox
from reviewboard.jobs.audit_watch import ALERT_EVENT, watch_audit_checkpoints
from reviewboard.models import AuditCheckpoint, AuditEntry, Event
from tests.factories import UserFactory
from tests.security.test_audit_db_user import as_superuser_past_the_triggers

pytestmark = pytest.mark.django_db

INTERVAL = timedelta(minutes=15)


def append(count: int) -> list[AuditEntry]:
    actor = UserFactory()
    return [audit_append(action=f"act-{i}", actor=actor) for i in range(count)]


def alerts() -> list[Event]:
    return list(Event.objects.filter(type=ALERT_EVENT).order_by("pk"))


def deliver_alerts() -> None:
    for event in alerts():
        outbox.deliver(event.pk)


def three_checkpoints() -> None:
    for _ in range(3):
        append(2)
        audit_checkpoint_create()


def test_a_healthy_chain_raises_no_alert(chair, mailoutbox):
    three_checkpoints()
    mailoutbox.clear()

    result = watch_audit_checkpoints(now=timezone.now() + INTERVAL)

    assert result.problems == ()
    assert alerts() == []


def test_a_dropped_checkpoint_alerts_the_chair_once(chair, mailoutbox):
    three_checkpoints()
    watch_audit_checkpoints()
    mailoutbox.clear()
    last = AuditCheckpoint.objects.order_by("-seq").first()
    as_superuser_past_the_triggers("DELETE FROM reviewboard_auditcheckpoint WHERE id = %s", [last.pk])

    result = watch_audit_checkpoints()

    assert [problem.kind for problem in result.problems] == ["count-dropped"]
    (alert,) = alerts()
    assert alert.payload["kind"] == "count-dropped"
    deliver_alerts()
    (message,) = mailoutbox
    assert message.to == [chair.email]
    assert "There are 2 audit checkpoints, but 3 were signed" in message.body
    # The next sweep does not mail again for the same drop.
    watch_audit_checkpoints()
    assert len(alerts()) == 1


def test_entries_left_unsigned_for_two_intervals_alert_the_chair(chair, mailoutbox):
    three_checkpoints()
    append(1)  # beat's checkpoint job stopped after this entry
    mailoutbox.clear()
    oldest_unsigned = AuditEntry.objects.order_by("-seq").first().created_at

    assert watch_audit_checkpoints(now=oldest_unsigned + 2 * INTERVAL - timedelta(seconds=1)).problems == ()
    result = watch_audit_checkpoints(now=oldest_unsigned + 2 * INTERVAL + timedelta(seconds=1))

    assert [problem.kind for problem in result.problems] == ["not-signed"]
    deliver_alerts()
    (message,) = mailoutbox
    assert "not been signed" in message.subject


def test_a_quiet_board_needs_no_new_checkpoint(chair, mailoutbox):
    three_checkpoints()  # the head has not moved since: the job signs nothing new, rightly

    assert watch_audit_checkpoints(now=timezone.now() + 10 * INTERVAL).problems == ()
    assert alerts() == []
