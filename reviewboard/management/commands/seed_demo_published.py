"""``manage.py seed_demo_published``: a published demo article, approved through the board workflow.

Run after ``seed_demo`` (it uses its accounts). Imports ``articles/demo/knee-osteoarthritis.md``
and takes it through submit, assignment of two reviewers, start of review and their sign-offs,
with the same services the admin calls, so the demo has content readers get. Its reference [3]
is the planted citation of a paper that the sample retraction file
(``references/fixtures/retractions-sample.csv``) retracts: load that file afterwards with
``import_retractions`` to see the withdrawal, the re-review flag and the chair's email.
Idempotent: an article already present is left as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.content import content_from_article
from articles.importing import ImportError_, parse_document, read_source
from articles.models import Article
from articles.services import article_create
from config.exceptions import ServiceError
from reviewboard.review.services import article_submit, assignment_create, assignment_sign_off, review_start

DEMO_ARTICLE = Path(settings.BASE_DIR) / "articles" / "demo" / "knee-osteoarthritis.md"
AUTHOR, CHAIR, REVIEWERS = "author", "chair", ("reviewer1", "reviewer2")


class Command(BaseCommand):
    help = "Publish a demo article through the review workflow (after seed_demo; safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = parse_document(read_source(DEMO_ARTICLE), source_name=DEMO_ARTICLE.name)
        except ImportError_ as exc:
            raise CommandError(f"Cannot read the demo article {exc.message}", returncode=2) from None
        existing = Article.objects.filter(slug=content.slug).first()
        if existing is not None:
            self.stdout.write(f"Already present: demo article '{existing.slug}' ({existing.get_state_display()}).")
            return
        users = {u.username: u for u in get_user_model().objects.filter(username__in=[AUTHOR, CHAIR, *REVIEWERS])}
        missing = [name for name in (AUTHOR, CHAIR, *REVIEWERS) if name not in users]
        if missing:
            raise CommandError(f"Demo accounts missing ({', '.join(missing)}): run 'manage.py seed_demo' first.",
                               returncode=2)
        try:
            with transaction.atomic():
                article = article_create(content=content, author=users[AUTHOR])
                article_submit(article=article, user=users[AUTHOR])
                assignments = [
                    assignment_create(article=article, reviewer=users[name], user=users[CHAIR]) for name in REVIEWERS
                ]
                review_start(article=article, user=users[CHAIR])
                content_hash = content_from_article(article).content_hash
                for assignment in assignments:
                    assignment_sign_off(assignment=assignment, reviewer=assignment.reviewer, content_hash=content_hash,
                                        comment="Demo sign-off.")
        except ServiceError as exc:
            raise CommandError(f"Could not publish the demo article: {exc.message}", returncode=1) from None
        article.refresh_from_db()
        self.stdout.write(f"Published demo article '{article.slug}' ({article.get_state_display()}).")
