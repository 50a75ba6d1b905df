"""``manage.py verify_audit_log``: recompute the audit chain, check its signed checkpoints, say whether it holds.

Exit 0 with "N entries, chain intact" and the checkpoint summary; exit 1 naming the first bad
entry (its id and seq, and whether it was edited, or the chain broken by a deleted or reordered
row), or the first checkpoint that fails: a signature no configured key made, or a checkpointed
entry that is missing (the newest entries were deleted) or different.
"""

from django.core.management.base import BaseCommand, CommandError

from reviewboard.audit.chain import audit_verify_chain
from reviewboard.audit.checkpoints import audit_checkpoints_verify


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log and its signed checkpoints; exit 1 naming the first problem."

    def handle(self, *args, **options):
        result = audit_verify_chain()
        if result.problem is not None:
            raise CommandError(
                f"Audit chain broken at {result.problem} ({result.count} entries verified before it).",
                returncode=1,
            )
        checkpoints = audit_checkpoints_verify(result)
        if checkpoints.problem is not None:
            raise CommandError(f"Audit checkpoint check failed: {checkpoints.problem}", returncode=1)
        head = f" (head seq {result.head_seq}, hash {result.head_hash})" if result.count else ""
        self.stdout.write(f"{result.count} entries, chain intact{head}")
        if checkpoints.last is None and result.count:
            self.stdout.write("No checkpoints yet: deleting the newest entries would not be detected.")
        elif checkpoints.last is not None:
            after = result.head_seq - checkpoints.last.seq
            self.stdout.write(
                f"{checkpoints.count} checkpoints verified; the last, at seq {checkpoints.last.seq} "
                f"({checkpoints.last.created_at.isoformat()}), is in the chain; {after} entries since."
            )
