"""Prepare the benchmark database: exactly N approved articles with many sections, citations and reviewers.

Idempotent: existing bench articles are kept (``bench-article-<n>``), those above N are deleted.
The first ``--rendered`` (50) go through the real publish and render; the rest are copies made
in SQL (their own slug, payload, ETag and render time), so that 20,000 take seconds, not an hour.
Prints one JSON line with the slug to fetch, a fresh API key, the live ETag, a list cursor whose
next page is the last one, and writes that article's payload bytes to ``--payload-file`` for the
ceiling view.

Run with DJANGO_SETTINGS_MODULE=bench.settings (run.sh does).
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_api_key.models import APIKey  # noqa: E402

from articles.api.listing import encode_cursor  # noqa: E402
from articles.content import content_from_article  # noqa: E402
from articles.models import READABLE, Article, PublishedCitation, PublishedVersion, Section  # noqa: E402
from articles.publishing import published_version_create, published_version_render  # noqa: E402
from references.models import Citation, Reference  # noqa: E402

BODY = (
    "Physical therapy with **graded exercise** improves function in chronic low back pain "
    "over twelve weeks [{a}]. Education about the *favourable course* reduces fear [{b}].\n\n"
    "- Stay active and avoid bed rest [{a}]\n- NSAIDs at the lowest effective dose [{b}, {c}]\n"
    "  - consider gastric protection in older adults [{c}]\n- Review after 4-6 weeks [{a}-{c}]\n"
)


def make_article(n: int, *, sections: int, citations: int, reviewers: int) -> Article:
    slug = f"bench-article-{n}"
    existing = Article.objects.filter(slug=slug, live_version__isnull=False).first()
    if existing:
        return existing
    with transaction.atomic():
        article = Article.objects.create(
            slug=slug, question=f"What are the treatment options for back pain ({n})?", topic="back pain"
        )
        for number in range(1, citations + 1):
            reference, _ = Reference.objects.get_or_create(
                doi=f"10.5555/bench.{number:04d}",
                defaults={
                    "kind": "guideline",
                    "title": f"Guideline on low back pain management, part {number}",
                    "authors": "American College of Physicians",
                    "publisher": "Annals of Internal Medicine",
                    "year": 2017 + number % 8,
                    "url": f"https://example.org/guidelines/{number}",
                },
            )
            Citation.objects.create(article=article, number=number, reference=reference)
        for position in range(1, sections + 1):
            a, b, c = ((position + k - 1) % citations + 1 for k in range(3))
            a, b, c = sorted((a, b, c))
            Section.objects.create(
                article=article,
                position=position,
                heading=f"Treatment consideration {position}",
                level=2 + position % 2,
                body=BODY.format(a=a, b=b, c=c),
            )
        approved_at = timezone.now()
        Article.objects.filter(pk=article.pk).update(
            state="approved", approved_at=approved_at, next_review_due=approved_at + timedelta(days=365)
        )
        article.refresh_from_db()
        version = published_version_create(
            article=article,
            content=content_from_article(article),
            reviewers=[{"name": f"Dr Reviewer {i}", "credentials": "MD, FACP"} for i in range(reviewers)],
            approved_at=approved_at,
        )
    published_version_render(version_id=version.pk)
    article.refresh_from_db()
    return article


SLUG_PREFIX = "bench-article-"


def _bench_number_sql(column: str) -> str:
    return f"CASE WHEN {column} ~ '^{SLUG_PREFIX}[0-9]+$' THEN substring({column} from {len(SLUG_PREFIX) + 1})::int END"


def drop_above(n: int) -> None:
    """Delete the bench articles numbered above ``n`` (and their versions)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM articles_article WHERE {_bench_number_sql('slug')} > %s", [n])
        ids = [row[0] for row in cursor.fetchall()]
    with transaction.atomic():
        Article.objects.filter(pk__in=ids).update(live_version=None)
        PublishedCitation.objects.filter(version__article_id__in=ids).delete()
        PublishedVersion.objects.filter(article_id__in=ids).delete()
        Article.objects.filter(pk__in=ids).delete()


