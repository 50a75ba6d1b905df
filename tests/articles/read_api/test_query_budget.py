"""The read API's query budget: the detail and the list cost the same few queries for 25 large articles
(12 sections, 15 citations, 8 reviewers each) as for one. The articles are built once for the module
(tests/module_world.py, about two seconds); the tests only read them."""

from __future__ import annotations

import pytest

from articles.models import Article
from tests.articles.publishing_helpers import approve, big_article, many_reviewers
from tests.articles.read_api.paths import LIST, detail
from tests.module_world import module_world

# One xdist worker runs the module, so that the articles are built once, not once per worker.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("query_budget")]


@pytest.fixture(scope="module")
def heavy_world(django_db_setup, django_db_blocker):
    with module_world(django_db_blocker):
        pks = []
        for n in range(25):
            article = big_article(sections=12, citations=15, slug=f"heavy-{n}")
            approve(article, reviewers=many_reviewers(8))
            pks.append(article.pk)
        yield pks


@pytest.fixture
def heavy(heavy_world, db):
    by_pk = Article.objects.in_bulk(heavy_world)
    return [by_pk[pk] for pk in heavy_world]


def test_detail_costs_at_most_two_queries_even_with_many_sections(api, heavy, django_assert_max_num_queries):
    slug = heavy[0].slug
    with django_assert_max_num_queries(2):
        response = api.get(detail(slug))
    assert response.status_code == 200
    assert len(response.json()["sections"]) == 12
    assert len(response.json()["reviewers"]) == 8
    with django_assert_max_num_queries(2):
        assert api.get(detail(slug), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304
    with django_assert_max_num_queries(2):
        assert api.get(detail(slug), HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    with django_assert_max_num_queries(2):
        assert api.get(detail(slug) + "versions/1/").status_code == 200
    with django_assert_max_num_queries(2):
        assert api.get(detail(slug) + "versions/").status_code == 200


@pytest.mark.parametrize("page_size", [1, 10, 25, 100])
def test_list_page_costs_one_query_for_any_size_and_position(
    api, heavy, page_size, django_assert_num_queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):  # the key on a cold cache + the page
        first = api.get(LIST, {"page_size": page_size, "topic": "back pain", "q": "back"})
    with django_assert_num_queries(1):
        api.get(LIST, {"page_size": page_size})
    with django_assert_num_queries(1):
        api.get(LIST, {"page_size": min(page_size, 20), "expand": "full"})
    if first.json()["next"]:
        with django_assert_num_queries(1):
            assert api.get(first.json()["next"]).status_code == 200
    assert first.status_code == 200
    assert len(first.json()["results"]) == min(page_size, 25)
