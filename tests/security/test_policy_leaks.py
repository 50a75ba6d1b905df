"""Issue 13, item 6: policy leaks.

- Authors could set ``required_specialty`` through the review API, although the admin reserves it
  for the chair: ``reviewboard.board.permissions.can_set_review_settings`` now decides for both.
- For a draft, an unassigned reviewer got 404 on GET but 403 on POST comment (an existence oracle):
  every per-article endpoint now decides visibility with ``reviewboard.review.selectors.article_visible_to``
  and answers an invisible article exactly like an unknown one.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Article
from reviewboard.models import Comment
from tests.factories import ArticleFactory, SpecialtyFactory, UserFactory
from tests.security.helpers import REVIEW_BASE, client_for, markdown_article

pytestmark = pytest.mark.django_db


@pytest.fixture
def orthopedics():
    return SpecialtyFactory(code="orthopedics", name="Orthopedics")


def json_article(**overrides):
    payload = {
        "question": "What are the treatment options for back pain?",
        "sections": [{"heading": "First-line", "body": "Stay active for back pain [1]."}],
        "references": [{"number": 1, "title": "Low back pain guideline", "year": 2017}],
    }
    return {**payload, **overrides}


def test_an_author_cannot_set_the_required_specialty_through_the_json_api(author, orthopedics):
    response = client_for(author).post(REVIEW_BASE, json_article(specialty="orthopedics"), format="json")

    assert response.status_code == 403, response.content
    assert response.json()["error"]["detail"]["field"] == "specialty"
    assert not Article.objects.exists()


def test_an_author_cannot_set_the_required_specialty_through_markdown_front_matter(author, orthopedics):
    markdown = markdown_article().replace("topic: back pain\n", "topic: back pain\nspecialty: orthopedics\n")

    response = client_for(author).post(REVIEW_BASE, {"markdown": markdown}, format="json")

    assert response.status_code == 403, response.content
    assert not Article.objects.exists()


def test_the_chair_may_set_the_required_specialty_through_the_api(orthopedics):
    chair_author = UserFactory(username="chair-author", groups=["Authors", "Board chair"])

    response = client_for(chair_author).post(REVIEW_BASE, json_article(specialty="orthopedics"), format="json")

    assert response.status_code == 201, response.content
    assert Article.objects.get(slug=response.json()["slug"]).required_specialty == orthopedics


def test_the_admin_asks_the_same_rule(client, author, chair, orthopedics):
    from reviewboard.board.permissions import REVIEW_SETTINGS_FIELDS

    client.force_login(author)
    response = client.get(reverse("admin:articles_article_add"))

    assert "required_specialty" in REVIEW_SETTINGS_FIELDS
    assert "required_specialty" not in response.context["adminform"].form.fields
    client.force_login(chair)
    assert "required_specialty" in client.get(reverse("admin:articles_article_add")).context["adminform"].form.fields


@pytest.fixture
def draft(author):
    return ArticleFactory(authors=[author], slug="back-pain-draft")


ENDPOINTS = [
    ("get", "{base}{slug}/", None),
    ("post", "{base}{slug}/comments/", {"body": "Is this right?"}),
    ("post", "{base}{slug}/comments/", {"body": "Blocking", "blocking": True, "section": 1}),
    ("post", "{base}{slug}/transitions/request_changes/", {"comment": "No."}),
    ("post", "{base}{slug}/transitions/submit/", {}),
    ("post", "{base}{slug}/signoffs/", {"content_hash": "0" * 64}),
    ("post", "{base}{slug}/assignments/", {"reviewer": "reviewer1"}),
    ("post", "{base}{slug}/comments/1/resolve/", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
def test_an_unassigned_reviewer_gets_the_same_404_as_for_an_unknown_article(reviewers, draft, method, path, body):
    client = client_for(reviewers[0])

    hidden = getattr(client, method)(path.format(base=REVIEW_BASE, slug=draft.slug), body, format="json")
    unknown = getattr(client, method)(path.format(base=REVIEW_BASE, slug="no-such-article"), body, format="json")

    assert hidden.status_code == unknown.status_code == 404, hidden.content
    assert hidden.json()["error"]["code"] == unknown.json()["error"]["code"] == "article-not-found"
    assert hidden.json()["error"]["message"].replace(draft.slug, "X") == unknown.json()["error"]["message"].replace(
        "no-such-article", "X"
    )
    assert not Comment.objects.exists()


def test_an_assigned_reviewer_still_sees_and_comments(author, chair, reviewers, draft):
    from reviewboard.review import services

    services.article_submit(article=draft, user=author)
    services.assignment_create(article=draft, reviewer=reviewers[0], user=chair)
    client = client_for(reviewers[0])

    assert client.get(f"{REVIEW_BASE}{draft.slug}/").status_code == 200
    response = client.post(f"{REVIEW_BASE}{draft.slug}/comments/", {"body": "Looks fine."}, format="json")
    assert response.status_code == 201


def test_an_author_who_may_see_the_article_still_gets_403_for_a_chair_action(author, draft, reviewers):
    response = client_for(author).post(
        f"{REVIEW_BASE}{draft.slug}/assignments/", {"reviewer": "reviewer1"}, format="json"
    )

    assert response.status_code == 403
