"""The shared factories' Traits give states as the workflow leaves them (tests/factories.py)."""

from __future__ import annotations

import pytest

from articles.content import content_from_article
from articles.models import Article, ReviewState
from reviewboard.models import ReviewRound
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("state", ReviewState.values)
def test_a_trait_per_state(state):
    article = ArticleFactory(**({state: True} if state != "draft" else {}))

    assert Article.objects.get(pk=article.pk).state == state


@pytest.mark.parametrize("state", ["submitted", "under_review"])
def test_a_state_under_review_has_its_open_round_frozen_on_the_content(state):
    article = ArticleFactory(**{state: True})

    open_round = ReviewRound.objects.get(article=article, closed_at__isnull=True)
    assert open_round.content_hash == content_from_article(article).content_hash
    assert Article.objects.get(pk=article.pk).review_hash == open_round.content_hash


def test_approved_and_retracted_carry_their_fields():
    approved = ArticleFactory(approved=True)
    retracted = ArticleFactory(retracted=True)

    assert approved.approved_at is not None
    assert approved.next_review_due > approved.approved_at
    assert retracted.is_retracted
    assert retracted.retraction_reason
    assert not ReviewRound.objects.filter(article__in=[approved, retracted]).exists()
