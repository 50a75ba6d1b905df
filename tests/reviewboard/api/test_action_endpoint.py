"""The generic action endpoint ``POST /api/v1/review/articles/{slug}/actions/{name}/``: one operation per
declared action, its body derived from the declaration, the same runner as the older endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from articles.models import ReviewState
from reviewboard.models import Assignment, AuditEntry, Comment
from reviewboard.review import services
from reviewboard.review.actions import ACTIONS, surface
from tests.factories import ArticleFactory
from tests.reviewboard.api.clients import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]

BASE = "/api/v1/review/articles/"


@pytest.fixture
def submitted(author, chair, reviewers):
    article = ArticleFactory(authors=[author])
    return services.article_submit(article=article, user=author)


def test_every_surfaced_action_has_its_operation_and_body_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()

    for name in surface.surfaced():
        operation = schema["paths"][f"{BASE}{{slug}}/actions/{name}/"]["post"]
        assert operation["operationId"] == f"review_action_{name}"
        body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        properties = schema["components"]["schemas"][body].get("properties", {})
        assert {f.name for f in ACTIONS[name].fields} <= set(properties), name
    # actions with their own screens or none (a new article, a library record, a member's declaration) are not there
    for name in ("create", "edit_content", "reference_correct", "flag_rereview", "declare_interests"):
        assert f"{BASE}{{slug}}/actions/{name}/" not in schema["paths"]


def test_a_chair_assigns_with_due_at_and_a_reviewer_answers_through_the_generic_endpoint(submitted, chair, reviewers):
    due_at = (timezone.now() + timedelta(days=9)).replace(microsecond=0)

    assigned = client_for(chair).post(
        f"{BASE}{submitted.slug}/actions/assign/",
        {"reviewer": reviewers[0].username, "due_at": due_at.isoformat()},
        format="json",
    )
    assert assigned.status_code == 200, assigned.content
    assignment = Assignment.objects.get(article=submitted, reviewer=reviewers[0])
    assert assignment.due_at == due_at

    services.assignment_create(article=submitted, reviewer=reviewers[1], user=chair)
    other = client_for(reviewers[1]).post(
        f"{BASE}{submitted.slug}/actions/decline_assignment/",
        {"assignment": assignment.pk, "reason": "Not mine."},
        format="json",
    )
    missing = client_for(reviewers[0]).post(
        f"{BASE}{submitted.slug}/actions/accept_assignment/",
        {"assignment": 999_999, "no_conflict": True},
        format="json",
    )
    accepted = client_for(reviewers[0]).post(
        f"{BASE}{submitted.slug}/actions/accept_assignment/",
        {"assignment": assignment.pk, "no_conflict": True},
        format="json",
    )

    assert (other.status_code, other.json()["error"]["code"]) == (403, "permission-denied")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "assignment-not-found")
    assert accepted.status_code == 200, accepted.content
    assignment.refresh_from_db()
    assert assignment.accepted_at is not None


def test_a_comment_points_at_its_section_by_position_as_everywhere_on_the_api(submitted, author):
    url = f"{BASE}{submitted.slug}/actions/comment/"

    made = client_for(author).post(url, {"body": "Check the dose.", "section": 2}, format="json")
    nowhere = client_for(author).post(url, {"body": "Where?", "section": 99}, format="json")

    assert made.status_code == 200, made.content
    comment = Comment.objects.get(article=submitted)
    assert comment.section.position == 2
    assert (nowhere.status_code, nowhere.json()["error"]["code"]) == (404, "section-not-found")
    assert Comment.objects.filter(article=submitted).count() == 1


def test_a_transition_through_the_generic_endpoint_is_the_same_as_through_its_alias(submitted, chair, reviewers):
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)

    started = client_for(chair).post(f"{BASE}{submitted.slug}/actions/start_review/", {}, format="json")

    assert started.status_code == 200, started.content
    assert started.json()["state"] == ReviewState.UNDER_REVIEW
    assert AuditEntry.objects.filter(article=submitted, action="start_review", actor=chair).count() == 1


def test_an_unknown_action_or_input_is_a_400_that_names_it(submitted, author):
    unknown = client_for(author).post(f"{BASE}{submitted.slug}/actions/publish_now/", {}, format="json")
    hidden = client_for(author).post(f"{BASE}{submitted.slug}/actions/flag_rereview/", {}, format="json")

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (400, "unknown-action")
    assert (hidden.status_code, hidden.json()["error"]["code"]) == (400, "unknown-action")  # other actions' step
