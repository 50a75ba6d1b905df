"""The read API's one middleware (config.middleware.ReadAPIMiddleware) does for its GET and HEAD requests
what the full MIDDLEWARE stack does: the same security headers on every answer (200, 304, 404, 410, an
outage's 503), over http and https, except the Content-Security-Policy, which is the API's own
(``READ_API_CONTENT_SECURITY_POLICY``); the same refusals (a disallowed user agent, a Host not allowed)
and the same redirect to https. Called as WSGI, through config.handlers.NamespaceDispatchingApplication
as served, beside Django's own WSGIHandler with the full MIDDLEWARE."""

from __future__ import annotations

import re

import pytest
import redis.exceptions
from csp.constants import HEADER
from csp.utils import build_policy
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from rest_framework_api_key.models import APIKey

from articles.api import payloads, views
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters
from config.handlers import NamespaceDispatchingApplication
from tests.articles.publishing_helpers import set_state
from tests.articles.read_api.paths import detail
from tests.config.wsgi import call

pytestmark = pytest.mark.django_db

API_POLICY = {"default-src 'none'", "frame-ancestors 'none'"}

SCHEMES = {
    "http": {},
    "https (wsgi.url_scheme)": {"secure": True},
    "https (the proxy's X-Forwarded-Proto)": {"HTTP_X_FORWARDED_PROTO": "https"},
}


@pytest.fixture
def production_like(settings):
    """HTTPS settings as in production (config/settings/production.py), HSTS on."""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    return settings


@pytest.fixture
def serve(production_like):
    """Builds (the application as served, Django's handler with the full MIDDLEWARE): call it after changing
    a setting, as Django's middlewares read theirs when they are built."""
    # As Django's test client does: a request's end must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    clear_api_key_cache()
    clear_counters()
    payloads.clear()
    yield lambda: (NamespaceDispatchingApplication(), WSGIHandler())
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    clear_api_key_cache()
    clear_counters()
    payloads.clear()


@pytest.fixture
def key(db):
    return APIKey.objects.create_key(name="web site")[1]


def directives(policy: str) -> set[str]:
    return {part.strip() for part in policy.split(";")}


def without_csp(headers: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name != HEADER}


@pytest.mark.parametrize("scheme", SCHEMES.values(), ids=SCHEMES.keys())
@pytest.mark.parametrize("answer", [200, 304, 404, 410, 503])
def test_every_answer_carries_the_full_stacks_security_headers_and_the_apis_policy(
    serve, published, key, monkeypatch, answer, scheme
):
    lean, full = serve()
    path, extra = detail(published.slug), {"HTTP_AUTHORIZATION": f"Api-Key {key}", **scheme}
    if answer == 304:
        extra["HTTP_IF_NONE_MATCH"] = call(lean, "GET", path, **extra)[1]["ETag"]
    elif answer == 404:
        path = detail("no-such-article")
    elif answer == 410:
        set_state(published, "retracted", retraction_reason="Withdrawn guideline")
    elif answer == 503:

        def redis_down(request, slug):
            raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        monkeypatch.setattr(views, "serve_live", redis_down)

    status, headers, body = call(lean, "GET", path, **extra)
    full_status, full_headers, full_body = call(full, "GET", path, **extra)

    assert (status, body) == (full_status, full_body)
    assert status == answer
    assert without_csp(headers) == without_csp(full_headers)
    assert directives(headers[HEADER]) == API_POLICY
    assert full_headers[HEADER] == build_policy()
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Content-Length"] == str(len(body))
    if scheme:
        assert headers["Strict-Transport-Security"] == "max-age=3600; includeSubDomains; preload"
    else:
        assert "Strict-Transport-Security" not in headers


def test_a_head_request_carries_the_same_headers(serve, published, key):
    lean, full = serve()
    extra = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "secure": True}

    status, headers, _ = call(lean, "HEAD", detail(published.slug), **extra)
    _, full_headers, _ = call(full, "HEAD", detail(published.slug), **extra)

    assert status == 200
    assert without_csp(headers) == without_csp(full_headers)
    assert directives(headers[HEADER]) == API_POLICY


