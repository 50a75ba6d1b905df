"""Issue 19, item 5: the slug a new article gets reveals nothing about articles its creator cannot see.

An author who creates an article with the same question as another author's draft used to get
``<question>-2``: proof that the draft exists, and its slug. The slug an author gets must have the
same form whether or not such a draft exists."""

from __future__ import annotations

import re

import pytest

from articles.models import Article
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory
from tests.reviewboard.api.clients import client_for

pytestmark = pytest.mark.django_db

BASE = "/api/v1/review/articles/"
QUESTION = "What are the treatment options for back pain?"
SLUG = "what-are-the-treatment-options-for-back-pain"
PAYLOAD = {
    "question": QUESTION,
    "topic": "back pain",
    "sections": [{"heading": "First-line", "level": 2, "body": "Stay active."}],
    "references": [],
}


def create(user, **fields) -> str:
    response = client_for(user).post(BASE, {**PAYLOAD, **fields}, format="json")
    assert response.status_code == 201, response.content
    return response.json()["slug"]


def shape(slug: str, base: str = SLUG) -> str:
    return re.sub(r"-[a-z0-9]{6}$", "-<random>", slug) if slug.startswith(base) else slug


@pytest.mark.parametrize("explicit", [{}, {"slug": SLUG}])
def test_an_authors_slug_has_the_same_form_whether_or_not_another_authors_draft_holds_the_question(explicit):
    alone = create(AuthorFactory(username="first"), **explicit)
    ArticleFactory(slug=SLUG + "-x", question="unrelated")  # noise

    other = AuthorFactory(username="second")
    beside_a_draft = create(other, **explicit)

    assert shape(alone) == shape(beside_a_draft) == f"{SLUG}-<random>"
    assert beside_a_draft != f"{SLUG}-2"
    assert Article.objects.filter(slug__startswith=SLUG).count() == 3


def test_the_chair_who_sees_every_article_still_gets_the_plain_slug_and_numbered_ones():
    editor = ChairFactory(username="chair")

    assert create(editor) == SLUG
    assert create(editor) == f"{SLUG}-2"
