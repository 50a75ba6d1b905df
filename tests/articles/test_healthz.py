"""GET /healthz reports the database, the broker and the cache."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.xdist_group("redis")  # shares the real Redis (and clears it): one xdist worker runs these
def test_healthy_with_a_reachable_broker(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = settings.REDIS_URL or "redis://127.0.0.1:6379/6"

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "cache": "ok"}


def test_degraded_when_the_broker_is_down(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["broker"].startswith("error: ")


def test_in_process_tasks_are_not_a_failure(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["broker"].startswith("in-process")


def test_degraded_when_the_database_is_down(client, settings, monkeypatch):
    from django.db import connection

    settings.CELERY_TASK_ALWAYS_EAGER = True

    def broken_cursor(*args, **kwargs):
        raise connection.features.connection.Database.OperationalError("down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["database"].startswith("error: ")
