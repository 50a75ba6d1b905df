"""The read API's connection checks: the view's own first query is the health check.

Django's CONN_HEALTH_CHECKS sends a ``SELECT 1`` before a persistent connection's first query in each
request: a second database round trip on every uncached read. Read views (``config.replicas.read_view``)
skip it; a connection the server dropped since its last use fails the view's first query instead, and the
view runs once more on a new connection, so a database restart still costs no reader a failed request.
"""

from __future__ import annotations

import psycopg
import pytest
from django.db import connections

pytestmark = pytest.mark.django_db(transaction=True)

connection = connections["default"]


@pytest.fixture
def api(client, settings):
    from rest_framework_api_key.models import APIKey

    from articles.api import payloads

    settings.API_DETAIL_CACHE_SECONDS = 0  # every request asks the database
    payloads.clear()
    _, key = APIKey.objects.create_key(name="reads")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    yield client
    payloads.clear()


def next_request() -> None:
    """What the start of a request does in production (Django's test client leaves it out): a persistent
    connection (CONN_MAX_AGE) is kept, and owes a health check before its first query."""
    connection.close_at = None
    connection.close_if_unusable_or_obsolete()


def _health_checks(monkeypatch) -> list[str]:
    checks: list[str] = []
    original = type(connection).is_usable

    def counted(self):
        checks.append(self.alias)
        return original(self)

    monkeypatch.setattr(type(connection), "is_usable", counted)
    return checks


def _terminate_server_side(alias_connection) -> None:
    """What a database restart does to a persistent connection: the server ends it; the client learns it
    only on its next use."""
    pid = alias_connection.connection.info.backend_pid
    params = alias_connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_a_read_makes_no_health_check_round_trip_of_its_own(api, published, monkeypatch):
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS is on, as in production
    assert api.get(f"/api/v1/articles/{published.slug}/").status_code == 200  # the connection is open now
    checks = _health_checks(monkeypatch)

    for _ in range(3):
        next_request()
        assert api.get(f"/api/v1/articles/{published.slug}/").status_code == 200

    assert checks == []


def test_the_board_keeps_djangos_health_check(client, chair, monkeypatch):
    client.force_login(chair)
    assert client.get("/admin/").status_code == 200
    next_request()
    checks = _health_checks(monkeypatch)

    assert client.get("/admin/").status_code == 200

    assert checks == ["default"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/articles/{slug}/",  # the keyed fast path (KeyedFastPathMixin)
        "/api/v1/articles/{slug}/versions/",  # DRF's dispatch
    ],
)
def test_a_connection_the_server_dropped_costs_the_reader_no_failed_request(api, published, path):
    assert api.get(path.format(slug=published.slug)).status_code == 200
    dropped = connection.connection
    _terminate_server_side(connection)
    next_request()

    response = api.get(path.format(slug=published.slug))

    assert response.status_code == 200, response.content
    assert published.slug in response.content.decode()
    assert connection.connection is not dropped  # answered on a new connection


def test_a_database_that_stays_down_is_still_a_503(api, published, monkeypatch):
    from django.db import OperationalError

    assert api.get(f"/api/v1/articles/{published.slug}/").status_code == 200
    _terminate_server_side(connection)
    next_request()
    attempts = []

    def refused(self):
        attempts.append(1)
        raise OperationalError("connection refused")

    monkeypatch.setattr(type(connection), "get_new_connection", lambda self, params: refused(self))

    response = api.get(f"/api/v1/articles/{published.slug}/")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service-unavailable"
    assert response.json()["error"]["detail"] == {"dependency": "database"}
    assert len(attempts) == 1  # one new connection tried, not a loop
    monkeypatch.undo()
    connection.close()
