"""Credentials on a reviewer's record: the chair verifies one (the ``verify_credential`` action)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reviewboard.models import Credential
from reviewboard.review import actions

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

# What a verification vouches for: changing any of these on a verified credential withdraws it.
VERIFIED_FIELDS = ("kind", "name", "number", "issuing_body", "expires_on")


def credential_verify(*, credential: Credential, user: AbstractBaseUser, comment: str = "") -> Credential:
    """The board chair verified ``credential`` at its source: ``verified_by``/``verified_at`` are set and
    audited, and from now on readers see it while it has not expired. Refuses one already verified
    ("credential-already-verified") or expired ("credential-expired")."""
    return actions.perform("verify_credential", article=None, user=user, target=credential, comment=comment)
