"""The OpenAPI schema validates, the docs page renders, and schemathesis finds no server error, no
response that breaks the schema, no schema-violating request accepted and no schema-valid request refused,
across every operation of the schema (read API with a key; review API as an author, a board reviewer and
the chair).

The app is called in-process through its WSGI handler, against the test database, with a bounded
number of generated examples per operation, so that this runs in CI in bounded time.
"""

from __future__ import annotations

import io
import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.cache import cache
from django.core.management import call_command
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework_api_key.models import APIKey
from schemathesis.specs.openapi.checks import positive_data_acceptance

from accounts.services import api_token_issue
from articles.api import listing, payloads
from articles.api.authentication import clear_api_key_cache
from articles.api.throttling import clear_counters
from articles.content import link_url_problem
from config.exceptions import InvalidInput
from reviewboard.clients import reports
from reviewboard.review.actions import TRANSITIONS, get_transition
from tests.articles.publishing_helpers import approve, set_state
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory

# Per operation (and role); a longer run by hand: SCHEMA_MAX_EXAMPLES=300 ./scripts/test tests/api/test_schema.py
MAX_EXAMPLES = int(os.environ.get("SCHEMA_MAX_EXAMPLES", "20"))
# Every check schemathesis has: status codes, content types, response schemas and headers, negative data
# rejected, positive data accepted, missing auth, unsupported methods... The schema states the rules the
# server enforces (config.schema.AutoSchema: texts, lists, the client API's closed bodies, the alternative
# forms of a body), so a request it allows is accepted, or refused for a state of the data (403, 404 for a
# name that names nothing, 409, 410) but never with 400. The few rules JSON Schema cannot state are below
# (UNSTATED_RULES): a generated request that breaks one is still checked, but for positive data acceptance.
CHECKS = None
EXCLUDED: list = []


ROLES = ["author", "reviewer", "chair"]


