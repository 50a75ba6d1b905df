"""The rules the server enforces on a request's shape are stated in the schema, from the declaration that
validates (config.schema.AutoSchema, config.inputs.JsonInput, StatedCharField): for each, the served schema
refuses the request and the server refuses it with 400 naming the field. Found by schemathesis' positive
data acceptance (tests/api/test_schema_fuzz.py): each was a request the schema allowed and the server refused.
"""

from __future__ import annotations

import base64
import binascii
import re
import sys
import unicodedata

import hypothesis
import jsonschema
import pytest
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from rest_framework import serializers
from rest_framework.test import APIClient
from rest_framework_api_key.models import APIKey

from articles.content import NOT_ONE_LINE
from config.exceptions import InvalidInput
from config.schema import WHITE_SPACE, text_pattern
from reviewboard.delivery import webhooks
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory
from tests.reviewboard.api.clients import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clean_api_caches")]

HOOK = {"url": "https://client.example.org/hooks", "events": ["version.retracted"]}
RELATIONSHIP = {"organisation": "HeartCo", "kind": "grant"}

TOKEN, CREATE, DECLARE, HOOKS = (
    "/api/v1/auth/token/",
    "/api/v1/review/articles/",
    "/api/v1/review/declarations/",
    "/api/v1/webhooks/",
)
RETRACT = "/api/v1/review/articles/live/actions/retract/"
SECTION = {"heading": "H", "body": "", "level": "2"}
ARTICLE = {"question": "Q?", "sections": []}
LABEL_WITH_DEL = {"number": 1, "title": "A guideline", "label": "Practice\x7fBulletin"}

# (what, who sends it, path, body, the field the 400 names)
BODY_RULES = [
    ("no NUL in a text", "anyone", TOKEN, {"username": "a", "password": "p", "otp_token": "1\x00"}, "otp_token"),
    ("a required text is not blank", "anyone", TOKEN, {"username": " \t ", "password": "p"}, "username"),
    ("a text's length as sent", "anyone", TOKEN, {"username": "a" + " " * 150, "password": "p"}, "username"),
    ("a boolean is true or false", "reviewer", DECLARE, {"nothing_to_declare": 1}, "nothing_to_declare"),
    ("a text is a string", "key", HOOKS, {**HOOK, "description": 0}, "description"),
    ("an integer is a number", "author", CREATE, {"question": "Q?", "sections": [SECTION]}, "sections"),
    ("a question is one line", "author", CREATE, {"question": "Two\u2028lines?", "sections": []}, "question"),
    ("a reference's label is one line", "author", CREATE, {**ARTICLE, "references": [LABEL_WITH_DEL]}, "label"),
    ("one form of article", "author", CREATE, {"markdown": "# Q?\n", "question": "Q?"}, "question"),
    ("a form complete", "author", CREATE, {"question": "Q?"}, "sections"),
    ("a Word file in base64", "author", CREATE, {"docx_base64": "not base64!"}, "docx_base64"),
    ("a declaration is not empty", "reviewer", DECLARE, {"nothing_to_declare": False}, "relationships"),
    (
        "nothing, or relationships",
        "reviewer",
        DECLARE,
        {"nothing_to_declare": True, "relationships": [RELATIONSHIP]},
        "nothing_to_declare",
    ),
    ("at most 200 relationships", "reviewer", DECLARE, {"relationships": [RELATIONSHIP] * 201}, "relationships"),
    ("no field the body does not have", "key", HOOKS, {**HOOK, "colour": "red"}, "colour"),
    ("a webhook URL has a host", "key", HOOKS, {**HOOK, "url": "HTTP://\u202f"}, "url"),
    ("a webhook URL can be split", "key", HOOKS, {**HOOK, "url": "http://["}, "url"),
    ("an action's required input is not blank", "chair", RETRACT, {"reason": "  "}, "reason"),
]


def _byte(value: object) -> bool:
    """OpenAPI's format byte: base64."""
    try:
        base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("byte")(_byte)


@pytest.fixture(scope="module")
def served():
    """The schema as the app serves it: the same for every test here (code and settings make it), so built once
    for the module, not once a test (a quarter of a second each)."""
    return Client().get("/api/schema/?format=json").json()


def _request_schema(served: dict, path: str) -> dict:
    """The JSON body schema of ``POST path`` (the served path template matched), with the components."""
    for template, operations in served["paths"].items():
        if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path) and "post" in operations:
            body = operations["post"]["requestBody"]["content"]["application/json"]["schema"]
            return {**body, "components": served["components"]}
    raise AssertionError(f"no POST {path} in the schema")