def test_the_apis_policy_is_a_setting_and_a_changed_header_setting_is_followed(serve, published, key, settings):
    lean, _ = serve()
    path, extra = detail(published.slug), {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    call(lean, "GET", path, **extra)  # the headers of the configured settings are now built and kept
    settings.READ_API_CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"], "sandbox": True}}
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.SECURE_REFERRER_POLICY = "no-referrer"

    _, headers, _ = call(lean, "GET", path, **extra)

    assert directives(headers[HEADER]) == {"default-src 'none'", "sandbox"}
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_a_disallowed_user_agent_is_refused_as_by_the_full_stack(serve, published, key, settings):
    settings.DISALLOWED_USER_AGENTS = [re.compile(r"^BadBot\b")]
    lean, full = serve()
    extra = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "HTTP_USER_AGENT": "BadBot/1.0"}

    status, headers, body = call(lean, "GET", detail(published.slug), **extra)
    full_status, _, full_body = call(full, "GET", detail(published.slug), **extra)
    allowed, _, _ = call(lean, "GET", detail(published.slug), **{**extra, "HTTP_USER_AGENT": "GoodBot/1.0"})

    assert (status, body) == (full_status, full_body)
    assert status == 403
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert allowed == 200


def test_a_host_that_is_not_allowed_is_refused_as_by_the_full_stack(serve, published, key):
    lean, full = serve()
    extra = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "HTTP_HOST": "attacker.example"}

    status, _, body = call(lean, "GET", detail(published.slug), **extra)
    full_status, _, full_body = call(full, "GET", detail(published.slug), **extra)

    assert status == full_status == 400
    assert body == full_body


def test_an_accepted_host_is_checked_again_once_the_allowed_hosts_change(serve, published, key, settings):
    lean, _ = serve()
    extra = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "HTTP_HOST": "reader.example.org"}
    settings.ALLOWED_HOSTS = ["reader.example.org"]
    accepted, _, _ = call(lean, "GET", detail(published.slug), **extra)
    refused, _, _ = call(lean, "GET", detail(published.slug), **{**extra, "HTTP_HOST": "attacker.example"})
    settings.ALLOWED_HOSTS = ["board.example.org"]

    no_longer, _, _ = call(lean, "GET", detail(published.slug), **extra)

    assert (accepted, refused, no_longer) == (200, 400, 400)


def test_prepend_www_redirects_as_the_full_stack_does(serve, published, key, settings):
    settings.PREPEND_WWW = True
    settings.ALLOWED_HOSTS = ["reader.example.org", "www.reader.example.org"]
    lean, full = serve()
    extra = {"HTTP_AUTHORIZATION": f"Api-Key {key}", "HTTP_HOST": "reader.example.org"}

    status, headers, _ = call(lean, "GET", detail(published.slug), **extra)
    full_status, full_headers, _ = call(full, "GET", detail(published.slug), **extra)
    with_www, _, _ = call(lean, "GET", detail(published.slug), **{**extra, "HTTP_HOST": "www.reader.example.org"})

    assert status == full_status == 301
    assert headers["Location"] == full_headers["Location"] == f"http://www.reader.example.org{detail(published.slug)}"
    assert with_www == 200


def test_plain_http_is_redirected_to_https_when_the_redirect_is_on(serve, published, key, settings):
    settings.SECURE_SSL_REDIRECT = True
    lean, full = serve()
    path, extra = detail(published.slug), {"HTTP_AUTHORIZATION": f"Api-Key {key}"}

    status, headers, _ = call(lean, "GET", path + "?audience=clinician", **extra)
    full_status, full_headers, _ = call(full, "GET", path + "?audience=clinician", **extra)
    over_https, _, _ = call(lean, "GET", path, HTTP_X_FORWARDED_PROTO="https", **extra)

    assert status == full_status == 301
    assert headers["Location"] == full_headers["Location"] == f"https://testserver{path}?audience=clinician"
    assert over_https == 200


def test_an_exempt_path_is_not_redirected(serve, published, key, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^api/v1/articles/"]
    lean, _ = serve()

    status, _, _ = call(lean, "GET", detail(published.slug), HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert status == 200


def test_a_path_without_its_slash_is_still_redirected_to_it(serve, published):
    # Not the read API's middleware: a path without its slash resolves nowhere, so the full stack
    # (CommonMiddleware, APPEND_SLASH) answers it, as before.
    lean, _ = serve()

    status, headers, _ = call(lean, "GET", f"/api/v1/articles/{published.slug}")

    assert status == 301
    assert headers["Location"] == detail(published.slug)
