"""Reader visibility is one definition (``articles.models.READABLE`` / ``reader_visible``): the Python rule, the
queryset, the list's hand-built SQL (compiled from ``READABLE``), the detail's hot query and the read API answer
the same for every combination of review state, retraction and render."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework_api_key.models import APIKey

from articles import selectors
from articles.models import READABLE, Article, ReviewState, reader_visible
from tests.articles.publishing_helpers import approve
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db

RENDERS = ("never approved", "approved, not rendered", "rendered")
COMBINATIONS = list(itertools.product(ReviewState.values, (False, True), RENDERS))


def expected(state: str, retracted: bool, render: str) -> bool:
    """The rule in words: a rendered live version, not retracted, neither in the retracted nor the archived state."""
    return render == "rendered" and not retracted and state not in ("retracted", "archived")


@pytest.fixture
def every_combination(db):
    articles = {}
    for number, (state, retracted, render) in enumerate(COMBINATIONS):
        article = ArticleFactory(slug=f"combination-{number}")
        if render != "never approved":
            approve(article, render=render == "rendered")
        Article.objects.filter(pk=article.pk).update(
            state=state,
            retracted_at=timezone.now() if retracted else None,
            retraction_reason="Wrong dose" if retracted else "",
        )
        articles[(state, retracted, render)] = Article.objects.get(pk=article.pk)
    return articles


def test_the_python_rule_is_the_rule_in_words():
    for state, retracted, render in COMBINATIONS:
        rendered = render == "rendered"
        assert reader_visible(state=state, retracted=retracted, rendered=rendered) == expected(state, retracted, render)


def test_every_surface_agrees_with_the_python_rule_on_every_combination(every_combination, client):
    _, key = APIKey.objects.create_key(name="visibility")
    client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {key}"
    queryset = set(Article.objects.filter(READABLE).values_list("pk", flat=True))
    listed = {row.article_id for row in selectors.published_page(limit=101)}
    assert len(every_combination) == 42

    for combination, article in every_combination.items():
        want = expected(*combination)
        retracted, rendered = article.retracted_at is not None, article.live_rendered_at is not None
        python = reader_visible(state=article.state, retracted=retracted, rendered=rendered)
        live = selectors.live_version_row(slug=article.slug, known_etag="")
        view = selectors.article_live_view(slug=article.slug)
        answer = client.get(f"/api/v1/articles/{article.slug}/")
        assert python is want, combination
        assert (article.pk in queryset) is want, combination
        assert (article.pk in listed) is want, combination
        assert live.visible is want, combination
        assert view.visible is want, combination
        assert (answer.status_code == 200) is want, (combination, answer.status_code)
    assert listed, "some combinations are visible: the list was really read"


def test_the_list_statement_is_compiled_from_the_one_definition_like_the_listing_index():
    index = next(index for index in Article._meta.indexes if index.name == "article_listing_idx")
    with connection.schema_editor() as editor:
        index_condition = index._get_condition_sql(Article, editor)

    compiled = selectors._readable_sql()

    assert compiled.replace('"a".', "") == index_condition
    assert compiled in selectors._listing_sql(full=False, after=False, topic=False, since=False, q=False, limit=20)
