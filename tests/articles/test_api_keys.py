"""manage.py create_api_key NAME: the key is the last line and it works against the read API."""

from __future__ import annotations

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework_api_key.models import APIKey

from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_caches():
    cache.clear()
    clear_counters()
    clear_api_key_cache()


def test_create_api_key_prints_a_working_key_last(client):
    out = io.StringIO()

    call_command("create_api_key", "Mobile app", stdout=out)

    key = out.getvalue().strip().splitlines()[-1]
    api_key = APIKey.objects.get()
    assert api_key.name == "Mobile app"
    assert key.startswith(api_key.prefix + ".")
    assert APIKey.objects.is_valid(key)
    assert client.get("/api/v1/articles/", HTTP_AUTHORIZATION=f"Api-Key {key}").status_code == 200
    assert client.get("/api/v1/articles/").status_code == 401


@pytest.mark.parametrize("name", ["", "   ", "x" * 51])
def test_bad_names_are_refused_and_create_nothing(name):
    with pytest.raises(CommandError) as exc:
        call_command("create_api_key", name, stdout=io.StringIO())
    assert exc.value.returncode == 2
    assert not APIKey.objects.exists()


def test_api_keys_are_managed_in_admin(admin_client):
    response = admin_client.get("/admin/rest_framework_api_key/apikey/add/")
    assert response.status_code == 200
