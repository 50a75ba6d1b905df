"""``manage.py checkpoint_audit_log [--resign]``: sign the audit chain's head now (beat does it every 15 min).

``--resign`` re-signs every checkpoint with the current ``AUDIT_CHECKPOINT_KEY`` after a key
rotation (each must verify with the current key or a fallback first); exit 1 if one does not.
"""

from django.core.management.base import BaseCommand, CommandError

from config.exceptions import ServiceError
from reviewboard.audit.checkpoints import audit_checkpoint_create, audit_checkpoints_resign


class Command(BaseCommand):
    help = "Record a signed checkpoint of the audit chain's head (or re-sign all after a key rotation)."

    def add_arguments(self, parser):
        parser.add_argument("--resign", action="store_true", help="Re-sign every checkpoint with the current key.")

    def handle(self, *args, **options):
        if options["resign"]:
            try:
                count = audit_checkpoints_resign()
            except ServiceError as exc:
                raise CommandError(f"Not re-signed: {exc.message}", returncode=1) from None
            self.stdout.write(f"{count} checkpoints re-signed with the current AUDIT_CHECKPOINT_KEY")
            return
        checkpoint = audit_checkpoint_create()
        if checkpoint is None:
            self.stdout.write("The audit log is empty: nothing to checkpoint")
            return
        stamp = checkpoint.created_at.isoformat()
        self.stdout.write(f"Checkpoint at seq {checkpoint.seq} (hash {checkpoint.entry_hash}, {stamp})")
