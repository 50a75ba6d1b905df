"""Several beats (config/beat.py): only the holder of the lock in Redis sends; a standby takes over
when the leader's lock expires, re-reading the schedule first."""

from __future__ import annotations

import uuid

import pytest
from django_celery_beat.schedulers import DatabaseScheduler

from config import beat
from config.celery import app as celery_app


@pytest.fixture
def lock_settings(settings):
    settings.BEAT_LOCK_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/12"
    settings.BEAT_LOCK_NAME = f"test:beat:{uuid.uuid4().hex}"
    settings.BEAT_LOCK_SECONDS = 30
    return settings


def test_one_lock_holder_at_a_time_and_the_other_takes_over_when_it_is_released(lock_settings):
    first, second = beat.beat_lock(), beat.beat_lock()

    assert first.hold() is True
    assert second.hold() is False
    assert first.hold() is True  # renewed

    first.release()
    assert second.hold() is True
    assert first.hold() is False


def test_a_leader_whose_lock_expired_and_was_taken_stops_sending(lock_settings):
    first, second = beat.beat_lock(), beat.beat_lock()
    assert first.hold() is True

    first.client.delete(lock_settings.BEAT_LOCK_NAME)  # as if it had expired while the leader hung
    assert second.hold() is True

    assert first.hold() is False


def test_redis_unreachable_means_no_beat_sends(lock_settings):
    lock_settings.BEAT_LOCK_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    assert beat.beat_lock().hold() is False


@pytest.mark.django_db(transaction=True)  # the scheduler closes stale database connections
def test_two_beats_only_the_leader_ticks_the_schedule(lock_settings, monkeypatch):
    ticks = []
    monkeypatch.setattr(DatabaseScheduler, "tick", lambda self, *a, **k: ticks.append(self) or 1.0)
    leader = beat.SingleBeatScheduler(app=celery_app)
    standby = beat.SingleBeatScheduler(app=celery_app)
    try:
        for _ in range(3):
            leader.tick()
            standby.tick()

        assert ticks == [leader, leader, leader]
        assert standby.leading is False

        leader.close()  # the leader stops: its lock is released
        standby.tick()
        assert ticks[-1] is standby
        assert standby.leading is True
    finally:
        leader.close()
        standby.close()
