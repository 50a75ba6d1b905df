"""Signed checkpoints of the audit chain's head, and their verification.

The chain alone proves that no entry was edited, reordered or removed from its middle; it cannot
prove that the newest entries were not removed (a shorter chain is still a valid chain). A
checkpoint records the head (seq, entry_hash) at a moment, signed with the server key
``AUDIT_CHECKPOINT_KEY`` (HMAC-SHA256), in its own table; beat creates one every 15 minutes
(``reviewboard.checkpoint_audit_log``; ``manage.py checkpoint_audit_log`` by hand), and each one
is also announced through the event outbox ("audit.checkpoint", logged by its consumer), so a copy lives outside the
database. ``audit_checkpoints_verify`` then proves that every checkpointed entry is still in the
chain with the same hash: removing entries is detected up to the last checkpoint.

Key rotation: put the new key in ``AUDIT_CHECKPOINT_KEY`` and the old one in
``AUDIT_CHECKPOINT_KEY_FALLBACKS``; ``checkpoint_audit_log --resign`` re-signs every checkpoint with
the new key (after verifying it with the old); then drop the fallback.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from config.exceptions import Conflict
from reviewboard.audit.chain import AuditVerification, _lock_chain
from reviewboard.delivery import outbox
from reviewboard.models import AuditCheckpoint, AuditEntry

logger = logging.getLogger(__name__)


def _keys() -> list[bytes]:
    key = settings.AUDIT_CHECKPOINT_KEY
    if not key:
        raise ImproperlyConfigured("AUDIT_CHECKPOINT_KEY is empty: set it to a long random secret.")
    return [k.encode("utf-8") for k in [key, *settings.AUDIT_CHECKPOINT_KEY_FALLBACKS] if k]


def _message(*, seq: int, entry_hash: str, created_at: datetime) -> bytes:
    stamp = created_at.astimezone(UTC).isoformat(timespec="microseconds")
    return f"audit-checkpoint:v1|{seq}|{entry_hash}|{stamp}".encode()


def checkpoint_signature(checkpoint: AuditCheckpoint, *, key: bytes | None = None) -> str:
    message = _message(seq=checkpoint.seq, entry_hash=checkpoint.entry_hash, created_at=checkpoint.created_at)
    return hmac.new(key or _keys()[0], message, hashlib.sha256).hexdigest()


def signature_is_valid(checkpoint: AuditCheckpoint) -> bool:
    return any(hmac.compare_digest(checkpoint.signature, checkpoint_signature(checkpoint, key=key)) for key in _keys())


@transaction.atomic
def audit_checkpoint_create(*, now: datetime | None = None) -> AuditCheckpoint | None:
    """Sign the chain's current head; None for an empty chain, the last checkpoint when the head has not moved."""
    _lock_chain(AuditEntry.objects.db)  # no entry is appended while the head is read
    head = AuditEntry.objects.order_by("-seq").only("seq", "entry_hash").first()
    if head is None:
        return None
    last = AuditCheckpoint.objects.order_by("-seq").first()
    if last is not None and last.seq == head.seq:
        return last
    checkpoint = AuditCheckpoint(seq=head.seq, entry_hash=head.entry_hash, created_at=now or timezone.now())
    checkpoint.signature = checkpoint_signature(checkpoint)
    checkpoint.save()
    outbox.emit(
        "audit.checkpoint",
        now=checkpoint.created_at,
        seq=checkpoint.seq,
        entry_hash=checkpoint.entry_hash,
        created_at=checkpoint.created_at.isoformat(),
        signature=checkpoint.signature,
    )
    return checkpoint


def notify_checkpoint_created(checkpoint: AuditCheckpoint) -> None:
    """Write a checkpoint to the log (a copy outside the database); the outbox's consumer of
    "audit.checkpoint" calls this, and webhooks can take the same event elsewhere."""
    logger.info(
        "audit checkpoint seq=%s entry_hash=%s created_at=%s signature=%s",
        checkpoint.seq,
        checkpoint.entry_hash,
        checkpoint.created_at.isoformat(),
        checkpoint.signature,
    )


@transaction.atomic
def audit_checkpoints_resign() -> int:
    """Re-sign every checkpoint with the current key after a rotation; refuses one no known key signed."""
    checkpoints = list(AuditCheckpoint.objects.select_for_update().order_by("seq"))
    for checkpoint in checkpoints:
        if not signature_is_valid(checkpoint):
            raise Conflict(_bad_signature_message(checkpoint), code="audit-checkpoint-bad-signature")
        checkpoint.signature = checkpoint_signature(checkpoint)
        checkpoint.save(update_fields=["signature"])
    return len(checkpoints)


@dataclass(frozen=True)
class CheckpointProblem:
    seq: int
    kind: str  # "bad-signature" | "entries-deleted" | "entry-changed"
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CheckpointVerification:
    count: int
    last: AuditCheckpoint | None
    problem: CheckpointProblem | None


def _bad_signature_message(checkpoint: AuditCheckpoint) -> str:
    return (
        f"checkpoint at seq {checkpoint.seq} ({checkpoint.created_at.isoformat()}) has a signature that no "
        "configured key (AUDIT_CHECKPOINT_KEY or its fallbacks) made: it was forged or altered, or the key "
        "it was signed with is no longer configured."
    )


def audit_checkpoints_verify(chain: AuditVerification) -> CheckpointVerification:
    """Check every checkpoint's signature and that its entry is still in the chain with the same hash."""
    checkpoints = list(AuditCheckpoint.objects.order_by("seq"))
    hashes = dict(AuditEntry.objects.filter(seq__in=[c.seq for c in checkpoints]).values_list("seq", "entry_hash"))
    for checkpoint in checkpoints:
        problem = None
        if not signature_is_valid(checkpoint):
            problem = CheckpointProblem(checkpoint.seq, "bad-signature", _bad_signature_message(checkpoint))
        elif checkpoint.seq not in hashes:
            first_missing = chain.head_seq + 1 if chain.head_seq < checkpoint.seq else checkpoint.seq
            problem = CheckpointProblem(
                checkpoint.seq,
                "entries-deleted",
                f"entries were deleted: the checkpoint of {checkpoint.created_at.isoformat()} signed entry seq "
                f"{checkpoint.seq}, but the chain ends at seq {chain.head_seq} (entries {first_missing}-"
                f"{checkpoint.seq} and any after them are missing).",
            )
        elif hashes[checkpoint.seq] != checkpoint.entry_hash:
            problem = CheckpointProblem(
                checkpoint.seq,
                "entry-changed",
                f"entry seq {checkpoint.seq} is not the one checkpointed at {checkpoint.created_at.isoformat()}: its "
                f"hash is {hashes[checkpoint.seq][:12]}, the checkpoint signed {checkpoint.entry_hash[:12]} "
                "(the chain from there was rewritten).",
            )
        if problem is not None:
            return CheckpointVerification(count=len(checkpoints), last=checkpoint, problem=problem)
    return CheckpointVerification(count=len(checkpoints), last=checkpoints[-1] if checkpoints else None, problem=None)
