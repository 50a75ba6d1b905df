"""``manage.py regenerate_published [--all | SLUG...]``: rebuild published payloads from their source.

The approved source never changes; the payload is rebuilt from it and the current reference
records. Unchanged payloads are left as they are (same bytes, same ETag).
Exit status: 0 done, 2 bad arguments or unknown slugs.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from articles import publishing
from config.exceptions import ServiceError


class Command(BaseCommand):
    help = "Regenerate the rendered payloads of published versions (named articles, or --all)."

    def add_arguments(self, parser):
        parser.add_argument("slugs", nargs="*", metavar="SLUG", help="Articles whose versions to regenerate.")
        parser.add_argument("--all", action="store_true", help="Regenerate every published version.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args, slugs: list[str], all: bool, no_progress: bool, **options):
        if all and slugs:
            raise CommandError("Give either --all or article slugs, not both.", returncode=2)
        if not all and not slugs:
            raise CommandError("Name the articles to regenerate (SLUG...) or pass --all.", returncode=2)
        total = publishing.estimate_versions(slugs=slugs, all=all)
        # tqdm gets the raw stream: it redraws its line with \r, and OutputWrapper would add newlines.
        with tqdm(total=total, unit="version", disable=no_progress, file=self.stderr._out) as bar:
            try:
                summary = publishing.regenerate_published(slugs=slugs, all=all, progress=bar.update)
            except ServiceError as exc:
                raise CommandError(exc.message, returncode=2) from exc
        self.stdout.write(
            f"regenerated {summary.versions} versions of {summary.articles} articles; {summary.unchanged} unchanged"
        )
