"""``manage.py sweep_who_may_review [--now ISO]``: remind expiring declarations, report unanswered assignments."""

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ServiceError
from reviewboard.jobs.common import parse_now
from reviewboard.jobs.who_may_review import sweep_who_may_review


class Command(BaseCommand):
    help = (
        "Remind members whose declaration of interests expires in 30 and 7 days; tell the chair about "
        "assignments not answered within ASSIGNMENT_ANSWER_WITHIN. Each once; the e-mails go through the outbox."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this ISO 8601 date-time (time travel for testing).")

    def handle(self, *args, **options):
        try:
            summary = sweep_who_may_review(now=parse_now(options["now"]))
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(str(summary))
        if summary.reminded:
            items = ", ".join(f"{pk} ({days} days)" for pk, days in summary.reminded)
            self.stdout.write(f"Declarations reminded: {items}")
        if summary.unanswered:
            self.stdout.write(f"Unanswered assignments reported: {', '.join(map(str, summary.unanswered))}")
