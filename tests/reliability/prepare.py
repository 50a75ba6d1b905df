"""Run inside the stack (``python -m tests.reliability.prepare``): an article under review that the
next sign-off approves. Prints {"slug", "content_hash"} as JSON. Demo accounts from ``seed_demo``."""

import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import transaction  # noqa: E402

from articles.content import content_from_article  # noqa: E402
from articles.importing import parse_document  # noqa: E402
from articles.importing.source import read_source  # noqa: E402
from reviewboard.review.selectors import open_round  # noqa: E402
from reviewboard.review.services import article_submit, assignment_create, assignment_sign_off, review_start  # noqa: E402
from reviewboard.review.services.content import content_create  # noqa: E402
from reviewboard.review.warnings import round_warnings  # noqa: E402


def main(tag: str) -> None:
    users = {u.username: u for u in get_user_model().objects.all()}
    path = Path(settings.BASE_DIR) / "articles" / "demo" / "knee-osteoarthritis.md"
    content = parse_document(read_source(path), source_name=path.name)
    content = replace(content, slug=f"knee-{tag}", question=f"{content.question} ({tag})")
    with transaction.atomic():
        article = content_create(content=content, author=users["author"], private_slug=False)
        article_submit(article=article, user=users["author"])
        first, _ = (
            assignment_create(article=article, reviewer=users[name], user=users["chair"])
            for name in ("reviewer1", "reviewer2")
        )
        review_start(article=article, user=users["chair"])
        content_hash = content_from_article(article).content_hash
        # Issue 18: a reviewer accepts before judging and answers each warning of the frozen content.
        acknowledgements = [
            {"warning": w.key, "reason": "Checked for the fault-injection suite."}
            for w in round_warnings(open_round(article))
        ]
        assignment_sign_off(
            assignment=first,
            reviewer=first.reviewer,
            content_hash=content_hash,
            comment="",
            accept=True,
            acknowledgements=acknowledgements,
        )
    json.dump({"slug": article.slug, "content_hash": content_hash, "acknowledgements": acknowledgements}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
