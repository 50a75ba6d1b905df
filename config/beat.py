"""Celery beat that may run on several hosts: only the holder of a lock in Redis sends.

``celery beat`` sends each periodic task once per schedule; two beats (two hosts started for
availability, or an old one not yet stopped) would each send it. ``SingleBeatScheduler`` is
django-celery-beat's ``DatabaseScheduler`` (the schedule the chair edits in admin) with a leader lock:
a beat sends only while it holds ``BEAT_LOCK_NAME`` in Redis (``SET NX`` with a time to live of
``BEAT_LOCK_SECONDS``, renewed at every tick, released at shutdown). A standby beat ticks, finds the
lock taken, and sleeps; when the leader dies its lock expires and a standby takes over within
``BEAT_LOCK_SECONDS``, first re-reading the schedule (with the leader's last-run times) from the
database so that it does not send again what the leader sent. Redis unreachable: no beat sends (the
broker is that Redis: nothing could be sent anyway). Without Redis (tasks run in-process) every beat
leads. The tasks themselves stay idempotent (a sweep run twice changes nothing the second time).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket

from django.conf import settings
from django_celery_beat.schedulers import DatabaseScheduler

logger = logging.getLogger(__name__)

DEFAULT_LOCK_NAME = "reviewboard:beat:leader"


class BeatLock:
    """A lock in Redis that one beat holds at a time, renewed while held."""

    def __init__(self, url: str, *, name: str, ttl: float) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self.lock = self.client.lock(name, timeout=ttl, thread_local=False)
        self.held = False

    def hold(self) -> bool:
        """Whether this process holds the lock now (taking it when free, renewing it when held)."""
        import redis

        try:
            if self.held:
                self.lock.reacquire()  # raises LockNotOwnedError when it expired and another took it
            else:
                self.held = self.lock.acquire(blocking=False)
        except redis.exceptions.LockError:
            self.held = False
        except redis.exceptions.RedisError as exc:
            logger.warning("Beat lock: Redis cannot be reached (%s); not sending", exc.__class__.__name__)
            self.held = False
        return self.held

    def release(self) -> None:
        import redis

        if self.held:
            with contextlib.suppress(redis.exceptions.RedisError):  # else it expires by itself
                self.lock.release()
            self.held = False


def beat_lock() -> BeatLock | None:
    url = getattr(settings, "BEAT_LOCK_URL", "") or getattr(settings, "REDIS_URL", "")
    if not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return BeatLock(
        url,
        name=getattr(settings, "BEAT_LOCK_NAME", DEFAULT_LOCK_NAME),
        ttl=float(getattr(settings, "BEAT_LOCK_SECONDS", 30)),
    )


class SingleBeatScheduler(DatabaseScheduler):
    """django-celery-beat's scheduler; sends only while it holds the beat lock."""

    def __init__(self, *args, **kwargs):
        self.beat_lock = beat_lock()
        self.identity = f"{socket.gethostname()}:{os.getpid()}"
        self.leading = self.beat_lock is None
        super().__init__(*args, **kwargs)

    def tick(self, *args, **kwargs):
        if self.beat_lock is not None:
            leading = self.beat_lock.hold()
            if leading and not self.leading:
                logger.info("Beat %s now leads: re-reading the schedule", self.identity)
                self.reload_schedule()
            elif self.leading and not leading:
                logger.warning("Beat %s lost the lock: standing by", self.identity)
            self.leading = leading
            if not leading:
                return min(self.max_interval, float(getattr(settings, "BEAT_LOCK_SECONDS", 30)) / 3)
        return super().tick(*args, **kwargs)

    def reload_schedule(self) -> None:
        """The schedule as the database has it now (the last leader's last-run times), heap rebuilt."""
        self._schedule = self.all_as_schedule()
        self._heap = None

    def close(self):
        try:
            super().close()
        finally:
            if self.beat_lock is not None:
                self.beat_lock.release()
