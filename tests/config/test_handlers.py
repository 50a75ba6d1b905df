"""The WSGI application (config/handlers.py): the read API runs through its own short middleware list and
keeps its security headers; everything else through the full MIDDLEWARE."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls.resolvers import URLResolver
from rest_framework_api_key.models import APIKey

from articles.api import payloads, views
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters
from config.handlers import NamespaceDispatchingApplication
from tests.articles.publishing_helpers import approve
from tests.config.wsgi import call
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(settings):
    # As Django's test client does: a request's end must not close the test's database connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    clear_api_key_cache()
    clear_counters()
    payloads.clear()
    yield NamespaceDispatchingApplication()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
    clear_api_key_cache()
    clear_counters()
    payloads.clear()


def middleware_classes(handler) -> list[str]:
    """The classes of the handler's middleware chain, outermost first."""
    names, current = [], handler._middleware_chain
    while current is not None:
        instance = getattr(current, "__wrapped__", current)
        if hasattr(instance, "get_response"):
            names.append(f"{type(instance).__module__}.{type(instance).__name__}")
            current = instance.get_response
        else:
            current = None
    return names


def test_a_read_api_get_skips_the_middleware_it_never_uses(application):
    handler = application.handler_for_path("/api/v1/articles/some-slug/")

    chain = middleware_classes(handler)

    assert handler is not application.full
    assert chain == settings.READ_API_MIDDLEWARE == ["config.middleware.ReadAPIMiddleware"]
    for unused in (
        "SessionMiddleware",
        "CsrfViewMiddleware",
        "MessageMiddleware",
        "AuthenticationMiddleware",
        "OTPMiddleware",
        "AxesMiddleware",
        "WhiteNoiseMiddleware",
    ):
        assert not any(name.endswith(unused) for name in chain)
    assert middleware_classes(application.full) == settings.MIDDLEWARE


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/"),
        ("GET", "/healthz"),
        ("GET", "/api/v1/review/articles/"),
        ("POST", "/api/v1/articles/some-slug/reports/"),
        ("GET", "/api/v1/no-such-endpoint/"),
        ("POST", "/api/v1/articles/"),
    ],
)
def test_everything_else_runs_through_the_full_middleware(application, method, path):
    handler = application.full if method != "GET" else application.handler_for_path(path)

    assert handler is application.full
    if method != "GET":
        status, _, _ = call(application, method, path)
        assert status != 500


def test_the_read_api_keeps_its_security_headers_and_sets_no_cookie(application):
    article = ArticleFactory()
    approve(article)
    _, key = APIKey.objects.create_key(name="web site")

    status, headers, body = call(
        application, "GET", f"/api/v1/articles/{article.slug}/", HTTP_AUTHORIZATION=f"Api-Key {key}"
    )

    assert status == 200
    assert body.startswith(b"{")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "default-src 'none'" in headers["Content-Security-Policy"]  # the API's own (test_read_api_middleware)
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Content-Length"] == str(len(body))
    assert "Set-Cookie" not in headers
    assert "Vary" not in headers or "Cookie" not in headers["Vary"]


def test_a_read_api_error_keeps_the_json_shape_and_headers(application):
    status, headers, body = call(application, "GET", "/api/v1/articles/no-such-article/")

    assert status == 401
    assert b'"error"' in body
    assert headers["X-Frame-Options"] == "DENY"


def test_a_read_api_path_is_resolved_once_not_on_every_request(application, monkeypatch):
    article = ArticleFactory()
    approve(article)
    _, key = APIKey.objects.create_key(name="web site")
    path, auth = f"/api/v1/articles/{article.slug}/", {"HTTP_AUTHORIZATION": f"Api-Key {key}"}
    assert call(application, "GET", path, **auth)[0] == 200  # the path is resolved now
    resolved = []
    original = URLResolver.resolve

    def counted(self, path_info):
        resolved.append(path_info)
        return original(self, path_info)

    monkeypatch.setattr(URLResolver, "resolve", counted)

    answers = [call(application, "GET", path, **auth)[0] for _ in range(3)]

    assert answers == [200, 200, 200]
    assert resolved == []


def test_the_view_sees_the_match_of_its_path(application, monkeypatch):
    seen = []
    original = views.serve_live

    def spy(request, slug):
        seen.append((request.resolver_match.view_name, request.resolver_match.kwargs, slug))
        return original(request, slug)

    monkeypatch.setattr(views, "serve_live", spy)
    first, second = ArticleFactory(), ArticleFactory()
    approve(first)
    approve(second)
    _, key = APIKey.objects.create_key(name="web site")

    for article in (first, second, first):
        call(application, "GET", f"/api/v1/articles/{article.slug}/", HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert seen == [
        ("articles-api:article-detail", {"slug": slug}, slug) for slug in (first.slug, second.slug, first.slug)
    ]
