"""A real Celery worker whose outbox deliveries hang after the consumers ran and before the
delivery's transaction commits (test-only).

Run as ``python -m tests.reviewboard.jobs.slow_outbox_worker`` with ``DATABASE_URL``/``REDIS_URL`` pointing at
the test database and broker. Each consumer of ``reviewboard.delivery.outbox`` runs for real, then the
worker touches ``JOBS_SLOW_DELIVERY_MARKER`` (the event id) and sleeps
``JOBS_SLOW_DELIVERY_SECONDS`` while it holds the event's row lock: a ``kill -9`` during the sleep
is a worker dying in the middle of a delivery.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from config.celery import app  # noqa: E402
from reviewboard.delivery import outbox  # noqa: E402

_consumers = outbox.consumers


def _slow(consumer):
    def slow_consumer(event):
        consumer(event)
        Path(os.environ["JOBS_SLOW_DELIVERY_MARKER"]).write_text(str(event.pk))
        time.sleep(float(os.environ.get("JOBS_SLOW_DELIVERY_SECONDS", "120")))

    slow_consumer.__name__ = consumer.__name__
    return slow_consumer


def slow_consumers():
    return {kind: [(name, _slow(consumer)) for name, consumer in pairs] for kind, pairs in _consumers().items()}


outbox.consumers = slow_consumers

if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname=slow-outbox-{os.getpid()}@%h",
        ]
    )
