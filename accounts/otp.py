"""The second factor: authenticator apps (TOTP), passkeys and recovery codes (django-otp devices),
checked the same way by the admin login and the API.

Every confirmed device of the user counts: a code typed as ``otp_token`` is tried on the TOTP
devices and the recovery codes (a recovery code works once); a passkey verifies an admin session
through its own ceremony (``accounts.passkeys``), never a typed code.

``check_second_factor`` is the one place that decides whether a login may go on: it says why not
with a stable code. A wrong code counts against the device (django-otp's throttling:
each failure doubles the wait), so guessing the six digits is as slow as guessing a password.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django_otp import devices_for_user
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.policy import second_factor_required
from config.exceptions import InvalidInput

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django_otp.models import Device

OTP_FIELD = "otp_token"


class SecondFactorRefused(InvalidInput):
    """The second factor is missing, wrong or throttled; ``detail`` names the ``otp_token`` field."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code, detail={OTP_FIELD: [message]})


def has_confirmed_device(user: AbstractBaseUser) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def has_passkey(user: AbstractBaseUser) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def _normalise(token: str | None) -> str:
    return (token or "").strip().replace(" ", "")


def verify_on_device(device: Device, token: str | None) -> bool:
    """Whether ``device`` accepts ``token`` now; a throttled device says how long to wait."""
    token = _normalise(token)
    if not token:
        return False
    allowed, extra = device.verify_is_allowed()
    if not allowed:
        if extra and extra.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
            raise SecondFactorRefused(
                f"Too many wrong codes ({extra.get('failure_count')} in a row): wait a little and use the next code.",
                code="otp-token-throttled",
            )
        return False
    return bool(device.verify_token(token))


def verify_token(user: AbstractBaseUser, token: str | None) -> Device | None:
    """The confirmed device of ``user`` that accepts ``token``, or None.

    Its own transaction (the devices are locked while checked), committed before the caller
    refuses the login, so that the failure counts towards the device's throttle.
    """
    recovery = is_recovery_code(token)
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            # A code is tried on the devices of its kind only: a recovery code that works must not count
            # as a wrong code against the authenticator app (whose throttle would then refuse the next one).
            if isinstance(device, StaticDevice) == recovery and verify_on_device(device, token):
                return device
    return None


def is_recovery_code(token: str | None) -> bool:
    """Authenticator apps show digits; recovery codes (``accounts.enrolment``) always have a letter."""
    return not _normalise(token).isdigit()


def check_second_factor(user: AbstractBaseUser, token: str | None) -> Device | None:
    """The device that confirmed ``token``; None when the user needs no second factor.

    A code is asked of every account that enrolled an authenticator, and an authenticator is
    required of board members where ``ACCOUNTS_REQUIRE_2FA`` is on. Raises ``SecondFactorRefused``
    (400, naming ``otp_token``) when the code is missing or wrong, or a required authenticator is
    not enrolled yet.
    """
    if not has_confirmed_device(user):
        if second_factor_required(user):
            raise SecondFactorRefused(
                "This board account has no second factor yet, and a password alone cannot enrol one: open "
                "the one-time enrolment link the chair or an administrator gave you, log in to the admin "
                "and enrol an authenticator app or a passkey; then send its current code as otp_token.",
                code="otp-not-enrolled",
            )
        return None
    if not _normalise(token):
        raise SecondFactorRefused(
            "This account uses a second factor: send the 6-digit code of your authenticator app, or one of "
            "your recovery codes, as otp_token.",
            code="otp-token-required",
        )
    device = verify_token(user, token)
    if device is None:
        raise SecondFactorRefused(
            "The code is wrong, expired or used: send the current 6-digit code of your authenticator app, "
            "or an unused recovery code, as otp_token.",
            code="otp-token-invalid",
        )
    return device


def pending_enrolment(user: AbstractBaseUser) -> TOTPDevice:
    """The user's unconfirmed authenticator, created on first use (the QR code shown to enrol it)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device
