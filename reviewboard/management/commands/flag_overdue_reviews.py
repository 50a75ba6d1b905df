"""``manage.py flag_overdue_reviews [--now ISO]``: run the re-review sweep once."""

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ServiceError
from reviewboard.jobs.common import parse_now
from reviewboard.jobs.rereview import flag_overdue_reviews


class Command(BaseCommand):
    help = "Flag published articles past their review date (review_overdue) and tell the chair once."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this ISO 8601 date-time (time travel for testing).")

    def handle(self, *args, **options):
        try:
            summary = flag_overdue_reviews(now=parse_now(options["now"]))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(str(summary))
        for label, ids in (
            ("Flagged", summary.flagged),
            ("Unflagged", summary.cleared),
            ("Reported to the chair", summary.chair_notified),
        ):
            if ids:
                self.stdout.write(f"{label} article(s): {', '.join(map(str, ids))}")
        if summary.refresh_failed:
            raise CommandError("Some API payloads could not be refreshed; see the log.")
