"""Board actions against the multi-node rig, run in the rig's environment (``scripts/cluster env``):

    python -m tests.cluster.actions publish SLUG      a new article approved through the board workflow
    python -m tests.cluster.actions retract SLUG      prints "ready", waits for a line on stdin, then the chair
                                                      retracts it; prints the version.retracted event id
    python -m tests.cluster.actions drafts PREFIX N   N draft articles, one commit each; prints each slug once committed
    python -m tests.cluster.actions present SLUG...   prints the slugs of these that the database has
    python -m tests.cluster.actions read SLUG...      the read API's status for each (a new API key, in-process)
    python -m tests.cluster.actions outbox SLUG...    each event of these articles: type:delivered|pending|due

Each prints its result as the last line; a non-zero exit is a failure. The same services the admin
calls, so the audit chain, the outbox and the purge run as in production.
"""

from __future__ import annotations

import sys
from dataclasses import replace

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from articles.content import content_from_article  # noqa: E402
from articles.importing import parse_document, read_source  # noqa: E402
from articles.models import Article  # noqa: E402
from articles.services import article_create  # noqa: E402
from reviewboard.models import Event  # noqa: E402
from reviewboard.review.selectors import open_round  # noqa: E402
from reviewboard.review.services import (  # noqa: E402
    article_approve,
    article_retract,
    article_submit,
    assignment_create,
    assignment_sign_off,
    review_start,
)
from reviewboard.review.warnings import round_warnings  # noqa: E402

DEMO = settings.BASE_DIR / "articles" / "demo" / "knee-osteoarthritis.md"


def users() -> dict:
    names = ("author", "chair", "reviewer1", "reviewer2")  # seed_demo's accounts
    return {user.username: user for user in get_user_model().objects.filter(username__in=names)}


def demo_content(slug: str):
    return replace(parse_document(read_source(DEMO), source_name=DEMO.name), slug=slug)


def publish(slug: str) -> str:
    people = users()
    with transaction.atomic():
        article = article_create(content=demo_content(slug), author=people["author"])
        article_submit(article=article, user=people["author"])
        assignments = [
            assignment_create(article=article, reviewer=people[name], user=people["chair"])
            for name in ("reviewer1", "reviewer2")
        ]
        review_start(article=article, user=people["chair"])
        content_hash = content_from_article(article).content_hash
        # Issue 18: each reviewer accepts and answers every warning; the chair then decides (unless the
        # board lets the quorum approve).
        acknowledgements = [{"warning": w.key, "reason": "Rig."} for w in round_warnings(open_round(article))]
        for assignment in assignments:
            assignment_sign_off(
                assignment=assignment,
                reviewer=assignment.reviewer,
                content_hash=content_hash,
                comment="Rig.",
                accept=True,
                acknowledgements=acknowledgements,
            )
        article.refresh_from_db()
        if article.state == "under_review":
            article_approve(article=article, user=people["chair"], comment="Rig.", clinically_significant=False)
    return article.slug


def retract(slug: str) -> str:
    article = Article.objects.get(slug=slug)
    article_retract(article=article, user=users()["chair"], reason="Retracted by the multi-node rig.")
    return str(Event.objects.filter(type="version.retracted", article=article).latest("pk").pk)


def drafts(prefix: str, count: int) -> None:
    author = users()["author"]
    for number in range(count):
        article = article_create(content=demo_content(f"{prefix}-{number}"), author=author)
        print(article.slug, flush=True)  # printed once committed: acknowledged


def present(slugs: list[str]) -> str:
    return " ".join(Article.objects.filter(slug__in=slugs).values_list("slug", flat=True))


def read(slugs: list[str]) -> str:
    from django.test import Client
    from rest_framework_api_key.models import APIKey

    _, key = APIKey.objects.create_key(name="restore drill")
    client = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Api-Key {key}")
    return " ".join(f"{slug}:{client.get(f'/api/v1/articles/{slug}/').status_code}" for slug in slugs)


def outbox(slugs: list[str]) -> str:
    from datetime import timedelta

    from django.utils import timezone

    from reviewboard.delivery.outbox import pending

    due = {event_id for _, event_id in pending(now=timezone.now() + timedelta(days=1), limit=100_000)}
    events = Event.objects.filter(article__slug__in=slugs).order_by("pk")
    words = []
    for event in events:
        state = "delivered" if event.dispatched_at else ("due" if event.pk in due else "pending")
        words.append(f"{event.type}:{state}")
    return " ".join(words)


def main(argv: list[str]) -> None:
    command, *args = argv
    if command == "publish":
        print(publish(args[0]))
    elif command == "retract":
        print("ready", flush=True)  # started and set up: the caller decides the moment
        sys.stdin.readline()
        print(retract(args[0]), flush=True)
    elif command == "drafts":
        drafts(args[0], int(args[1]))
    elif command == "present":
        print(present(args))
    elif command == "read":
        print(read(args))
    elif command == "outbox":
        print(outbox(args))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
