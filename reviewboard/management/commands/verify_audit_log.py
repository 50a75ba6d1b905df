"""``manage.py verify_audit_log``: recompute the audit chain and say whether it is intact.

Exit 0 with "N entries, chain intact"; exit 1 naming the first bad entry (its id and seq, and
whether it was edited, or the chain broken by a deleted or reordered row).
"""

from django.core.management.base import BaseCommand, CommandError

from reviewboard.services import audit_verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exit 1 naming the first bad entry."

    def handle(self, *args, **options):
        result = audit_verify_chain()
        if result.problem is not None:
            raise CommandError(
                f"Audit chain broken at {result.problem} ({result.count} entries verified before it).",
                returncode=1,
            )
        head = f" (head seq {result.head_seq}, hash {result.head_hash})" if result.count else ""
        self.stdout.write(f"{result.count} entries, chain intact{head}")
