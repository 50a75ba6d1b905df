"""Credentials on a reviewer's record: the chair verifies one (the ``verify_credential`` action and its
entry point, declared in ``reviewboard.board.actions``)."""

from reviewboard.board.actions import credential_verify

__all__ = ["VERIFIED_FIELDS", "credential_verify"]

# What a verification vouches for: changing any of these on a verified credential withdraws it.
VERIFIED_FIELDS = ("kind", "name", "number", "issuing_body", "expires_on")