def clone(template: Article, *, first: int, last: int) -> None:
    """Copies ``first``..``last`` of a rendered article, in SQL: own slug, payload, ETag and render
    time (one second older per number, so the list's order is known)."""
    if first > last:
        return
    article_fields = [
        f.column for f in Article._meta.concrete_fields if f.column not in ("id", "slug", "live_version_id")
    ]
    version_fields = [
        f.column
        for f in PublishedVersion._meta.concrete_fields
        if f.column not in ("id", "article_id", "payload_json", "summary_json", "etag", "rendered_at")
    ]
    old = f'"slug":"{template.slug}"'
    new = f"""'"slug":"{SLUG_PREFIX}' || n || '"'"""
    acols, vcols = ", ".join(article_fields), ", ".join(version_fields)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO articles_article (slug, {acols}) "
            f"SELECT '{SLUG_PREFIX}' || n, {acols} "
            "FROM articles_article, generate_series(%s::int, %s::int) n WHERE id = %s",
            [first, last, template.pk],
        )
        cursor.execute(
            "INSERT INTO articles_publishedversion (article_id, payload_json, summary_json, etag, rendered_at, "
            f"{vcols}) "
            f"SELECT a.id, replace(v.payload_json, %s, {new}), replace(v.summary_json, %s, {new}), "
            f"'\"' || left(md5(replace(v.payload_json, %s, {new})), 32) || '\"', "
            f"v.rendered_at - n * interval '1 second', "
            + ", ".join(f"v.{c}" for c in version_fields)
            + f" FROM articles_publishedversion v, generate_series(%s::int, %s::int) n "
            f"JOIN articles_article a ON a.slug = '{SLUG_PREFIX}' || n WHERE v.id = %s",
            [old, old, old, first, last, template.live_version_id],
        )
        cursor.execute(
            "UPDATE articles_article a "
            "SET live_version_id = v.id, live_rendered_at = v.rendered_at, live_topic = v.topic "
            f"FROM articles_publishedversion v WHERE v.article_id = a.id AND {_bench_number_sql('a.slug')} "
            "BETWEEN %s AND %s",
            [first, last],
        )


def last_page_cursor(*, page_size: int) -> str:
    """A cursor whose page is the list's last one."""
    offset = max(Article.objects.filter(live_rendered_at__isnull=False).count() - page_size - 1, 0)
    readable = Article.objects.filter(READABLE).order_by("-live_rendered_at", "-id")  # what readers see (one rule)
    rendered_at, article_id = readable.values_list("live_rendered_at", "id")[offset]
    return encode_cursor(rendered_at, article_id)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--rendered", type=int, default=50, help="articles published for real; the rest are copies")
    parser.add_argument("--sections", type=int, default=15)
    parser.add_argument("--citations", type=int, default=25)
    parser.add_argument("--reviewers", type=int, default=6)
    parser.add_argument("--payload-file", required=True)
    args = parser.parse_args()

    drop_above(args.articles)
    rendered = min(args.rendered, args.articles)
    articles = [
        make_article(n, sections=args.sections, citations=args.citations, reviewers=args.reviewers)
        for n in range(1, rendered + 1)
    ]
    existing = Article.objects.filter(slug__startswith=SLUG_PREFIX).count()
    clone(articles[0], first=max(existing, rendered) + 1, last=args.articles)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE articles_article")
        cursor.execute("ANALYZE articles_publishedversion")
    target = Article.objects.select_related("live_version").get(slug=f"{SLUG_PREFIX}{args.articles // 2 or 1}")
    live = target.live_version
    Path(args.payload_file).write_bytes(live.payload_json.encode("utf-8"))
    _, key = APIKey.objects.create_key(name="bench")
    published = Article.objects.filter(live_rendered_at__isnull=False).count()
    print(
        json.dumps(
            {
                "slug": target.slug,
                "key": key,
                "etag": live.etag,
                "bytes": len(live.payload_json.encode()),
                "published": published,
                "last_cursor": last_page_cursor(page_size=20),
            }
        )
    )


if __name__ == "__main__":
    main()
