"""``manage.py check_citations [SLUG ...] [--all] [--json] [--fail-on-warnings]``

Runs the citation-integrity check on the working copy of articles. Exit status: 0 when no
article has an error (nor a warning, with ``--fail-on-warnings``), 1 when one has, 2 for an
unknown slug or no article named.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from articles.content import content_from_article
from articles.selectors import articles_with_citations
from references.integrity import IntegrityReport, check_content
from references.lookup import with_registered_data


class Command(BaseCommand):
    help = "Check the citations of articles' working copies (unresolved markers, orphans, duplicates, ...)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Articles to check.")
        parser.add_argument("--all", action="store_true", help="Check every article.")
        parser.add_argument("--json", action="store_true", help="Print one JSON object for the whole run.")
        parser.add_argument("--fail-on-warnings", action="store_true", help="Exit 1 on warnings too.")

    def handle(self, *args: Any, slugs: list[str], **options: Any) -> None:
        if options["all"] == bool(slugs):
            raise CommandError("Name the articles to check (SLUG ...) or pass --all, not both.", returncode=2)
        articles = list(articles_with_citations(slugs=None if options["all"] else slugs))
        if not options["all"]:
            missing = sorted(set(slugs) - {a.slug for a in articles})
            if missing:
                raise CommandError(f"No article with slug {', '.join(repr(s) for s in missing)}.", returncode=2)

        # With REFERENCE_LOOKUP_ENABLED, titles are compared with Crossref / PubMed (cached answers).
        results = [
            (article, check_content(with_registered_data(content_from_article(article)))) for article in articles
        ]
        errors = sum(len(report.errors) for _, report in results)
        warnings = sum(len(report.warnings) for _, report in results)
        failed = bool(errors or (options["fail_on_warnings"] and warnings))

        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not failed,
                        "errors": errors,
                        "warnings": warnings,
                        "articles": [
                            {"slug": article.slug, "question": article.question, **report.as_dict()}
                            for article, report in results
                        ],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            for article, report in results:
                self._print_report(article.slug, article.question, report)
            self.stdout.write(f"{len(results)} article(s) checked: {errors} error(s), {warnings} warning(s).")
        if failed:
            what = "errors" if errors else "warnings"
            raise CommandError(f"Citation {what} found.", returncode=1)

    def _print_report(self, slug: str, question: str, report: IntegrityReport) -> None:
        summary = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        style = self.style.ERROR if report.errors else self.style.WARNING if report.warnings else self.style.SUCCESS
        self.stdout.write(style(f"{slug}: {summary}") + f"  {question}")
        for finding in report.findings:
            self.stdout.write(f"  {finding.severity:<7} {finding.code:<28} {finding.message}")
