import pytest
from django.db import connection

from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory


@pytest.fixture
def author(db):
    return AuthorFactory(username="author")


@pytest.fixture
def chair(db):
    return ChairFactory(username="chair")


@pytest.fixture
def reviewers(db):
    return [ReviewerFactory(username=f"reviewer{i}") for i in (1, 2, 3)]


@pytest.fixture
def article(db, author):
    return ArticleFactory(authors=[author])


@pytest.fixture
def quorum_approves(settings):
    """The board setting "the quorum approves" (the behaviour before issue 18): for tests about something
    else that reach approval through the sign-off completing the quorum. The default is "the chair decides"."""
    settings.REVIEW_DECIDED_BY = "quorum"


@pytest.fixture
def eager_tasks(settings):
    """Run Celery tasks in-process, so a task's real effect can be read back in the test.

    Eager mode is not a Celery test: the real-worker tests are in tests/reviewboard/jobs."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _flush_past_the_audit_triggers(execute, sql, params, many, context):
    """The flush after a transactional test TRUNCATEs every table, the audit log's too, which its
    triggers refuse (reviewboard migration 0004). Only there, the test's superuser bypasses the
    triggers for the flush's own transaction, as only a superuser can."""
    if sql.startswith("TRUNCATE") and connection.vendor == "postgresql":
        execute("SET LOCAL session_replication_role = replica", None, False, context)
    return execute(sql, params, many, context)


@pytest.fixture(autouse=True, scope="session")
def _audit_triggers_allow_the_test_flush():
    connection.execute_wrappers.append(_flush_past_the_audit_triggers)
    yield
    connection.execute_wrappers.remove(_flush_past_the_audit_triggers)


@pytest.fixture
def clean_api_caches():
    """Per-process API state cleared before and after: cache, throttle counters, verified keys, payloads."""
    from django.core.cache import cache

    from articles.api import payloads
    from articles.api.authentication import clear_api_key_cache
    from articles.api.throttling import clear_counters

    clears = (cache.clear, clear_counters, clear_api_key_cache, payloads.clear)
    for clear in clears:
        clear()
    yield
    for clear in clears:
        clear()
