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
