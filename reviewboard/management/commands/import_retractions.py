"""``manage.py import_retractions PATH [--now ISO]``

Loads a retraction dataset in the Retraction Watch CSV layout into the reference library
(``references.retractions``), then flags the published articles that cite a newly retracted
paper for re-review and tells the chair once (``reviewboard.jobs.retractions``), all in one
transaction. Running it again with the same file changes nothing.

Bad rows are reported with their line number and skipped. Exit status: 0 loaded (bad rows
skipped), 2 unreadable file (missing, not UTF-8, not the Retraction Watch header).
The command lives in ``reviewboard`` because flagging for re-review is a board concern;
``references`` only knows the library.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from tqdm import tqdm

from config.exceptions import ServiceError
from references.retractions import UnreadableFile, read_retractions, retractions_import
from reviewboard.jobs.common import parse_now
from reviewboard.jobs.retractions import flag_articles_citing_retracted

EXIT_UNREADABLE = 2
MAX_PROBLEMS_SHOWN = 50


class Command(BaseCommand):
    help = "Load a retraction dataset (Retraction Watch CSV) and flag published articles citing retracted papers."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The CSV file (e.g. retraction_watch.csv).")
        parser.add_argument("--now", help="Pretend it is this ISO 8601 date-time (for testing).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            now = parse_now(options["now"])
        except ServiceError as exc:
            raise CommandError(exc.message, returncode=EXIT_UNREADABLE) from None
        try:
            read = read_retractions(path)
        except UnreadableFile as exc:
            raise CommandError(f"Cannot import {exc}", returncode=EXIT_UNREADABLE) from None
        self._report_problems(read.problems)

        with (
            tqdm(
                total=len(read.notices),
                unit="row",
                desc="Retractions",
                disable=options["no_progress"],
                file=self.stderr._out,
            ) as bar,
            transaction.atomic(),
        ):
            summary = retractions_import(notices=read.notices, progress=bar.update)
            flagged = flag_articles_citing_retracted(reference_ids=summary.withdrawn, now=now)

        skipped = sum(1 for problem in read.problems if problem.skipped)
        self.stdout.write(f"{read.rows} row(s) read, {skipped} skipped: {summary}.")
        if summary.withdrawn:
            self.stdout.write(f"Withdrawn reference(s): {', '.join(map(str, summary.withdrawn))}")
        self.stdout.write(str(flagged).capitalize() + ".")
        if flagged.flagged:
            self.stdout.write(f"Flagged article(s): {', '.join(map(str, flagged.flagged))}")

    def _report_problems(self, problems: list[Any]) -> None:
        for problem in problems[:MAX_PROBLEMS_SHOWN]:
            self.stderr.write(str(problem))
        if len(problems) > MAX_PROBLEMS_SHOWN:
            self.stderr.write(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problem(s).")
