"""``manage.py export_article SLUG [--output PATH]``: the working copy as Markdown with YAML front matter."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from articles.content import content_from_article
from articles.exporting import export_markdown
from articles.models import Article

EXIT_BAD_INPUT = 2


class Command(BaseCommand):
    help = "Write an article's working copy as Markdown with YAML front matter (re-imports to the same content hash)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="The slug of the article.")
        parser.add_argument("--output", "-o", metavar="PATH", help="Write to this file instead of standard output.")

    def handle(self, *args: Any, **options: Any) -> None:
        article = (
            Article.objects.select_related("required_specialty")
            .prefetch_related("sections", "citations__reference")
            .filter(slug=options["slug"])
            .first()
        )
        if article is None:
            raise CommandError(f"No article with the slug '{options['slug']}'.", returncode=EXIT_BAD_INPUT)
        text = export_markdown(content_from_article(article))
        if not options["output"]:
            self.stdout.write(text, ending="")
            return
        path = Path(options["output"])
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc.strerror or exc}", returncode=EXIT_BAD_INPUT) from None
        self.stderr.write(f"Wrote {article.slug} to {path}.")
