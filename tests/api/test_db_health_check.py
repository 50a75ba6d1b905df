"""The PostgreSQL backend skips the per-request health check (``SELECT 1``) for a connection that
worked in a request less than DB_HEALTH_CHECK_BYPASS_SECONDS ago, and checks (and replaces) one that
has been idle longer (``config/db/postgresql``). Driven on a connection of its own to the real
test database, through the calls Django makes at the start and end of each request."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connection

from config.db.postgresql.base import DatabaseWrapper

pytestmark = pytest.mark.django_db


@pytest.fixture
def persistent(monkeypatch):
    """A persistent, health-checked connection (as in production), counting its health checks."""
    wrapper = DatabaseWrapper(
        {**connection.settings_dict, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}, "persistent"
    )
    checks = []
    real = wrapper.is_usable

    def counted():
        checks.append(1)
        return real()

    monkeypatch.setattr(wrapper, "is_usable", counted)
    wrapper.checks = checks
    yield wrapper
    wrapper.close()


def request(wrapper) -> int:
    """One request that reads through the connection, as Django runs it: the signals'
    close_if_unusable_or_obsolete at its start and end, the query in between."""
    wrapper.close_if_unusable_or_obsolete()
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0]
    finally:
        wrapper.close_if_unusable_or_obsolete()


def kill(wrapper) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [wrapper.connection.info.backend_pid])


def test_a_connection_that_just_worked_is_not_checked_again(persistent, settings):
    settings.DB_HEALTH_CHECK_BYPASS_SECONDS = 60
    assert request(persistent) == 1  # connects: a new connection needs no check
    assert request(persistent) == 1
    assert request(persistent) == 1
    assert persistent.checks == []


def test_without_the_window_every_request_checks_its_connection(persistent, settings):
    settings.DB_HEALTH_CHECK_BYPASS_SECONDS = 0
    for _ in range(3):
        assert request(persistent) == 1
    assert len(persistent.checks) == 2  # every request on the reused connection


def test_a_connection_idle_past_the_window_is_checked_and_a_dead_one_replaced(persistent, settings):
    assert request(persistent) == 1
    kill(persistent)  # the database restarted while the connection sat idle
    settings.DB_HEALTH_CHECK_BYPASS_SECONDS = 0  # ... for longer than the window

    assert request(persistent) == 1  # checked, found dead, reconnected: the reader never sees it

    assert len(persistent.checks) == 1


def test_inside_the_window_a_restart_costs_one_request_and_the_next_reconnects(persistent, settings):
    """The trade documented in config/db/postgresql: the one request that finds the connection dead."""
    settings.DB_HEALTH_CHECK_BYPASS_SECONDS = 60
    assert request(persistent) == 1
    kill(persistent)

    with pytest.raises(OperationalError):
        request(persistent)
    assert persistent.connection is None  # closed at the end of that request

    assert request(persistent) == 1
