"""``manage.py seed_demo_published``: a published demo article, approved through the board workflow, and
one awaiting the chair's decision.

Run after ``seed_demo`` (it uses its accounts). Imports ``articles/demo/knee-osteoarthritis.md``
and takes it through submit, assignment of two reviewers, start of review, their acceptance, reports and
sign-offs (acknowledging any integrity warning) and the chair's approval (with clinical significance),
with the same services the admin calls, so the demo has content readers get. Imports
``articles/demo/ankle-sprain.md`` the same way up to the two reports and sign-offs: its round awaits the
chair's decision (under "the chair decides", the default board setting). Its reference [3]
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
from reviewboard.models import ChecklistItem
from reviewboard.review import selectors
from reviewboard.review.services import (
    article_approve,
    article_submit,
    assignment_accept,
    assignment_create,
    assignment_report,
    assignment_sign_off,
    review_start,
)
from reviewboard.review.warnings import round_warnings

DEMO_ARTICLE = Path(settings.BASE_DIR) / "articles" / "demo" / "knee-osteoarthritis.md"
AWAITING_ARTICLE = Path(settings.BASE_DIR) / "articles" / "demo" / "ankle-sprain.md"
# Each demo reviewer's report: recommendation, comments to the author, confidential comments to the chair.
REPORTS = {
    "reviewer1": (
        "minor_revisions",
        "Clear and current. Say how long the brace is worn (usually 4-6 weeks).",
        "The NSAID advice could mention renal risk in older readers; not a reason to hold it back.",
    ),
    "reviewer2": ("approve", "Accurate, and the references support each claim.", ""),
}
AUTHOR, CHAIR, REVIEWERS = "author", "chair", ("reviewer1", "reviewer2")


class Command(BaseCommand):
    help = "Publish a demo article through the review workflow (after seed_demo; safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            content = parse_document(read_source(DEMO_ARTICLE), source_name=DEMO_ARTICLE.name)
        except ImportError_ as exc:
            raise CommandError(f"Cannot read the demo article {exc.message}", returncode=2) from None
        users = {u.username: u for u in get_user_model().objects.filter(username__in=[AUTHOR, CHAIR, *REVIEWERS])}
        missing = [name for name in (AUTHOR, CHAIR, *REVIEWERS) if name not in users]
        if missing:
            raise CommandError(
                f"Demo accounts missing ({', '.join(missing)}): run 'manage.py seed_demo' first.", returncode=2
            )
        self._through_review(content, users, decide=True)
        try:
            awaiting = parse_document(read_source(AWAITING_ARTICLE), source_name=AWAITING_ARTICLE.name)
        except ImportError_ as exc:
            raise CommandError(f"Cannot read the demo article {exc.message}", returncode=2) from None
        self._through_review(awaiting, users, decide=False)

    def _through_review(self, content: Any, users: dict[str, Any], *, decide: bool) -> None:
        existing = Article.objects.filter(slug=content.slug).first()
        if existing is not None:
            self.stdout.write(f"Already present: demo article '{existing.slug}' ({existing.get_state_display()}).")
            return
        try:
            with transaction.atomic():
                article = article_create(content=content, author=users[AUTHOR])
                article_submit(article=article, user=users[AUTHOR])
                assignments = [
                    assignment_create(article=article, reviewer=users[name], user=users[CHAIR]) for name in REVIEWERS
                ]
                review_start(article=article, user=users[CHAIR])
                content_hash = content_from_article(article).content_hash
                warnings = round_warnings(selectors.open_round(article))
                checklist = [{"item": item.pk, "answer": "yes"} for item in ChecklistItem.objects.filter(active=True)]
                for assignment in assignments:
                    recommendation, to_author, confidential = REPORTS[assignment.reviewer.username]
                    # accept, file the report, then sign off: the last sign-off may approve at once
                    # (REVIEW_DECIDED_BY=quorum), after which the round takes no report
                    assignment_accept(assignment=assignment, user=assignment.reviewer, no_conflict=True)
                    assignment_report(
                        assignment=assignment,
                        user=assignment.reviewer,
                        recommendation=recommendation,
                        checklist=checklist,
                        comments_to_author=to_author,
                        confidential_comments=confidential,
                    )
                    assignment_sign_off(
                        assignment=assignment,
                        reviewer=assignment.reviewer,
                        content_hash=content_hash,
                        comment="Demo sign-off.",
                        acknowledgements=[
                            {"warning": w.key, "reason": "Demo: checked against the source; it can stand."}
                            for w in warnings
                        ],
                    )
                article.refresh_from_db()
                if decide and article.state == "under_review":
                    article_approve(
                        article=article,
                        user=users[CHAIR],
                        comment="Approved for publication.",
                        clinically_significant=False,
                    )
        except ServiceError as exc:
            raise CommandError(f"Could not take the demo article through review: {exc.message}", returncode=1) from None
        article.refresh_from_db()
        verb = "Published" if article.state == "approved" else "Awaiting the chair's decision:"
        self.stdout.write(f"{verb} demo article '{article.slug}' ({article.get_state_display()}).")
