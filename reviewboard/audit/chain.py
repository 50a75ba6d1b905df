"""The append-only, hash-chained audit log.

``audit_append`` is the one writer. Entry ``seq`` n carries ``prev_hash`` = the ``entry_hash`` of
entry n-1 (64 zeros for the first), and ``entry_hash`` = sha256 of the canonical JSON of the
entry's content together with ``prev_hash``. Appends are serialised: on PostgreSQL by a
transaction-scoped advisory lock, elsewhere by locking the last entry (SQLite has a single
writer anyway); the unique ``seq`` and ``prev_hash`` make a fork impossible even if a lock were
missed. ``audit_verify`` recomputes the chain in row order and names the first bad entry.

What verification cannot see: removing entries from the end of the chain leaves a valid, shorter
chain. ``verify_audit_log`` prints the head (seq and hash) so it can be recorded elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, transaction
from django.utils import timezone

from articles.content import canonical_json
from reviewboard.models import AuditEntry

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from articles.models import Article

# Key of the PostgreSQL advisory lock that serialises appends (any constant unique to this use).
AUDIT_LOCK_KEY = 0x41554449  # "AUDI"


def _plain(data: dict[str, Any] | None) -> dict[str, Any]:
    """``data`` as the JSON the database will give back, so that its hash can be recomputed."""
    return json.loads(json.dumps(data or {}, cls=DjangoJSONEncoder))


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """What ``entry_hash`` covers: the link to the previous entry and everything the entry says."""
    return {
        "seq": entry.seq,
        "prev_hash": entry.prev_hash,
        "created_at": _iso(entry.created_at),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "article_id": entry.article_id,
        "action": entry.action,
        "from_state": entry.from_state,
        "to_state": entry.to_state,
        "content_hash": entry.content_hash,
        "comment": entry.comment,
        "data": entry.data,
    }


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_json(entry_payload(entry)).encode("utf-8")).hexdigest()


def _lock_chain(using: str) -> None:
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_LOCK_KEY])


def _actor_name(actor: AbstractBaseUser | None) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    return (actor.get_full_name() or actor.get_username())[:150]


# savepoint=False: inside the action's transaction, no savepoint of its own (two round trips an action);
# an append that fails fails the action. Called alone, it still gets a transaction for its lock.
@transaction.atomic(savepoint=False)
def audit_append(
    *,
    action: str,
    actor: AbstractBaseUser | None,
    article: Article | None = None,
    from_state: str = "",
    to_state: str = "",
    content_hash: str = "",
    comment: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain. Call it inside the transaction of the action it records."""
    using = AuditEntry.objects.db
    _lock_chain(using)
    last = AuditEntry.objects.select_for_update().order_by("-seq").only("seq", "entry_hash").first()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        prev_hash=last.entry_hash if last else AuditEntry.GENESIS_HASH,
        created_at=timezone.now(),
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        actor_name=_actor_name(actor),
        article=article,
        action=action,
        from_state=str(from_state or ""),
        to_state=str(to_state or ""),
        content_hash=content_hash or "",
        comment=comment or "",
        data=_plain(data),
    )
    entry.entry_hash = entry_hash(entry)
    entry.save()
    return entry


@dataclass(frozen=True)
class AuditProblem:
    """The first entry where the chain does not hold, and what is wrong with it."""

    entry_id: int
    seq: int
    kind: str  # "edited" | "deleted" | "reordered" | "broken-link"
    message: str

    def __str__(self) -> str:
        return f"entry id={self.entry_id} (seq {self.seq}): {self.message}"


@dataclass(frozen=True)
class AuditVerification:
    count: int
    head_seq: int
    head_hash: str
    problem: AuditProblem | None

    @property
    def intact(self) -> bool:
        return self.problem is None


def audit_verify_chain() -> AuditVerification:
    """Walk every entry in row (id) order and check its content, its number and its link."""
    expected_seq = 1
    expected_prev = AuditEntry.GENESIS_HASH
    previous_id: int | None = None
    count = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        problem = _check_entry(entry, expected_seq=expected_seq, expected_prev=expected_prev, previous_id=previous_id)
        if problem is not None:
            return AuditVerification(count=count, head_seq=expected_seq - 1, head_hash=expected_prev, problem=problem)
        count += 1
        expected_seq = entry.seq + 1
        expected_prev = entry.entry_hash
        previous_id = entry.pk
    return AuditVerification(count=count, head_seq=expected_seq - 1, head_hash=expected_prev, problem=None)


def audit_verify() -> AuditProblem | None:
    """The first bad entry, or None when the chain is intact."""
    return audit_verify_chain().problem


def _check_entry(
    entry: AuditEntry, *, expected_seq: int, expected_prev: str, previous_id: int | None
) -> AuditProblem | None:
    if entry.entry_hash != entry_hash(entry):
        return AuditProblem(
            entry.pk,
            entry.seq,
            "edited",
            "content was edited: it does not match its entry_hash "
            f"(action {entry.action!r}, article {entry.article_id}, by {entry.actor_name or 'nobody'}).",
        )
    after = f"after entry id={previous_id}" if previous_id is not None else "at the start of the chain"
    if entry.seq > expected_seq:
        if AuditEntry.objects.filter(seq=expected_seq).exists():
            return AuditProblem(
                entry.pk,
                entry.seq,
                "reordered",
                f"broken link: rows were reordered: expected seq {expected_seq} {after}, found seq {entry.seq}.",
            )
        missing = f"{expected_seq}" if entry.seq == expected_seq + 1 else f"{expected_seq}-{entry.seq - 1}"
        return AuditProblem(
            entry.pk,
            entry.seq,
            "deleted",
            f"broken link: entry seq {missing} was deleted "
            f"(expected seq {expected_seq} {after}, found seq {entry.seq}).",
        )
    if entry.seq < expected_seq:
        return AuditProblem(
            entry.pk,
            entry.seq,
            "reordered",
            f"broken link: rows were reordered: expected seq {expected_seq} {after}, found seq {entry.seq}.",
        )
    if entry.prev_hash != expected_prev:
        return AuditProblem(
            entry.pk,
            entry.seq,
            "broken-link",
            f"broken link: prev_hash {entry.prev_hash[:12]} does not match the entry before it ({expected_prev[:12]}): "
            "an entry was replaced, deleted or reordered.",
        )
    return None
