"""The read API's hot paths: the list's one index scan and its prepared statement, and the per-process
micro-cache and keyed fast path (their query budget: test_query_budget.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from articles import selectors
from articles.api import listing, payloads
from articles.models import Article
from articles.publishing import article_payload_refresh
from tests.articles.publishing_helpers import approve, set_state
from tests.articles.read_api.paths import LIST, detail
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_the_list_query_is_one_index_scan_from_the_cursor_without_a_sort(api, published, monkeypatch):
    """The order is served by article_listing_idx (no sort of all rows, no scan of the versions):
    asserted on the plan PostgreSQL would choose if the tables were large (seq scans disabled)."""
    plans = []
    real = selectors.published_page

    def explained(**kwargs):
        sql = selectors._listing_sql(
            full=kwargs.get("full", False),
            after=kwargs.get("after") is not None,
            topic=bool(kwargs.get("topic")),
            since=kwargs.get("updated_since") is not None,
            q=bool(kwargs.get("q")),
            limit=kwargs["limit"],
        )
        params = {
            "topic": kwargs.get("topic", ""),
            "since": kwargs.get("updated_since"),
            "q": "%x%",
            "after_at": (kwargs.get("after") or (None, None))[0],
            "after_id": (kwargs.get("after") or (None, None))[1],
        }
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("EXPLAIN " + sql, params)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
        return real(**kwargs)

    monkeypatch.setattr(selectors, "published_page", explained)
    with transaction.atomic():
        api.get(LIST, {"page_size": 1})
        api.get(LIST, {"cursor": listing.encode_cursor(timezone.now(), 10**6), "topic": "back pain"})

    assert len(plans) == 2
    for plan in plans:
        assert "Index Scan using article_listing" in plan, plan
        assert "Sort" not in plan, plan
        assert "Seq Scan" not in plan, plan


def test_the_prepared_list_statement_is_planned_once_not_on_every_request(api, published):
    """A bound ``LIMIT $1`` made PostgreSQL plan the generic plan as if a tenth of a large catalogue
    were read, so it re-planned the prepared statement on every request (about 0.4 ms of server
    time at 20,000 articles, four times the query itself). The list's plan must be reused."""
    version = published.live_version
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            slug=f"copy-{n}",
            question=f"Copy {n}?",
            topic="back pain",
            state=published.state,
            live_version=version,
            live_rendered_at=now - timedelta(seconds=n),
            live_topic="back pain",
        )
        for n in range(1, 2001)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
    for _ in range(12):  # the prepare threshold (5), then PostgreSQL's five custom plans, then its choice
        assert api.get(LIST).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s AND statement LIKE %s",
            ["%summary_json%", "%ORDER BY%"],
        )
        plans = cursor.fetchall()

    assert len(plans) == 1, plans  # the list statement was prepared (server-side binding, DB_PREPARE_THRESHOLD)
    generic, custom = plans[0]
    assert generic >= 1, plans  # planned once and reused
    assert custom <= 5, plans  # PostgreSQL's five custom plans before it compares, no more


# --- the cached bytes and the fast path -------------------------------------------------------------


def test_cached_bytes_are_never_served_stale(api, published, django_assert_max_num_queries):
    api.get(detail(published.slug))  # warms the key and payload caches
    Article.objects.filter(pk=published.pk).update(review_overdue=True)
    article_payload_refresh(published.pk)

    with django_assert_max_num_queries(1):
        response = api.get(detail(published.slug))

    assert response.json()["review_overdue"] is True
    published.live_version.refresh_from_db()
    assert response.content == published.live_version.payload_json.encode()


def test_a_newer_version_replaces_the_cached_one(api, published):
    api.get(detail(published.slug))
    approve(published)

    assert api.get(detail(published.slug)).json()["version"] == 2


def test_retraction_is_seen_at_once_by_a_warm_cache(api, published):
    api.get(detail(published.slug))
    set_state(published, "retracted", retraction_reason="Withdrawn guideline")

    assert api.get(detail(published.slug)).status_code == 410


def test_keyed_fast_path_and_drf_path_answer_errors_alike(api, client, published, settings):
    settings.API_PUBLIC_READ = True
    set_state(published, "retracted", retraction_reason="Withdrawn guideline", retracted_at=timezone.now())
    hidden = ArticleFactory()

    urls = [detail("no-such-slug"), detail(hidden.slug), detail(published.slug), detail(hidden.slug) + "versions/1/"]
    for url in urls:
        keyed = api.get(url)
        public = client.get(url, HTTP_AUTHORIZATION="")
        assert keyed.status_code == public.status_code, url
        assert keyed.content == public.content, url


def test_a_revalidation_on_a_fresh_worker_fills_the_micro_cache(api, published, settings, django_assert_num_queries):
    """A worker whose clients all revalidate used to answer 304 without keeping the bytes, and so
    asked the database again on every request."""
    settings.API_DETAIL_CACHE_SECONDS = 60
    etag = published.live_version.etag

    first = api.get(detail(published.slug), HTTP_IF_NONE_MATCH=etag)  # this process never served the bytes
    with django_assert_num_queries(0):
        again = api.get(detail(published.slug), HTTP_IF_NONE_MATCH=etag)
    with django_assert_num_queries(0):
        full = api.get(detail(published.slug))

    assert first.status_code == again.status_code == 304
    assert full.content == published.live_version.payload_json.encode()


def test_the_micro_cache_answers_without_the_database_until_it_expires(
    api, published, settings, monkeypatch, django_assert_num_queries
):
    settings.API_DETAIL_CACHE_SECONDS = 1
    clock = [1000.0]
    monkeypatch.setattr(payloads, "_now", lambda: clock[0])
    old = api.get(detail(published.slug))
    set_state(published, "retracted", retraction_reason="Withdrawn guideline")

    clock[0] += 0.5
    with django_assert_num_queries(0):
        cached = api.get(detail(published.slug))
    with django_assert_num_queries(0):
        not_modified = api.get(detail(published.slug), HTTP_IF_NONE_MATCH=old["ETag"])
    clock[0] += 0.6
    expired = api.get(detail(published.slug))

    assert cached.status_code == 200
    assert cached.content == old.content
    assert not_modified.status_code == 304
    assert expired.status_code == 410


@pytest.mark.parametrize("micro_cache_seconds", [0, 60])
@pytest.mark.parametrize(
    ("if_none_match", "status"),
    [
        ("{etag}", 304),
        ("W/{etag}", 304),
        ('"older", {etag}', 304),
        ("*", 304),
        (" * ", 304),
        ('"older"', 200),
        ("{etag}x", 200),
        ("", 200),
    ],
)
def test_if_none_match_is_read_as_rfc_9110_says(api, published, settings, micro_cache_seconds, if_none_match, status):
    settings.API_DETAIL_CACHE_SECONDS = micro_cache_seconds
    etag = api.get(detail(published.slug))["ETag"]  # with the micro-cache on, the next answers come from it

    response = api.get(detail(published.slug), HTTP_IF_NONE_MATCH=if_none_match.format(etag=etag))

    assert response.status_code == status
    assert response["ETag"] == etag
