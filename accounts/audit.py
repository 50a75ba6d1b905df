"""The accounts' one door to the board's hash-chained audit log.

Every audited account action (issuing an enrolment code, resetting second factors) calls
``record`` only, so when the audit module moves, this import is the one line to change.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reviewboard.audit.chain import audit_append

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def record(*, action: str, actor: AbstractBaseUser | None, member: AbstractBaseUser, data: dict[str, Any]) -> None:
    """Append an entry about ``member``'s account, inside the caller's transaction."""
    audit_append(action=action, actor=actor, data={"member_id": member.pk, "member": member.get_username(), **data})
