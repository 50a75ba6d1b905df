"""``manage.py send_reminders [--now ISO] [--batch-size N]``: run the reviewer reminder sweep once."""

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ServiceError
from reviewboard.jobs.common import parse_now
from reviewboard.jobs.reminders import send_due_reminders


class Command(BaseCommand):
    help = "Email reviewers whose review is past due (at most once per 24 h); tell the chair after the third reminder."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this ISO 8601 date-time (time travel for testing).")
        parser.add_argument("--batch-size", type=int, default=1000, help="Assignments claimed per batch.")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            summary = send_due_reminders(now=parse_now(options["now"]), batch_size=options["batch_size"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(str(summary))
        if summary.reminded:
            self.stdout.write(f"Reminded assignment(s): {', '.join(map(str, summary.reminded))}")
        if summary.chair_notified:
            self.stdout.write(f"Escalated to the chair: {', '.join(map(str, summary.chair_notified))}")
