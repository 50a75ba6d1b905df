"""Logging a device in to the review API, and ending its tokens.

``api_token_create`` is deliberately not one transaction: the failed attempts django-axes
records and the failures django-otp counts on a device must stay written when the login is
refused. Only the token row is written atomically, after every check has passed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import authenticate, user_logged_in
from django.db import transaction
from django.utils import timezone

from accounts.lockout import lockout_error
from accounts.models import ApiToken
from accounts.otp import check_second_factor
from config.exceptions import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest


def api_token_create(
    *, request: HttpRequest, username: str, password: str, otp_token: str = "", device: str = ""
) -> tuple[ApiToken, str]:
    """Check the password (counted by django-axes), then the second factor where required; issue a token.

    Returns the token row and the token itself (shown once; only its digest is stored).
    Raises ``TooManyAttempts`` (429) while the username is locked out for this address,
    ``InvalidInput`` (400) for a wrong username or password, ``SecondFactorRefused`` (400,
    naming ``otp_token``) when the second factor is missing or wrong.
    """
    user = authenticate(request=request, username=username, password=password)
    if user is None:
        if getattr(request, "axes_locked_out", False):
            raise lockout_error(request)
        raise InvalidInput(
            "Unable to log in with the username and password given.",
            detail={"non_field_errors": ["Unable to log in with the username and password given."]},
        )
    check_second_factor(user, otp_token)
    return api_token_issue(user=user, device=device, request=request)


@transaction.atomic
def api_token_issue(
    *, user: AbstractBaseUser, device: str = "", request: HttpRequest | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` (already authenticated), bound to the current password; expires after TOKEN_TTL."""
    instance, token = ApiToken.objects.create(
        user=user,
        expiry=settings.REST_KNOX["TOKEN_TTL"],
        device=device.strip()[:100],
        password_fingerprint=user.get_session_auth_hash(),
    )
    if request is not None:  # a login over HTTP: last_login, and django-axes clears the failures
        user_logged_in.send(sender=user.__class__, request=request, user=user)
    return instance, token


def api_token_revoke(*, token: ApiToken) -> None:
    """End one token (the device logs out)."""
    token.delete()


def api_tokens_revoke_all(*, user: AbstractBaseUser) -> int:
    """End every token of ``user`` (all devices); returns how many."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_tokens_active(*, user: AbstractBaseUser) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, expiry__gt=timezone.now()).order_by("-created"))
