"""The review API's who-may-review endpoints: accept, decline, declare interests; errors name the field."""

from __future__ import annotations

import pytest

from reviewboard.models import Assignment, AuditEntry, Declaration, Event, Specialty
from reviewboard.review import services
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory
from tests.reviewboard.api.test_review_api import client_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1/review/articles/"
DECLARATIONS = "/api/v1/review/declarations/"


@pytest.fixture
def assigned():
    author, chair, reviewer = AuthorFactory(username="author"), ChairFactory(username="chair"), ReviewerFactory()
    article = services.article_submit(article=ArticleFactory(authors=[author]), user=author)
    assignment = services.assignment_create(article=article, reviewer=reviewer, user=chair)
    return article, assignment, reviewer, chair


def url(article, assignment, what: str) -> str:
    return f"{BASE}{article.slug}/assignments/{assignment.pk}/{what}/"


def test_the_reviewer_accepts_confirming_no_conflict(assigned):
    article, assignment, reviewer, _ = assigned

    response = client_for(reviewer).post(url(article, assignment, "accept"), {"no_conflict": True}, format="json")

    assert response.status_code == 200, response.content
    [row] = response.json()["assignments"]
    assert row["answer"] == "accepted"
    assert row["accepted_at"] is not None
    assert Assignment.objects.get(pk=assignment.pk).accepted_at is not None
    assert AuditEntry.objects.filter(action="accept_assignment").count() == 1


def test_accepting_without_the_confirmation_names_the_field_and_changes_nothing(assigned):
    article, assignment, reviewer, _ = assigned

    response = client_for(reviewer).post(url(article, assignment, "accept"), {}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "no-conflict-required"
    assert response.json()["error"]["detail"]["field"] == "no_conflict"
    assert Assignment.objects.get(pk=assignment.pk).accepted_at is None


def test_the_reviewer_declines_with_a_reason_and_the_chair_is_told(assigned):
    article, assignment, reviewer, _ = assigned

    response = client_for(reviewer).post(url(article, assignment, "decline"), {"reason": "On leave"}, format="json")

    assert response.status_code == 200, response.content
    [row] = response.json()["assignments"]
    assert (row["answer"], row["decline_reason"], row["close_reason"]) == ("declined", "On leave", "declined")
    assert Event.objects.filter(type="assignment.declined", payload__assignment_id=assignment.pk).exists()


def test_declining_without_a_reason_names_the_field(assigned):
    article, assignment, reviewer, _ = assigned

    response = client_for(reviewer).post(url(article, assignment, "decline"), {"reason": ""}, format="json")

    assert response.status_code == 400
    assert "reason" in response.json()["error"]["detail"]
    assert Assignment.objects.get(pk=assignment.pk).closed_at is None


def test_only_the_assigned_reviewer_answers_and_a_second_answer_is_a_conflict(assigned):
    article, assignment, reviewer, chair = assigned

    other = client_for(chair).post(url(article, assignment, "accept"), {"no_conflict": True}, format="json")
    assert other.status_code == 403

    client = client_for(reviewer)
    assert client.post(url(article, assignment, "accept"), {"no_conflict": True}, format="json").status_code == 200
    again = client.post(url(article, assignment, "decline"), {"reason": "changed my mind"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already-answered"


def test_an_unknown_assignment_is_404(assigned):
    article, _, reviewer, _ = assigned
    response = client_for(reviewer).post(f"{BASE}{article.slug}/assignments/999999/accept/", {}, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "assignment-not-found"


def test_the_chair_assigns_over_a_conflict_with_an_override_reason(assigned):
    article, _, _, chair = assigned
    reviewer = ReviewerFactory(username="expired")
    Declaration.objects.filter(member=reviewer).update(expires_at="2000-01-01T00:00Z")
    client = client_for(chair)

    refused = client.post(f"{BASE}{article.slug}/assignments/", {"reviewer": "expired"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["error"]["detail"]["reason"] == "declaration-expired"

    body = {"reviewer": "expired", "override_reason": "Only hand surgeon available"}
    response = client.post(f"{BASE}{article.slug}/assignments/", body, format="json")
    assert response.status_code == 201, response.content
    row = next(a for a in response.json()["assignments"] if a["reviewer"]["username"] == "expired")
    assert row["override_reason"] == "Only hand surgeon available"
    assert "expired" in row["override_conflict"]


def test_a_board_member_signs_a_declaration_with_relationships():
    reviewer = ReviewerFactory()
    Specialty.objects.create(code="cardiology", name="Cardiology")
    body = {
        "relationships": [
            {
                "organisation": "HeartCo",
                "kind": "grant",
                "topics": ["Heart failure"],
                "specialties": ["cardiology"],
                "started_on": "2025-01-01",
            }
        ],
        "statement": "Grant ends next year.",
    }

    response = client_for(reviewer).post(DECLARATIONS, body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["nothing_to_declare"] is False
    assert data["relationships"][0]["specialties"] == ["cardiology"]
    assert data["relationships"][0]["description"] == "Research grant, HeartCo (2025-01-01 to ongoing)"
    newest = Declaration.objects.filter(member=reviewer).latest("signed_at")
    assert newest.pk == data["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "relationships"),
        ({"nothing_to_declare": True, "relationships": [{"organisation": "X", "kind": "grant"}]}, "nothing_to_declare"),
        ({"relationships": [{"organisation": "X", "kind": "bribe"}]}, "relationships"),
        ({"relationships": [{"organisation": "X", "kind": "grant", "started_on": "soon"}]}, "relationships"),
    ],
)
def test_a_bad_declaration_names_the_field_and_saves_nothing(body, field):
    reviewer = ReviewerFactory()
    before = Declaration.objects.count()

    response = client_for(reviewer).post(DECLARATIONS, body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    named = error.get("detail", {}).get("field") or next(iter(error["detail"]))
    assert named.startswith(field)
    assert Declaration.objects.count() == before


def test_a_specialty_the_board_does_not_have_is_a_404_naming_the_field_and_saves_nothing():
    """A well-formed code that names no specialty: 404, as a name that names nothing is on the review API."""
    reviewer = ReviewerFactory()
    before = Declaration.objects.count()
    body = {"relationships": [{"organisation": "X", "kind": "grant", "specialties": ["nope"]}]}

    response = client_for(reviewer).post(DECLARATIONS, body, format="json")

    assert response.status_code == 404, response.content
    error = response.json()["error"]
    assert (error["code"], error["detail"]["field"]) == ("invalid-specialty", "relationships[0].specialties")
    assert Declaration.objects.count() == before


def test_someone_outside_the_board_cannot_declare():
    response = client_for(AuthorFactory(username="writer")).post(
        DECLARATIONS, {"nothing_to_declare": True}, format="json"
    )
    assert response.status_code == 403
