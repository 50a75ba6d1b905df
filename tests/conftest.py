import pytest

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
def eager_tasks(settings):
    """Run Celery tasks in-process, so a task's real effect can be read back in the test.

    Eager mode is not a Celery test: the real-worker tests are in tests/jobs."""
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous
