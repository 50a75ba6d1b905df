"""Prepare the benchmark database: N approved articles with many sections, citations and reviewers.

Idempotent: existing bench articles are kept (``bench-article-<n>``). Prints one JSON line with
the slug to fetch, a fresh API key, the live ETag, and writes that article's payload bytes to
``--payload-file`` for the ceiling view.

Run with DJANGO_SETTINGS_MODULE=bench.settings (run.sh does).
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

import django

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_api_key.models import APIKey  # noqa: E402

from articles.content import content_from_article  # noqa: E402
from articles.models import Article, Section  # noqa: E402
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
                    "kind": "guideline", "title": f"Guideline on low back pain management, part {number}",
                    "authors": "American College of Physicians", "publisher": "Annals of Internal Medicine",
                    "year": 2017 + number % 8, "url": f"https://example.org/guidelines/{number}",
                },
            )
            Citation.objects.create(article=article, number=number, reference=reference)
        for position in range(1, sections + 1):
            a, b, c = ((position + k - 1) % citations + 1 for k in range(3))
            a, b, c = sorted((a, b, c))
            Section.objects.create(
                article=article, position=position, heading=f"Treatment consideration {position}",
                level=2 + position % 2, body=BODY.format(a=a, b=b, c=c),
            )
        approved_at = timezone.now()
        Article.objects.filter(pk=article.pk).update(
            state="approved", approved_at=approved_at, next_review_due=approved_at + timedelta(days=365)
        )
        article.refresh_from_db()
        version = published_version_create(
            article=article, content=content_from_article(article),
            reviewers=[{"name": f"Dr Reviewer {i}", "credentials": "MD, FACP"} for i in range(reviewers)],
            approved_at=approved_at,
        )
    published_version_render(version_id=version.pk)
    article.refresh_from_db()
    return article


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200)
    parser.add_argument("--sections", type=int, default=15)
    parser.add_argument("--citations", type=int, default=25)
    parser.add_argument("--reviewers", type=int, default=6)
    parser.add_argument("--payload-file", required=True)
    args = parser.parse_args()

    articles = [
        make_article(n, sections=args.sections, citations=args.citations, reviewers=args.reviewers)
        for n in range(1, args.articles + 1)
    ]
    target = articles[len(articles) // 2]
    live = target.live_version
    Path(args.payload_file).write_bytes(live.payload_json.encode("utf-8"))
    _, key = APIKey.objects.create_key(name="bench")
    print(json.dumps({"slug": target.slug, "key": key, "etag": live.etag, "bytes": len(live.payload_json.encode())}))


if __name__ == "__main__":
    main()
