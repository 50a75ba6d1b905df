"""The OpenAPI schema validates, documents every answer, and real answers of both APIs match it (the
generated requests are in test_schema_fuzz.py); the docs page renders."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.services import api_token_issue
from tests.api.served_schema import CHECKS, EXCLUDED
from tests.factories import ArticleFactory

# The credentials and content the real answers are read with: built once for the module (tests/api/conftest.py).
pytestmark = pytest.mark.usefixtures("api_world")

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
