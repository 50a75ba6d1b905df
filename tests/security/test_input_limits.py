"""Issue 13, item 5: denial of service by input.

- JSON nested 1,000 deep is a 400 on every JSON endpoint (the token endpoint too), not a 500
  (``RecursionError``).
- Creating an article costs a number of queries that does not grow with its references (it was
  about six queries per reference plus a title look-up that scanned the library: quadratic), and
  the count is capped by ``ARTICLE_MAX_REFERENCES`` with a clear 400.
- The admin change page of an article with very many citations and sections shows them a page at
  a time: its size no longer grows with the article.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from articles.models import Article, Section
from bench.bench_article_create import payload
from references.models import Citation, Reference
from tests.factories import ArticleFactory
from tests.security.helpers import REVIEW_BASE, client_for

pytestmark = pytest.mark.django_db

DEEP = "[" * 1000 + "]" * 1000
DEEPER_OBJECT = '{"a":' * 5000 + "1" + "}" * 5000


@pytest.fixture
def published_slug(author):
    return ArticleFactory(authors=[author], slug="back-pain").slug


JSON_ENDPOINTS = [
    ("anonymous", "/api/v1/auth/token/"),
    ("author", REVIEW_BASE),
    ("author", f"{REVIEW_BASE}back-pain/transitions/submit/"),
    ("author", f"{REVIEW_BASE}back-pain/comments/"),
    ("chair", f"{REVIEW_BASE}back-pain/assignments/"),
    ("chair", f"{REVIEW_BASE}back-pain/signoffs/"),
]


@pytest.mark.parametrize("body", [DEEP, DEEPER_OBJECT], ids=["array-1000", "object-5000"])
@pytest.mark.parametrize(("role", "path"), JSON_ENDPOINTS)
def test_deeply_nested_json_is_a_400_on_every_json_endpoint(author, chair, published_slug, role, path, body):
    client = {"anonymous": APIClient(), "author": client_for(author), "chair": client_for(chair)}[role]

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["code"] == "parse-error"
    assert "nested" in response.json()["error"]["message"]


def test_nesting_within_the_limit_still_parses(author):
    response = client_for(author).post(REVIEW_BASE, {"question": [[[["x"]]]]}, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid-input"  # the field is wrong, the JSON is fine


def queries_to_create(client, n: int, *, with_doi: bool) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.post(REVIEW_BASE, payload(n, with_doi=with_doi), format="json")
    assert response.status_code == 201, response.content[:300]
    return len(captured.captured_queries)


@pytest.mark.parametrize("with_doi", [True, False], ids=["by-doi", "by-title"])
def test_creating_an_article_costs_the_same_queries_for_50_or_1000_references(author, with_doi):
    client = client_for(author)

    small = queries_to_create(client, 50, with_doi=with_doi)
    large = queries_to_create(client, 1000, with_doi=with_doi)

    assert Citation.objects.count() == 1050
    # Titles are looked up a chunk of 200 per query: 5 more queries for 1000 titles than for 50.
    assert large <= small + (5 if not with_doi else 0)


def test_references_of_a_large_article_are_deduplicated_against_the_library(author):
    client = client_for(author)
    queries_to_create(client, 100, with_doi=False)
    queries_to_create(client, 100, with_doi=True)
    queries_to_create(client, 100, with_doi=False)

    assert Reference.objects.count() == 200  # the third article found every record of the first


def test_more_references_than_the_cap_is_a_clear_400_and_writes_nothing(author, settings):
    settings.ARTICLE_MAX_REFERENCES = 1000

    response = client_for(author).post(REVIEW_BASE, payload(2000, with_doi=True), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["detail"] == {"field": "references", "limit": 1000}
    assert "2000" in error["message"]
    assert "ARTICLE_MAX_REFERENCES" in error["message"]
    assert not Article.objects.exists()
    assert not Reference.objects.exists()


def test_import_article_respects_the_same_cap(tmp_path, settings):
    from django.core.management import CommandError, call_command

    settings.ARTICLE_MAX_REFERENCES = 2
    references = "".join(f"  - number: {i}\n    title: Back pain trial {i}\n" for i in (1, 2, 3))
    path = tmp_path / "article.md"
    path.write_text(f"---\nquestion: Back pain?\nreferences:\n{references}---\n## Care\nRest [1] [2] [3].\n")

    with pytest.raises(CommandError) as exc:
        call_command("import_article", str(path))

    assert "at most 2" in str(exc.value)
    assert not Article.objects.exists()


@pytest.fixture
def huge_article():
    article = ArticleFactory(with_content=False, slug="huge")
    references = Reference.objects.bulk_create(
        Reference(title=f"Back pain trial number {i}", year=2020, doi=f"10.1000/huge.{i}", url="https://example.org")
        for i in range(1, 2001)
    )
    Citation.objects.bulk_create(
        Citation(article=article, number=i, reference=reference) for i, reference in enumerate(references, start=1)
    )
    Section.objects.bulk_create(
        Section(article=article, position=k, heading=f"Part {k}", level=2, body=f"Back pain claim [{k}].")
        for k in range(1, 301)
    )
    return article


def inline_rows(page: str, prefix: str) -> int:
    return len(set(re.findall(rf'name="{prefix}-(\d+)-id"', page)))


def test_admin_change_page_of_a_huge_article_stays_small(admin_client, huge_article):
    url = reverse("admin:articles_article_change", args=[huge_article.pk])

    response = admin_client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert inline_rows(page, "citations") == 50
    assert inline_rows(page, "sections") == 50
    assert 'id="citations-pages"' in page
    assert 'id="sections-pages"' in page
    assert page.count('class="preview-references"') == 1
    assert "and 1800 more references" in page
    assert "and 200 more sections" in page
    assert len(response.content) < 800_000, len(response.content)


def test_admin_inline_pages_show_the_rows_of_that_page(admin_client, huge_article):
    url = reverse("admin:articles_article_change", args=[huge_article.pk])

    page = admin_client.get(url, {"citations-page": 40}).content.decode()

    numbers = sorted(int(n) for n in re.findall(r'name="citations-\d+-number"[^>]*value="(\d+)"', page))
    assert numbers == list(range(1951, 2001))


def test_saving_one_page_of_inline_rows_leaves_the_other_pages_alone(admin_client, huge_article, settings):
    from tests.articles.test_admin import form_data

    # The admin saves through the content service, which applies the reference cap to the whole article.
    settings.ARTICLE_MAX_REFERENCES = 5000
    url = reverse("admin:articles_article_change", args=[huge_article.pk]) + "?sections-page=2&citations-page=3"
    data = form_data(admin_client.get(url))
    data["sections-0-heading"] = "Part 51, renamed"
    data["sections-0-body"] = "Back pain claim [51]."

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert Section.objects.get(article=huge_article, position=51).heading == "Part 51, renamed"
    assert Section.objects.filter(article=huge_article).count() == 300
    assert Citation.objects.filter(article=huge_article).count() == 2000


@pytest.mark.parametrize(
    ("path", "auth"),
    [("/api/v1/articles/?topc=back+pain", "key"), (f"{REVIEW_BASE}?stat=draft", "token")],
)
def test_a_mistyped_list_filter_is_a_400_naming_it_not_the_whole_list(client, author, path, auth):
    from rest_framework_api_key.models import APIKey

    if auth == "key":
        _, key = APIKey.objects.create_key(name="web site")
        response = client.get(path, HTTP_AUTHORIZATION=f"Api-Key {key}")
    else:
        response = client_for(author).get(path)

    assert response.status_code == 400
    assert list(response.json()["error"]["detail"]) == [path.split("?")[1].split("=")[0]]


@pytest.mark.parametrize("query", ["state=", "assigned_to_me=", "page="])
def test_an_empty_review_queue_filter_is_a_400_naming_it(author, query):
    response = client_for(author).get(f"{REVIEW_BASE}?{query}")

    assert response.status_code == 400
    assert list(response.json()["error"]["detail"]) == [query.rstrip("=")]