@pytest.fixture
def credentials(db, settings):
    """An API key for the read API and a token per board role for the review API; generous rates."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/min", "anon": "100000/min", "reader_reports": "100000/min"},
    }
    cache.clear()
    clear_counters()
    clear_api_key_cache()
    payloads.clear()
    _, key = APIKey.objects.create_key(name="schemathesis")
    users = {
        "author": AuthorFactory(username="schema-author"),
        "reviewer": ReviewerFactory(username="schema-reviewer"),
        "chair": ChairFactory(username="schema-chair"),
    }
    tokens = {role: f"Token {api_token_issue(user=user, device='schemathesis')[1]}" for role, user in users.items()}
    return {"read": f"Api-Key {key}", "review": tokens["chair"], **tokens, "users": users}


@pytest.fixture
def content(db):
    """Something for the generated requests to find: live, superseded and retracted versions."""
    live = ArticleFactory(slug="live")
    approve(live)
    approve(live)
    retracted = ArticleFactory(slug="retracted")
    approve(retracted)
    set_state(retracted, "retracted", retraction_reason="Wrong dose")
    ArticleFactory(slug="draft")
    return live


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


def _load_schema():
    """The schema served by the app, called through its WSGI handler (no database needed)."""
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    # A schema-violating body may also be refused for its size (413, documented on every body): a rejection.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    # A retracted article is a state of the resource, as an unknown one (404) is: every read of an
    # article documents 410 Gone with the reason, and a well-formed request for it gets that answer.
    # A body's size in bytes is no shape a schema states (maxLength counts characters, and JSON may write
    # one as twelve bytes): every operation with a body documents 413 for one above its limit.
    acceptance = schema.config.checks.positive_data_acceptance
    acceptance.expected_statuses = [*acceptance.expected_statuses, "410", "413"]
    return schema


# Loaded at collection: schemathesis' lazy fixture loader does not work with this pytest version.
schema = _load_schema()


@pytest.fixture
def api_schema(db, credentials, content):
    """Like Django's test client, keep the WSGI handler from closing the test's database
    connection at the end of each request (the test runs inside a transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _body(case) -> dict:
    return case.body if isinstance(case.body, dict) else {}


def _blank(value) -> bool:
    return not isinstance(value, str) or not value.strip()


def _breaks_the_listing_rules(case) -> bool:
    """An opaque cursor names a position only when this API wrote it; with expand=full a page holds at most
    MAX_FULL_PAGE_SIZE (two parameters together)."""
    query = case.query or {}
    full = query.get("expand") == listing.EXPAND_FULL
    if full and int(str(query.get("page_size", 0))) > listing.MAX_FULL_PAGE_SIZE:  # the query's text or int
        return True
    try:
        listing.decode_cursor(str(query["cursor"]))
    except KeyError:
        return False
    except ValueError:
        return True
    return False


def _breaks_the_article_rules(case) -> bool:
    """A document is a file format (Markdown, a page export, a Word file) that the importers read; a
    reference's URL follows Django's URL rule (articles.content.link_url_problem); each reference needs its
    own number (one field compared across the items of a list)."""
    body = _body(case)
    if {"markdown", "docx_base64"} & set(body):
        return True
    references = [r for r in body.get("references") or [] if isinstance(r, dict)]
    numbers = [r.get("number") for r in references]
    return len(numbers) != len(set(numbers)) or any(
        link_url_problem(str(r.get("url") or "").strip()) for r in references
    )


def _misses_a_required_input(case) -> bool:
    """Which input a transition needs depends on {name}, which OpenAPI cannot tie to the body (each
    action's own operation, actions/{name}/, states it)."""
    name = (case.path_parameters or {}).get("name")
    if name not in TRANSITIONS:
        return False
    body = _body(case)
    return any(_blank(body.get(field.name)) for field in get_transition(name).fields if field.required)


def _ends_before_it_starts(case) -> bool:
    """Two fields of one row compared: a relationship does not end before it starts."""
    rows = [r for r in _body(case).get("relationships") or [] if isinstance(r, dict)]
    return any(r.get("started_on") and r.get("ended_on") and r["ended_on"] < r["started_on"] for r in rows)


def _breaks_the_text_rule(case) -> bool:
    """A reader's text is measured once markup is removed (nh3): nothing left, or more than
    READER_REPORT_MAX_TEXT, is a 400."""
    text = _body(case).get("text")
    try:
        return isinstance(text, str) and not reports.clean_text(
            text, field="text", max_length=django_settings.READER_REPORT_MAX_TEXT
        )
    except InvalidInput:
        return True


def _logs_in(case) -> bool:
    """A login: whether the password (and the second factor's code) is right is no shape of the request."""
    return True


# The rules the server enforces with a 400 that JSON Schema cannot state, per operation: each is said in the
# operation's description and has its own test (tests/api/test_schema_rules.py, the services' tests). A
# generated request that breaks one is left out of positive_data_acceptance only; every other check holds.
UNSTATED_RULES = {
    "POST /api/v1/auth/token/": _logs_in,
    "GET /api/v1/articles/": _breaks_the_listing_rules,
    "POST /api/v1/review/articles/": _breaks_the_article_rules,
    "POST /api/v1/review/articles/{slug}/transitions/{name}/": _misses_a_required_input,
    "POST /api/v1/review/declarations/": _ends_before_it_starts,
    "POST /api/v1/articles/{slug}/reports/": _breaks_the_text_rule,
}


def _excluded(case) -> list:
    """EXCLUDED, and positive_data_acceptance for a generated request that breaks an unstated rule."""
    rule = UNSTATED_RULES.get(case.operation.label)
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    return [*EXCLUDED, positive_data_acceptance] if positive and rule and rule(case) else EXCLUDED


def _authorization(case, credentials) -> dict[str, str]:
    review = case.path.startswith(("/api/v1/review/", "/api/v1/auth/"))
    return {"Authorization": credentials["review" if review else "read"]}


# The API-key endpoints: the read API, the changes feed, reader reports, webhook endpoints, pending content.
READ_PATHS = r"^/api/v1/(articles|changes|webhooks|pending)/"
HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
# Three roles over the review API: fewer examples each, the same bounded total.
REVIEW_HYPOTHESIS = settings(
    max_examples=MAX_EXAMPLES // 2, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck)
)


@pytest.mark.fuzz
@schema.include(path_regex=READ_PATHS).parametrize()
@HYPOTHESIS
def test_read_api_has_no_server_error_and_matches_the_schema(case, api_schema, credentials):
    case.call_and_validate(headers=_authorization(case, credentials), checks=CHECKS, excluded_checks=_excluded(case))


@pytest.mark.fuzz
@pytest.mark.parametrize("role", ROLES)
@schema.exclude(path_regex=READ_PATHS).parametrize()
@REVIEW_HYPOTHESIS
def test_review_api_has_no_server_error_and_matches_the_schema(case, api_schema, credentials, review_content, role):
    """As each board role: an author, a board reviewer (assigned to one article) and the chair."""
    case.call_and_validate(headers={"Authorization": credentials[role]}, checks=CHECKS, excluded_checks=_excluded(case))


READ_CASES = [
    ("/api/v1/articles/", {}, {}, {}),
    ("/api/v1/articles/", {}, {"topic": "back pain", "page_size": 1}, {}),
    ("/api/v1/articles/", {}, {"expand": "full", "page_size": 2}, {}),
    ("/api/v1/articles/", {}, {"page_size": 0}, {}),
    ("/api/v1/articles/{slug}/", {"slug": "live"}, {}, {}),
    ("/api/v1/articles/{slug}/", {"slug": "retracted"}, {}, {}),
    ("/api/v1/articles/{slug}/", {"slug": "draft"}, {}, {}),
    ("/api/v1/articles/{slug}/versions/", {"slug": "live"}, {}, {}),
    ("/api/v1/articles/{slug}/versions/{number}/", {"slug": "live", "number": 1}, {}, {}),
    ("/api/v1/articles/{slug}/versions/{number}/", {"slug": "live", "number": 2}, {}, {"If-None-Match": "*"}),
    ("/api/v1/articles/{slug}/changes/", {"slug": "live"}, {}, {}),
    ("/api/v1/articles/{slug}/changes/", {"slug": "retracted"}, {}, {}),
    ("/api/v1/changes/", {}, {"since": "2000-01-01T00:00:00Z"}, {}),
    ("/api/v1/changes/", {}, {"since": "2000-01-01T00:00:00Z", "type": "status"}, {}),
    ("/api/v1/articles/{slug}/status/", {"slug": "live"}, {}, {}),
    ("/api/v1/articles/{slug}/status/", {"slug": "retracted"}, {}, {}),
    ("/api/v1/articles/{slug}/status/", {"slug": "draft"}, {}, {}),
    ("/api/v1/pending/{slug}/", {"slug": "live"}, {}, {}),
]


def test_the_tracker_and_pending_content_of_an_article_in_review_match_the_schema(api_schema, credentials, settings):
    """An article really in review (through the services): its status/, and its pending content once offered."""
    from reviewboard.review import services

    settings.API_PENDING_CONTENT = True
    settings.EDITORIAL_POLICY_URL = "https://publisher.example.org/editorial-policy"
    users = credentials["users"]
    article = ArticleFactory(slug="in-review", authors=[users["author"]])
    services.article_submit(article=article, user=users["author"])
    headers = {"Authorization": credentials["read"]}
    for path in ("/api/v1/articles/{slug}/status/", "/api/v1/pending/{slug}/"):
        case = api_schema[path]["GET"].Case(path_parameters={"slug": "in-review"})
        response = case.call_and_validate(headers=headers, checks=CHECKS, excluded_checks=EXCLUDED)
        assert response.status_code == 200, response.text
    case = api_schema["/api/v1/changes/"]["GET"].Case(query={"since": "2000-01-01T00:00:00Z", "type": "status"})
    response = case.call_and_validate(headers=headers, checks=CHECKS, excluded_checks=EXCLUDED)
    assert [item["slug"] for item in response.json()["results"]] == ["in-review"]


def test_the_schema_documents_the_tracker_and_pending_content(client):
    schema = client.get("/api/schema/?format=json").json()

    status = schema["paths"]["/api/v1/articles/{slug}/status/"]["get"]
    pending = schema["paths"]["/api/v1/pending/{slug}/"]["get"]
    assert {"200", "304", "404", "410"} <= set(status["responses"])
    assert {"200", "304", "404", "410"} <= set(pending["responses"])
    tracker = schema["components"]["schemas"]["ReviewStatus"]["properties"]
    assert {"steps", "current_step", "round", "live_version", "revision_in_review", "editorial_policy_url"} <= set(
        tracker
    )
    marked = schema["components"]["schemas"]["PendingContent"]["properties"]
    assert {"reviewed", "round", "status", "caution"} <= set(marked)


def test_a_real_report_and_webhook_endpoint_match_the_schema(api_schema, credentials):
    """Generated bodies rarely name a real article or a valid URL: file one report and register one
    endpoint for real, then read them back, all validated against the schema."""
    headers = {"Authorization": credentials["read"]}
    body = {"kind": "outdated", "text": "The dose changed.", "section": "Medication"}
    case = api_schema["/api/v1/articles/{slug}/reports/"]["POST"].Case(path_parameters={"slug": "live"}, body=body)
    filed = case.call_and_validate(headers=headers, checks=CHECKS)
    assert filed.status_code == 201, filed.text
    case = api_schema["/api/v1/articles/{slug}/reports/{id}/"]["GET"].Case(
        path_parameters={"slug": "live", "id": filed.json()["id"]}
    )
    assert case.call_and_validate(headers=headers, checks=CHECKS).status_code == 200

    body = {"url": "https://client.example.org/hooks", "events": ["version.retracted"]}
    created = api_schema["/api/v1/webhooks/"]["POST"].Case(body=body).call_and_validate(headers=headers, checks=CHECKS)
    assert created.status_code == 201, created.text
    endpoint = {"endpoint_id": created.json()["id"]}
    for method, path in [
        ("GET", "/api/v1/webhooks/{endpoint_id}/"),
        ("PATCH", "/api/v1/webhooks/{endpoint_id}/"),
        ("POST", "/api/v1/webhooks/{endpoint_id}/rotate-secret/"),
        ("DELETE", "/api/v1/webhooks/{endpoint_id}/"),
    ]:
        extra = {"body": {"active": True}, "media_type": "application/json"} if method == "PATCH" else {}
        case = api_schema[path][method].Case(path_parameters=endpoint, **extra)
        assert case.call_and_validate(headers=headers, checks=CHECKS).status_code < 300


@pytest.mark.parametrize(("path", "path_parameters", "query", "headers"), READ_CASES)
def test_real_read_responses_match_the_schema(api_schema, credentials, path, path_parameters, query, headers):
    """Generated slugs rarely hit real articles: check the 200/304/404/410 answers for ones that exist."""
    case = api_schema[path]["GET"].Case(path_parameters=path_parameters, query=query, headers=headers)

    response = case.call_and_validate(
        headers={"Authorization": credentials["read"]}, checks=CHECKS, excluded_checks=EXCLUDED
    )

    assert response.status_code < 500


def test_the_schema_validates_without_warnings(db):
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO(), stderr=io.StringIO())


