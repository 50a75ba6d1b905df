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
    """The flush after a transactional test empties every table, the audit log's too, which its triggers
    refuse (reviewboard migration 0004). Only there, the test's superuser bypasses the triggers for the
    flush's own transaction, as only a superuser can.

    Django flushes with one ``TRUNCATE`` of every table: on PostgreSQL that gives each of ~60 tables and
    their indexes new files, and took 0.2-0.4 s per transactional test on an idle machine. The tables of a
    test hold a few rows, so deleting them is the same result (the same empty tables, sequences not reset,
    as a TRUNCATE without RESTART IDENTITY) in about a hundredth of the time; with the triggers bypassed
    (foreign keys are triggers too), the order of the tables does not matter."""
    if not (sql.startswith("TRUNCATE") and connection.vendor == "postgresql"):
        return execute(sql, params, many, context)
    execute("SET LOCAL session_replication_role = replica", None, False, context)
    tables = _plain_truncate_tables(sql)
    if tables is None:  # RESTART IDENTITY or CASCADE: Django's own statement
        return execute(sql, params, many, context)
    # The names are Django's own quoted identifiers, from its statement (checked by _plain_truncate_tables).
    deletes = "".join(f"DELETE FROM {table};" for table in tables)  # noqa: S608
    return execute(deletes, None, False, context)


def _plain_truncate_tables(sql: str) -> list[str] | None:
    """The quoted table names of Django's ``TRUNCATE "a", "b";``, or None for any other form."""
    body = sql.removeprefix("TRUNCATE").strip().removesuffix(";").strip()
    tables = [name.strip() for name in body.split(",")]
    if not tables or not all(len(t) > 2 and t[0] == t[-1] == '"' and '"' not in t[1:-1] for t in tables):
        return None
    return tables


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
