"""Issue 13, item 7: deployment.

- ``manage.py check --deploy`` with the production settings and the environment documented in
  docs/operations.md prints no warning (it warned W004 HSTS and W008 SSL redirect).
- Behind the TLS proxy: X-Forwarded-Proto decides https, plain http is redirected, /healthz is not.
- A request body above 2.5 MB and NUL characters get the API's JSON error shape (413 / 400), and the
  schema documents them.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from tests.security.helpers import REVIEW_BASE, client_for

ROOT = Path(__file__).resolve().parents[2]
# The production environment as docs/operations.md lists it (values are examples).
DOCUMENTED_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "k" * 20 + "Zx9-long-random-production-secret-key-from-the-vault-0123456789",
    "DJANGO_ALLOWED_HOSTS": "board.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://board.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/reviewboard",
    "REDIS_URL": "redis://127.0.0.1:6379/7",
    "EMAIL_URL": "smtp+tls://board:secret@mail.example.org:587",
    "SITE_URL": "https://board.example.org",
    "AUDIT_CHECKPOINT_KEY": "an-example-long-random-audit-checkpoint-key-0123456789",
}


def test_check_deploy_with_production_settings_prints_no_warning():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "TEST_DB"))}
    env.update(DOCUMENTED_ENV)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stderr


def test_operations_doc_lists_the_production_environment():
    doc = (ROOT / "docs" / "operations.md").read_text()

    for name in (
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "EMAIL_URL",
        "AUDIT_CHECKPOINT_KEY",
        "X-Forwarded-Proto",
        "DJANGO_SECURE_HSTS_SECONDS",
        "Content-Security-Policy",
        "check --deploy",
    ):
        assert name in doc, name


@pytest.fixture
def production(settings, monkeypatch):
    """The security settings of config.settings.production, applied to this test."""
    for key, value in DOCUMENTED_ENV.items():
        monkeypatch.setenv(key, value)
    module = importlib.reload(importlib.import_module("config.settings.production"))
    for name in (
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_SSL_REDIRECT",
        "SECURE_REDIRECT_EXEMPT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
    ):
        setattr(settings, name, getattr(module, name))
    settings.CELERY_TASK_ALWAYS_EAGER = True
    return settings


@pytest.mark.django_db
def test_behind_the_proxy_https_is_recognised_http_redirected_and_healthz_exempt(client, production):
    plain = client.get("/admin/login/")
    proxied = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
    health = client.get("/healthz")

    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    assert proxied.status_code == 200
    assert proxied["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert health.status_code == 200


TOO_BIG = json.dumps({"markdown": "x" * 2_700_000})


@pytest.mark.django_db
@pytest.mark.parametrize("path", [REVIEW_BASE, "/api/v1/auth/token/"])
def test_a_body_above_the_limit_is_a_413_in_the_json_error_shape(author, path):
    response = client_for(author).post(path, TOO_BIG, content_type="application/json")

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "request-too-large"
    assert response.json()["error"]["detail"] == {"limit": 2_621_440}


@pytest.mark.django_db
def test_nul_characters_are_a_400_in_the_json_error_shape(author, client):
    _, key = APIKey.objects.create_key(name="web site")

    responses = [
        APIClient().post("/api/v1/auth/token/", {"username": "a\x00b", "password": "x"}, format="json"),
        client_for(author).post(REVIEW_BASE, {"question": "Back\x00pain?", "sections": []}, format="json"),
        client_for(author).get(REVIEW_BASE, {"state": "\x00"}),
        client.get("/api/v1/articles/", {"q": "back\x00pain"}, HTTP_AUTHORIZATION=f"Api-Key {key}"),
    ]

    for response in responses:
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "invalid-input"


@pytest.mark.django_db
def test_the_schema_documents_the_body_and_nul_errors(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            error = {"$ref": "#/components/schemas/Error"}
            assert responses["401"]["content"]["application/json"]["schema"] == error, (method, path)
            if "requestBody" in operation:
                assert responses["413"]["content"]["application/json"]["schema"] == error, (method, path)
                assert "NUL" in responses["400"]["description"], (method, path)