def _operations(schema: dict):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield f"{method.upper()} {path}", operation


def test_the_schema_declares_json_request_bodies_only(client):
    schema = client.get("/api/schema/?format=json").json()

    bodies = {name: list(op["requestBody"]["content"]) for name, op in _operations(schema) if "requestBody" in op}

    assert bodies  # the review API and the token endpoint take bodies
    assert all(types == ["application/json"] for types in bodies.values()), bodies


def test_every_error_status_documents_the_error_body(client):
    schema = client.get("/api/schema/?format=json").json()

    undocumented = [
        f"{name} {status}"
        for name, operation in _operations(schema)
        for status, response in operation["responses"].items()
        if status[0] in "45" and "application/json" not in response.get("content", {})
    ]
    statuses = {status for _, op in _operations(schema) for status in op["responses"] if status[0] in "45"}

    assert undocumented == []
    assert {"400", "401", "404", "409", "410", "429"} <= statuses


def test_the_review_api_refuses_form_bodies_with_415(author):
    response = client_with_token(author).post("/api/v1/review/articles/", {"question": "Q?"}, format="multipart")

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported-media-type"


def client_with_token(user):
    from rest_framework.test import APIClient

    client = APIClient()
    _, token = api_token_issue(user=user, device="tests")
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_unknown_api_urls_answer_in_the_error_shape(client):
    response = client.get("/api/v1/articles/not a slug/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not-found"


def test_the_docs_page_renders(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
    assert client.get("/api/schema/").status_code == 200
