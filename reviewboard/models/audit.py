"""The append-only, hash-chained audit log and its signed checkpoints."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditLogIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


class AuditEntryQuerySet(models.QuerySet):
    """Reads only: the log is append-only, and ``reviewboard.audit.chain.audit_append`` is the one writer."""

    def update(self, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def delete(self):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")

    def bulk_create(self, objs, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries are appended one at a time, chained to the one before.")

    def update_or_create(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be updated.")


class AuditEntry(models.Model):
    """One append-only entry of the audit log, chained to the one before.

    ``seq`` numbers the chain 1, 2, 3...; ``prev_hash`` is the ``entry_hash`` of entry ``seq - 1``
    (64 zeros for the first); ``entry_hash`` is sha256 of the entry's canonical JSON including
    ``prev_hash`` (``reviewboard.audit.chain``). Both are unique, so the chain cannot fork.
    """

    GENESIS_HASH = "0" * 64

    seq = models.PositiveBigIntegerField(unique=True, help_text="Position in the chain, from 1, without gaps.")
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    article = models.ForeignKey(
        "articles.Article", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    content_hash = models.CharField(max_length=64, blank=True)
    comment = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, unique=True)
    entry_hash = models.CharField(max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        verbose_name_plural = "audit entries"
        indexes = [models.Index(fields=["article", "seq"], name="audit_article_seq_idx")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogIsAppendOnly("Audit entries cannot be changed once written.")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogIsAppendOnly("Audit entries cannot be deleted.")


class AuditCheckpoint(models.Model):
    """A signed record of the audit chain's head at one moment, kept apart from the chain.

    ``signature`` is HMAC-SHA256 over (seq, entry_hash, created_at) with ``AUDIT_CHECKPOINT_KEY``
    (``reviewboard.audit.checkpoints``). ``verify_audit_log`` checks that every checkpointed
    entry is still in the chain with the same hash, so deleting the newest entries is detected up
    to the last checkpoint. On PostgreSQL a trigger refuses deleting checkpoints and changing what
    they record (only ``signature`` may be rewritten, by ``checkpoint_audit_log --resign``).
    """

    seq = models.PositiveBigIntegerField(unique=True, help_text="The chain's head entry (seq) when checkpointed.")
    entry_hash = models.CharField(max_length=64, help_text="That entry's entry_hash.")
    created_at = models.DateTimeField()
    signature = models.CharField(max_length=64, help_text="HMAC-SHA256 with AUDIT_CHECKPOINT_KEY, hex.")

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"checkpoint at seq {self.seq} ({self.created_at:%Y-%m-%d %H:%M} UTC)"


# --- webhooks (reviewboard.delivery.webhooks) -----------------------------------------------------------
