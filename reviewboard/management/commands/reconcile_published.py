"""``manage.py reconcile_published [--now ISO] [--grace-seconds N]``: run the reconciliation sweep once.

Exits non-zero when a render failed or an approved article has no published version.
"""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ServiceError
from reviewboard.jobs.common import parse_now
from reviewboard.jobs.reconcile import reconcile_published


class Command(BaseCommand):
    help = "Render published versions a lost task left pending; report approved articles without a published version."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this ISO 8601 date-time (time travel for testing).")
        parser.add_argument(
            "--grace-seconds",
            type=int,
            default=None,
            help="Leave renders requested less than this long ago to their task (default: JOBS_RECONCILE_GRACE).",
        )

    def handle(self, *args, **options):
        grace = options["grace_seconds"]
        if grace is not None and grace < 0:
            raise CommandError("--grace-seconds must not be negative.")
        try:
            summary = reconcile_published(
                now=parse_now(options["now"]), grace=None if grace is None else timedelta(seconds=grace)
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(str(summary))
        if summary.rendered:
            self.stdout.write(f"Rendered version(s): {', '.join(map(str, summary.rendered))}")
        if not summary.ok:
            raise CommandError("Reconciliation found problems it cannot repair; see above and the log.")
