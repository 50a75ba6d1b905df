"""Fixtures for the scheduled-job tests: fixed clocks, late assignments, real Celery workers.

Real-worker fixtures point the project's Celery app at the Redis of ``REDIS_URL`` (a DB of its
own per test run, e.g. ``redis://127.0.0.1:6379/7``), never eager, and put every setting back
afterwards. ``throwaway_redis`` starts a private redis-server on a free port, so a test can stop
"the broker" without touching the shared one.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache

from articles.models import Article, ReviewState
from reviewboard.board.groups import ensure_board_groups
from reviewboard.models import Assignment
from tests.factories import ArticleFactory, ChairFactory, ReviewerFactory, round_for

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the fixed "now" of the time-travelled tests
REVIEW_HASH = "a" * 64
WAIT_SECONDS = 30


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def board_groups(db):
    ensure_board_groups()


@pytest.fixture
def chair(board_groups):
    return ChairFactory(username="chair", email="chair@example.org")


@pytest.fixture
def reviewer(board_groups):
    return ReviewerFactory(username="late-reviewer", first_name="Ada", last_name="Osler")


def under_review_article(**kwargs) -> Article:
    """An article under review with a frozen review hash (state set directly: the sweeps only read it)."""
    kwargs = {"with_content": False, "state": ReviewState.UNDER_REVIEW, "review_hash": REVIEW_HASH, **kwargs}
    return ArticleFactory(**kwargs)


def late_assignment(
    reviewer, *, article: Article | None = None, due_at: datetime = T0 - timedelta(hours=1), **fields
) -> Assignment:
    article = article or under_review_article()
    return Assignment.objects.create(
        article=article, round=round_for(article), reviewer=reviewer, due_at=due_at, **fields
    )


def fresh(assignment: Assignment) -> Assignment:
    return Assignment.objects.get(pk=assignment.pk)


def wait_for(condition: Callable[[], object], *, timeout: float = WAIT_SECONDS, what: str = "condition") -> object:
    """Poll ``condition`` until it is truthy; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:.0f} s waiting for {what}.")
        time.sleep(0.2)


# --- brokers and workers ---------------------------------------------------------------------


def broker_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis://"):
        pytest.fail("The real-worker tests need REDIS_URL=redis://... (a Redis DB of their own).")
    return url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def throwaway_redis() -> Iterator[RedisServer]:
    """A private redis-server on a free port, for tests that stop the broker."""
    import redis

    port = free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = RedisServer(url=f"redis://127.0.0.1:{port}/0", process=process)
    try:
        client = redis.Redis.from_url(server.url, socket_connect_timeout=1)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(up, timeout=10, what=f"redis-server on port {port}")
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def celery_on(url: str, **transport_options) -> Iterator:
    """Point the project's Celery app at ``url`` (not eager) and put everything back afterwards."""
    from config.celery import app

    keys = ("broker_url", "task_always_eager", "broker_transport_options")
    saved = {key: app.conf[key] for key in keys}
    _reset_connections(app)
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        broker_transport_options={**saved["broker_transport_options"], **transport_options},
    )
    try:
        yield app
    finally:
        _reset_connections(app)
        app.conf.update(saved)


def _reset_connections(app) -> None:
    """Close and forget pooled broker connections (kombu keeps them in global pools keyed by URL),
    so the next publish connects to the current ``broker_url``."""
    from kombu import pools

    pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


def purge_queues(app) -> None:
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_purge(app.conf.task_default_queue)


@pytest.fixture
def celery_app(transactional_db, settings) -> Iterator:
    """The project's Celery app on the real Redis of ``REDIS_URL``, not eager, its queue empty."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with celery_on(broker_url()) as app:
        purge_queues(app)
        try:
            yield app
        finally:
            purge_queues(app)


@contextlib.contextmanager
def running_worker(app, **kwargs) -> Iterator:
    """An in-process worker (solo pool, own thread) consuming the app's default queue."""
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=WAIT_SECONDS, loglevel="WARNING", **kwargs
    ) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_app) -> Iterator:
    with running_worker(celery_app) as worker:
        yield worker


def start_slow_worker(tmp_path, *, module: str, extra_env: dict[str, str]):
    """A real Celery worker in its own process (``python -m <module>``), on the test database and the
    test Redis, with ``extra_env`` (the slow step and its marker file); its output goes to a log file."""
    import subprocess
    import sys

    from django.conf import settings
    from django.db import connection

    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": broker_url(),
        "CELERY_SKIP_CHECKS": "1",
        **extra_env,
    }
    log = (tmp_path / f"{module.rsplit('.', 1)[-1]}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", module], cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
    )
