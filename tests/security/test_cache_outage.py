"""Issue 13, item 2: the read API keeps answering when the shared cache (Redis) is unreachable.

The cache here is a real Redis cache backend pointed at a port where nothing listens. Before: the
throttle's ``cache.incr`` raised and every keyed read answered 500, although published content lives
in PostgreSQL.
"""

from __future__ import annotations

import logging

import pytest
from rest_framework_api_key.models import APIKey

from articles.api import payloads
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters

pytestmark = pytest.mark.django_db

NOTHING_LISTENS = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NOTHING_LISTENS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "3/min", "anon": "3/min"},
    }
    clear_counters()
    clear_api_key_cache()
    payloads.clear()
    yield
    clear_counters()


@pytest.fixture
def key():
    _, key = APIKey.objects.create_key(name="web site")
    return key


def test_keyed_reads_answer_while_the_cache_is_down(client, redis_down, key, published, caplog):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}

    with caplog.at_level(logging.WARNING, logger="articles.api.throttling"):
        listing = client.get("/api/v1/articles/", **headers)
        detail = client.get("/api/v1/articles/back-pain/", **headers)
        versions = client.get("/api/v1/articles/back-pain/versions/", **headers)

    assert listing.status_code == 200, listing.content
    assert len(listing.json()["results"]) == 1
    assert detail.status_code == 200, detail.content
    assert versions.status_code == 200
    outage_logs = [r for r in caplog.records if "shared cache is unreachable" in r.getMessage()]
    assert len(outage_logs) == 1  # said once, not per request


def test_throttling_still_limits_per_process_while_the_cache_is_down(client, redis_down, key, published):
    headers = {"HTTP_AUTHORIZATION": f"Api-Key {key}"}

    statuses = [client.get("/api/v1/articles/back-pain/", **headers).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_public_reads_answer_while_the_cache_is_down(client, redis_down, published, settings):
    settings.API_PUBLIC_READ = True

    assert client.get("/api/v1/articles/back-pain/").status_code == 200


def test_healthz_says_the_cache_is_down_without_taking_the_service_out(client, redis_down, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert body["cache"].startswith("error: ")
    assert "per process" in body["cache"]


@pytest.mark.xdist_group("redis")  # shares the real Redis (and clears it): one xdist worker runs these
def test_healthz_reports_a_reachable_cache(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}
    }
    settings.CELERY_TASK_ALWAYS_EAGER = True
    clear_counters()

    body = client.get("/healthz").json()

    assert body["cache"] == "ok"
    assert body["status"] == "ok"
