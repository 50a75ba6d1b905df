"""Celery tasks for published versions: thin wrappers that fetch by id and call a service.

Both are idempotent (rendering the same state writes the same bytes, or nothing), so they are
acknowledged late and retried with backoff on transient errors (``config.queue.TRANSIENT_ERRORS``).
They are sent with ``config.queue.enqueue_after_commit`` (``articles.publishing.RENDER_TASK``).
"""

from __future__ import annotations

import logging

from celery import shared_task

from articles import publishing
from config.exceptions import NotFound
from config.queue import TRANSIENT_ERRORS

logger = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def render_published_version(self, version_id: int) -> str:
    try:
        version = publishing.published_version_render(version_id=version_id)
    except NotFound:
        logger.warning("Published version %s is gone; nothing to render.", version_id)
        return "missing"
    return version.etag


@shared_task(bind=True, acks_late=True, autoretry_for=TRANSIENT_ERRORS, retry_backoff=True, max_retries=5)
def regenerate_for_reference(self, reference_id: int) -> int:
    return publishing.regenerate_for_reference(reference_id)
