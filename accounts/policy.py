"""Who must confirm a second factor, and whether a request's user has.

``second_factor_required`` is the one rule; the admin login, the admin site's permission check,
the token endpoint and the session authentication of the review API all ask it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings

from reviewboard.board.permissions import is_board_member

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser


def second_factor_required(user: AbstractBaseUser | None) -> bool:
    """Board members (chair, reviewers, editors; superusers) must use TOTP where the setting asks for it."""
    return bool(settings.ACCOUNTS_REQUIRE_2FA) and is_board_member(user)


def is_verified(user: AbstractBaseUser | None) -> bool:
    """The session confirmed a second factor (``django_otp.middleware.OTPMiddleware`` sets it)."""
    check = getattr(user, "is_verified", None)
    return bool(check()) if callable(check) else False


def needs_second_factor(user: AbstractBaseUser | None) -> bool:
    """The user must still confirm a second factor before this session counts."""
    return second_factor_required(user) and not is_verified(user)
