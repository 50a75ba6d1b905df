"""Issue 19, item 4: while a dependency is down, every surface answers in its own shape.

The database is made unreachable for real: the app's connection is closed and pointed at a port
nobody listens on, so the next query fails as it does when PostgreSQL is down (connection
refused). Both APIs must then answer 503 in the JSON error shape, with ``Retry-After`` and
``Cache-Control: no-store``; the admin shows a plain "temporarily unavailable" page.
"""

from __future__ import annotations

import socket
from unittest import mock

import pytest
import redis
from django.db import connections
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory
from tests.reviewboard.api.clients import client_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("clean_api_caches")]


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Database:
    def __init__(self) -> None:
        self.connection = connections["default"]
        self.saved = dict(self.connection.settings_dict)

    def __call__(self) -> None:
        """Down: the next query is refused, as when PostgreSQL is stopped."""
        self.connection.close()
        self.connection.settings_dict.update(HOST="127.0.0.1", PORT=str(unused_port()))

    def up(self) -> None:
        self.connection.close()
        self.connection.settings_dict.clear()
        self.connection.settings_dict.update(self.saved)


@pytest.fixture
def database_down():
    database = Database()
    yield database
    database.up()


@pytest.fixture
def setup(chair):
    article = ArticleFactory(slug="back-pain")
    approve(article)
    _, key = APIKey.objects.create_key(name="reader")
    reader = APIClient(HTTP_AUTHORIZATION=f"Api-Key {key}")
    board = client_for(chair)
    return reader, board


def assert_outage_answer(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response["Cache-Control"] == "no-store"
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert error["code"] == "service-unavailable"
    assert error["message"]
    assert error["detail"] == {"dependency": "database"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/back-pain/",
        "/api/v1/articles/back-pain/versions/1/",
        "/api/v1/articles/",
        "/api/v1/changes/?since=2000-01-01T00:00:00Z",
    ],
)
def test_the_read_api_answers_503_in_its_error_shape_while_the_database_is_down(setup, database_down, path):
    reader, _ = setup
    database_down()

    assert_outage_answer(reader.get(path))


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/review/articles/"),
        ("get", "/api/v1/review/articles/back-pain/"),
        ("post", "/api/v1/review/articles/"),
    ],
)
def test_the_review_api_answers_503_in_its_error_shape_while_the_database_is_down(setup, database_down, method, path):
    _, board = setup
    database_down()

    assert_outage_answer(getattr(board, method)(path, {}, format="json"))


def test_the_token_endpoint_answers_503_too(setup, database_down):
    database_down()

    response = APIClient().post("/api/v1/auth/token/", {"username": "chair", "password": "x"}, format="json")

    assert_outage_answer(response)


def test_the_admin_shows_a_plain_temporarily_unavailable_page(setup, database_down, client, chair):
    client.force_login(chair)
    database_down()

    response = client.get("/admin/")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Cache-Control"] == "no-store"
    assert int(response["Retry-After"]) > 0
    assert b"temporarily unavailable" in response.content


def test_the_read_api_recovers_when_the_database_is_back(setup, database_down):
    reader, _ = setup
    database_down()
    assert reader.get("/api/v1/articles/back-pain/").status_code == 503

    database_down.up()

    assert reader.get("/api/v1/articles/back-pain/").status_code == 200


def test_a_broker_outage_under_an_api_request_is_a_503_in_the_error_shape(setup):
    _, board = setup
    with mock.patch(
        "reviewboard.api.views.ReviewArticleListView.get", side_effect=redis.exceptions.ConnectionError("refused")
    ):
        response = board.get("/api/v1/review/articles/")

    assert response.status_code == 503
    assert response.json()["error"]["detail"] == {"dependency": "broker or cache"}
