import pytest
from django.db import connection
from django.test import Client, TransactionTestCase

from tests import db_flush, logins
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory, the_author, the_chair, the_reviewers
from tests.reviewboard.review_world import review_world_of


# In a module that uses ``review_world`` (tests/reviewboard/review_world.py), the world's people, read fresh.
@pytest.fixture
def author(db, request):
    world = review_world_of(request)
    return world.author() if world is not None else the_author()


@pytest.fixture
def chair(db, request):
    world = review_world_of(request)
    return world.chair() if world is not None else the_chair()


@pytest.fixture
def reviewers(db, request):
    world = review_world_of(request)
    return world.reviewers() if world is not None else the_reviewers()


@pytest.fixture
def article(db, author):
    return ArticleFactory(authors=[author])


@pytest.fixture
def published(db):
    """An approved article (slug ``back-pain``) with its rendered published version, read back."""
    article = ArticleFactory(slug="back-pain")
    approve(article)
    article.refresh_from_db()
    return article


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


@pytest.fixture(autouse=True, scope="session")
def _quick_flush():
    """Transactional tests' flush: deletes instead of TRUNCATE, past the audit log's triggers, and leaves
    what ``post_migrate`` made in place while it is unchanged (tests/db_flush.py)."""
    connection.execute_wrappers.append(db_flush.flush_by_delete)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", db_flush.fixture_teardown)
        yield
    connection.execute_wrappers.remove(db_flush.flush_by_delete)


@pytest.fixture(autouse=True, scope="session")
def _quick_login():
    """``Client.force_login`` writes the session a login leaves, without the login (tests/logins.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Client, "force_login", logins.force_login)
        yield


@pytest.fixture(autouse=True, scope="session")
def _vacuumed_test_database(django_db_setup, django_db_blocker):
    """The test database is kept between runs (--reuse-db) and its tables are emptied with DELETE, which
    leaves dead rows behind; where autovacuum is off (as on the CI machines), they piled up run after run
    and every scan read them. One VACUUM per run clears them (0.2-0.4 s)."""
    if connection.vendor == "postgresql":
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("VACUUM")


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
