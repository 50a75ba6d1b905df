"""Helpers for the references tests."""

from __future__ import annotations

from tests.factories import UserFactory


def user_in(group: str, **kwargs):
    """A user in ``group``.

    ``tests.factories.AuthorFactory`` / ``ReviewerFactory`` / ``ChairFactory`` override the
    ``groups`` post-generation hook with a plain list, which factory_boy then passes to
    ``User()`` (TypeError); the group name is given as the hook's argument here instead.
    """
    return UserFactory(groups=[group], **kwargs)
