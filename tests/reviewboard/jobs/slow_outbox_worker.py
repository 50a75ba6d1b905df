"""A real Celery worker whose outbox deliveries hang after the consumers ran and before the
delivery's transaction commits (test-only).

Run as ``python -m tests.reviewboard.jobs.slow_outbox_worker`` with ``DATABASE_URL``/``REDIS_URL`` pointing at
the test database and broker. Each consumer of ``reviewboard.delivery.outbox`` runs for real, then the
worker touches ``JOBS_SLOW_DELIVERY_MARKER`` (the event id) and sleeps
``JOBS_SLOW_DELIVERY_SECONDS`` while it holds the delivery's row lock: a ``kill -9`` during the sleep
is a worker dying in the middle of a delivery.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from config.celery import app  # noqa: E402
from reviewboard.delivery import events  # noqa: E402

_consumer_function = events.consumer_function


def _slow(consumer):
    def slow_consumer(event):
        consumer(event)
        Path(os.environ["JOBS_SLOW_DELIVERY_MARKER"]).write_text(str(event.pk))
        time.sleep(float(os.environ.get("JOBS_SLOW_DELIVERY_SECONDS", "120")))

    return slow_consumer


def slow_consumer_function(key):
    consumer = _consumer_function(key)
    return _slow(consumer) if consumer is not None else None


events.consumer_function = slow_consumer_function

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
