"""Helpers for the references tests."""

from __future__ import annotations

from tests.factories import UserFactory


def user_in(group: str, **kwargs):
    """A user whose only permissions come from the board group ``group`` (no reviewer profile)."""
    return UserFactory(groups=[group], **kwargs)