def _sender(who: str) -> APIClient:
    if who == "key":
        _, key = APIKey.objects.create_key(name="rules")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client
    if who == "anyone":
        return APIClient()
    if who == "chair":
        approve(ArticleFactory(slug="live"))  # retract needs a published version
        return client_for(ChairFactory())
    return client_for({"author": AuthorFactory, "reviewer": ReviewerFactory}[who]())


def _named(error: dict) -> str:
    detail = error.get("detail") or {}
    return detail["field"] if "field" in detail else next(iter(detail))


@pytest.mark.parametrize(("what", "who", "path", "body", "field"), BODY_RULES, ids=[rule[0] for rule in BODY_RULES])
def test_the_schema_states_the_rule_and_the_server_refuses_with_400_naming_the_field(
    served, what, who, path, body, field
):
    schema = _request_schema(served, path)

    response = _sender(who).post(path, body, format="json")

    assert not jsonschema.Draft4Validator(schema, format_checker=FORMATS).is_valid(body), what
    assert response.status_code == 400, response.content
    assert _named(response.json()["error"]) == field


def test_a_request_without_a_body_is_refused_where_the_schema_requires_one(served):
    operations = [("/api/v1/review/articles/", AuthorFactory), ("/api/v1/review/declarations/", ReviewerFactory)]
    for path, user in operations:
        assert served["paths"][path]["post"]["requestBody"]["required"] is True

        response = client_for(user()).post(path, format="json")

        assert response.status_code == 400, response.content


@pytest.mark.parametrize(
    ("query", "field"), [({"q": ""}, "q"), ({"topic": "a\x00b"}, "topic"), ({"q": "a" + " " * 300}, "q")]
)
def test_the_lists_text_parameters_are_stated_and_enforced(served, query, field):
    """Empty, NUL, longer than its maxLength as sent (a value padded with spaces too)."""
    ((name, value),) = query.items()
    parameter = next(p for p in served["paths"]["/api/v1/articles/"]["get"]["parameters"] if p["name"] == name)
    _, key = APIKey.objects.create_key(name="rules")

    response = APIClient().get("/api/v1/articles/", query, HTTP_AUTHORIZATION=f"Api-Key {key}")

    assert not jsonschema.Draft4Validator(parameter["schema"]).is_valid(value)
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["detail"]) == [field]


# --- the patterns say exactly what the code does ----------------------------------------------------


def test_white_space_is_what_str_strip_drops():
    spelled = re.compile(f"[{WHITE_SPACE}]")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if spelled.fullmatch(c)] == [
        c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()
    ]


def test_one_line_forbids_the_controls_and_the_line_and_paragraph_separators():
    forbidden = re.compile(f"[{NOT_ONE_LINE}]")
    assert [c for c in map(chr, range(sys.maxunicode + 1)) if forbidden.fullmatch(c)] == [
        c for c in map(chr, range(sys.maxunicode + 1)) if unicodedata.category(c) == "Cc" or c in "\u2028\u2029"
    ]


TEXTS = st.text(alphabet=st.sampled_from("ab \t\n\x00\x85\u2028\u3000\x1c\x07é"), max_size=6)


@hypothesis.settings(max_examples=300, suppress_health_check=list(HealthCheck), deadline=None)
@given(text=TEXTS, blank=st.booleans(), trim=st.booleans())
def test_a_text_pattern_allows_exactly_what_drf_takes(text, blank, trim):
    field = serializers.CharField(allow_blank=blank, trim_whitespace=trim)
    try:
        field.run_validation(text)
    except serializers.ValidationError:
        taken = False
    else:
        taken = True

    assert bool(re.search(text_pattern(blank=blank, trim=trim), text)) == taken


@hypothesis.settings(max_examples=200, suppress_health_check=list(HealthCheck), deadline=None)
@given(url=st.from_regex(webhooks.url_pattern()))
def test_every_url_the_webhook_pattern_allows_is_taken(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # the address is not the pattern's: DNS decides it
    assert webhooks.clean_url(url.strip())


@pytest.mark.parametrize(
    "url", ["http://[", "http://a:65536/", "ftp://a", "http://a b", "http://a\u2100b", "http://:80", "http://a@"]
)
def test_a_url_the_webhook_rule_refuses_the_pattern_refuses(url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    with pytest.raises(InvalidInput):
        webhooks.clean_url(url)
    assert not re.search(webhooks.url_pattern(), url)
