"""What the schema tests share: credentials for each API and role, content for the generated requests to
find, and the served schema (tests/api/served_schema.py, loaded on first use)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from rest_framework_api_key.models import APIKey

from accounts.services import api_token_issue
from articles.api import payloads
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters
from articles.models import Article
from tests.articles.publishing_helpers import approve, set_state
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory
from tests.module_world import module_world


@pytest.fixture
def credentials(db, settings, request):
    """An API key for the read API and a token per board role for the review API; generous rates. In a
    module that uses ``api_world``, the world's (read fresh), not issued again for each test."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min", "anon": "100000/min", "reader_reports": "100000/min"},
    }
    cache.clear()
    clear_counters()
    clear_api_key_cache()
    payloads.clear()
    if "api_world" in request.fixturenames:
        issued = request.getfixturevalue("api_world")["credentials"]
        users = get_user_model().objects.in_bulk(list(issued["users"].values()))
        return {**issued, "users": {role: users[pk] for role, pk in issued["users"].items()}}
    return _issue_credentials()


def _issue_credentials() -> dict:
    _, key = APIKey.objects.create_key(name="schemathesis")
    users = {
        "author": AuthorFactory(username="schema-author"),
        "reviewer": ReviewerFactory(username="schema-reviewer"),
        "chair": ChairFactory(username="schema-chair"),
    }
    tokens = {role: f"Token {api_token_issue(user=user, device='schemathesis')[1]}" for role, user in users.items()}
    return {"read": f"Api-Key {key}", "review": tokens["chair"], **tokens, "users": users}


@pytest.fixture
def content(db, request):
    """Something for the generated requests to find: live, superseded and retracted versions."""
    if "api_world" in request.fixturenames:
        return Article.objects.get(pk=request.getfixturevalue("api_world")["content"])
    return _make_content()


def _make_content():
    live = ArticleFactory(slug="live")
    approve(live)
    approve(live)
    retracted = ArticleFactory(slug="retracted")
    approve(retracted)
    set_state(retracted, "retracted", retraction_reason="Wrong dose")
    ArticleFactory(slug="draft")
    return live


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """``credentials`` and ``content`` built once for a module that says
    ``pytestmark = [..., pytest.mark.usefixtures("api_world")]`` (tests/module_world.py; no transactional test
    in it): most of the schema tests only read them."""
    with module_world(django_db_blocker):
        issued = _issue_credentials()
        yield {
            "credentials": {**issued, "users": {role: user.pk for role, user in issued["users"].items()}},
            "content": _make_content().pk,
        }


@pytest.fixture
def review_content(credentials, content):
    """Articles each role works on, so that generated requests for these slugs reach the services."""
    from reviewboard.review import services

    users = credentials["users"]
    mine = ArticleFactory(slug="mine", authors=[users["author"]])
    submitted = ArticleFactory(slug="submitted", authors=[users["author"]])
    services.article_submit(article=submitted, user=users["author"])
    services.assignment_create(article=submitted, reviewer=users["reviewer"], user=users["chair"])
    return mine


@pytest.fixture
def api_schema(db, credentials, content):
    """Like Django's test client, keep the WSGI handler from closing the test's database
    connection at the end of each request (the test runs inside a transaction)."""
    from tests.api.served_schema import schema

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)
