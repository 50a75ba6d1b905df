"""A real Celery worker whose renders hang after writing and before committing (test-only).

Run as ``python -m tests.reviewboard.jobs.slow_worker`` with ``DATABASE_URL``/``REDIS_URL`` pointing at the
test database and broker. Each render of a published version runs the real
``articles.publishing.published_version_render`` inside an outer transaction, then touches the
file ``JOBS_SLOW_RENDER_MARKER`` and sleeps ``JOBS_SLOW_RENDER_SECONDS`` before that transaction
commits: a ``kill -9`` during the sleep is a worker dying in the middle of a render, with its row
locks held and its writes not yet committed.
"""

import os
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
django.setup()

from django.db import transaction  # noqa: E402

from articles import publishing  # noqa: E402
from config.celery import app  # noqa: E402

_render = publishing.published_version_render


def slow_render(*, version_id: int):
    with transaction.atomic():
        version = _render(version_id=version_id)
        Path(os.environ["JOBS_SLOW_RENDER_MARKER"]).write_text(str(version_id))
        time.sleep(float(os.environ.get("JOBS_SLOW_RENDER_SECONDS", "120")))
    return version


publishing.published_version_render = slow_render

if __name__ == "__main__":
    app.worker_main(
        [
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            f"--hostname=slow-{os.getpid()}@%h",
        ]
    )
