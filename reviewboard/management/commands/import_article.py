"""``manage.py import_article PATH [--submit] [--author USERNAME] [--dry-run] [--json]``

Reads Markdown with YAML front matter, the plain-text page export, an HTML page (saved or a CMS
export) or a Word .docx manuscript, chosen by the file's content; prints the integrity report, and
imports the article as a draft (``--submit`` also submits it for review).

Exit status: 0 imported (or, with ``--dry-run``, would be imported); 1 blocked by integrity
errors when ``--submit`` was asked; 2 unreadable input or a bad argument. Nothing is saved
unless the whole import succeeds.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.content import ArticleContent, content_from_article
from articles.importing import ImportError_, read_document
from articles.importing.report import format_report, import_summary
from articles.services import article_content_validate, article_slug_preview
from config.exceptions import InvalidInput, NotAllowed, NotFound, ServiceError
from references.integrity import IntegrityReport, check_content
from references.lookup import with_registered_data
from reviewboard.review.services import article_submit
from reviewboard.review.services.content import content_create

EXIT_BLOCKED = 1
EXIT_UNREADABLE = 2


class _Blocked(Exception):
    def __init__(self, message: str, *, content: ArticleContent, report: IntegrityReport, slug: str) -> None:
        super().__init__(message)
        self.message, self.content, self.report, self.slug = message, content, report, slug


class Command(BaseCommand):
    help = (
        "Import an article (Markdown with YAML front matter, the plain-text page export, an HTML page or a Word "
        ".docx manuscript, chosen by content) and check it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="The file to import.")
        parser.add_argument("--submit", action="store_true", help="Submit the article for review after importing.")
        parser.add_argument("--author", metavar="USERNAME", help="The author of the article (needed for --submit).")
        parser.add_argument("--dry-run", action="store_true", help="Check and report; save nothing.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object instead of the text report.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["path"]
        try:
            content = read_document(path)  # the format by content: .txt, .md, .html or .docx
        except ImportError_ as exc:
            raise CommandError(f"Cannot import {exc.message}", returncode=EXIT_UNREADABLE) from None
        content = with_registered_data(content)  # Crossref / PubMed, when REFERENCE_LOOKUP_ENABLED
        author = self._author(options["author"])
        if options["submit"] and author is None:
            raise CommandError("--submit needs --author: the user who submits the article.", returncode=EXIT_UNREADABLE)
        try:
            if options["dry_run"]:
                self._dry_run(content, options)
            else:
                self._import(content, author, options)
        except _Blocked as blocked:
            self._print(blocked.content, blocked.report, blocked.slug, options, headline=blocked.message)
            raise CommandError(blocked.message, returncode=EXIT_BLOCKED) from None
        except (InvalidInput, NotAllowed, NotFound) as exc:  # NotFound: e.g. an unknown specialty
            raise CommandError(f"Not imported: {exc.message} Nothing was saved.", returncode=EXIT_UNREADABLE) from None
        except ServiceError as exc:
            raise CommandError(f"Not imported: {exc.message} Nothing was saved.", returncode=EXIT_BLOCKED) from None

    def _author(self, username: str | None) -> Any:
        if not username:
            return None
        author = get_user_model().objects.filter(username=username).first()
        if author is None:
            raise CommandError(f"--author: no user named '{username}'.", returncode=EXIT_UNREADABLE)
        return author

    def _dry_run(self, content: ArticleContent, options: dict[str, Any]) -> None:
        article_content_validate(content=content)
        slug = article_slug_preview(content=content)
        report = check_content(content)
        if options["submit"] and report.has_errors:
            raise _Blocked(self._blocked_message(report, dry_run=True), content=content, report=report, slug=slug)
        verb = "would be imported and submitted" if options["submit"] else "would be imported"
        self._print(content, report, slug, options, headline=f"Dry run: {slug} {verb}; nothing was saved.")

    def _import(self, content: ArticleContent, author: Any, options: dict[str, Any]) -> None:
        report = check_content(content)
        if options["submit"] and report.has_errors:
            slug = article_slug_preview(content=content)
            raise _Blocked(self._blocked_message(report, dry_run=False), content=content, report=report, slug=slug)
        with transaction.atomic():
            article = content_create(content=content, author=author, private_slug=False)  # the operator sees all
            # Report on what was saved (the library may already hold a record), with what the importer found.
            saved = replace(
                content_from_article(article), dropped=content.dropped, import_findings=content.import_findings
            )
            report = check_content(saved)
            if options["submit"]:
                if report.has_errors:  # the library already held a record that changes the outcome
                    raise _Blocked(
                        self._blocked_message(report, dry_run=False), content=saved, report=report, slug=article.slug
                    )
                article_submit(article=article, user=author)
        state = "submitted for review" if options["submit"] else "a draft"
        headline = f"Imported {article.slug} as {state}."
        self._print(saved, report, article.slug, options, headline=headline)

    @staticmethod
    def _blocked_message(report: IntegrityReport, *, dry_run: bool) -> str:
        count = len(report.errors)
        noun = "error" if count == 1 else "errors"
        what = "would be blocked" if dry_run else "blocked"
        return f"Submission {what} by {count} integrity {noun}; nothing was imported."

    def _print(
        self, content: ArticleContent, report: IntegrityReport, slug: str, options: dict[str, Any], *, headline: str
    ) -> None:
        if options["json"]:
            summary = import_summary(content=content, report=report, slug=slug)
            self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        else:
            self.stdout.write(
                format_report(content=content, report=report, headline=headline, show_dropped=options["verbosity"] >= 2)
            )
