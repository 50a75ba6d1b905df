"""The one way to send a Celery task from application code, and the one list of transient errors.

Every app may import this module (``articles`` and ``references`` may not import ``reviewboard``, so it
lives here, beside the Celery app):

- ``TRANSIENT_ERRORS``: failures that go away by themselves (a database, broker, network or mail
  server that is restarting or unreachable). Tasks retry these with backoff (``autoretry_for``), the
  outbox retries a consumer that raised one, a sweep re-raises one so its task retries; anything else
  (a bug, a template error, a message that cannot be built) is permanent and is never retried.
- ``enqueue_after_commit(task, *args, **kwargs)``: ``task.delay(*args, **kwargs)`` once the current
  transaction commits (at once outside one), never inside it (a worker could run before the commit).
  A broker that cannot take the task is logged, never raised: the transaction it follows has
  committed, and the row it was for stays marked for the sweep that repairs it (the outbox's
  ``deliver_pending``, the webhooks' ``deliver_due_webhooks``, the reconciliation's renders).
- ``enqueue_now``: what that after-commit callback runs (for code that already runs after a commit).

``task`` is a Celery task, or its dotted path (``"articles.tasks.render_published_version"``),
imported when it is sent: a module may enqueue a task defined in a module that imports it.
"""

from __future__ import annotations

import logging
import smtplib
from functools import partial
from typing import Any

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    smtplib.SMTPException,
    ConnectionError,
    TimeoutError,
)


def enqueue_after_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """Send ``task`` with these arguments once the current transaction commits; see the module's doc."""
    transaction.on_commit(partial(_send, task, args, kwargs))


def enqueue_later_after_commit(task: Any, *args: Any, countdown: float) -> None:
    """Send ``task`` with these arguments ``countdown`` seconds after the current transaction commits.
    In-process (eager) tasks cannot wait, so there nothing is sent: the sweep, or the test, delivers
    what is due."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return
    transaction.on_commit(partial(_enqueue, task, args, {}, countdown=countdown))


def _send(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return enqueue_now(task, *args, **kwargs)


def enqueue_now(task: Any, *args: Any, **kwargs: Any) -> bool:
    """``task.delay(...)``; a broker that is down is logged (False), not raised."""
    return _enqueue(task, args, kwargs)


def _enqueue(task: Any, args: tuple[Any, ...], kwargs: dict[str, Any], *, countdown: float | None = None) -> bool:
    """Send ``task`` now (or ``countdown`` seconds from now); a broker that is down is logged, not raised."""
    if isinstance(task, str):
        task = import_string(task)
    try:
        if countdown is None:
            task.delay(*args, **kwargs)
        else:
            task.apply_async(args, kwargs, countdown=countdown)
    except TRANSIENT_ERRORS as exc:
        logger.error("Could not enqueue %s%r: %s. It stays pending; the sweep will deliver it.", task.name, args, exc)
        return False
    return True
