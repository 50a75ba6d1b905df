"""The read API tests' fixtures: fresh per-process caches around each test (the micro-cache off
unless a test turns it on), an API key and a client carrying it, and one published article."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework_api_key.models import APIKey

from articles.api import payloads
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    settings.API_DETAIL_CACHE_SECONDS = 0  # every request asks the database (the micro-cache is tested below)
    cache.clear()
    clear_counters()
    clear_api_key_cache()
    payloads.clear()
    yield
    cache.clear()
    clear_counters()
    clear_api_key_cache()
    payloads.clear()


@pytest.fixture
def api_key(db):
    _, key = APIKey.objects.create_key(name="web site")
    return key


@pytest.fixture
def api(client, api_key):
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {api_key}"
    return client
