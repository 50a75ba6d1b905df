"""Schemathesis finds no server error, no response that breaks the schema, no schema-violating request
accepted and no schema-valid request refused, across every operation of the schema (read API with a key;
review API as an author, a board reviewer and the chair).

The app is called in-process through its WSGI handler, against the test database, with a bounded number
of generated examples per operation, so that this runs in CI in bounded time. Marker fuzz: left out of
./scripts/test --fast, which does not even collect this module (building the cases takes seconds).
"""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from articles.api import listing
from articles.content import link_url_problem
from config.exceptions import InvalidInput
from reviewboard.clients import reports
from reviewboard.review.actions import TRANSITIONS, get_transition
from tests.api.served_schema import CHECKS, EXCLUDED, MAX_EXAMPLES, schema

ROLES = ["author", "reviewer", "chair"]


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
