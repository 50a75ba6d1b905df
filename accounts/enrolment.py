"""Enrolling second factors: one-time enrolment codes, recovery codes, and the audited reset.

The password alone never enrols a first second factor. The chair or an administrator issues a
one-time enrolment code (``enrolment_code_issue``; a link to the admin carries it); the member
logs in with the password, gives the code (``enrolment_grant``: kept in the session, not yet
spent) and enrols an authenticator app or a passkey; the enrolment spends the code in the same
transaction (``enrolment_code_spend``), so a code enrols once. Only the code's SHA-256 digest is
stored: it is 128 random bits, so a fast hash is enough.

Recovery codes are django-otp static tokens: ten, shown once when the first factor is enrolled,
each working once, replaced on request (``recovery_codes_generate``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts import audit
from accounts.models import ApiToken, EnrolmentCode
from accounts.otp import has_confirmed_device, is_recovery_code
from config.exceptions import InvalidInput, NotAllowed
from reviewboard.board.permissions import is_chair

if TYPE_CHECKING:
    from datetime import datetime

    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

RECOVERY_CODE_COUNT = 10
RECOVERY_DEVICE_NAME = "Recovery codes"
SESSION_GRANT = "accounts_enrolment_code"  # the session's checked, not yet spent, enrolment code (its pk)
SESSION_RECOVERY_CODES = "accounts_new_recovery_codes"  # shown once on the next page, then dropped
CODE_FIELD = "enrolment_code"


@dataclass(frozen=True)
class IssuedCode:
    """A new code, in clear only here: show it once (or mail it), it is not stored."""

    code: str
    expires_at: datetime
    username: str

    @property
    def link(self) -> str:
        return enrolment_link(self.code)


def enrolment_link(code: str) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{reverse('admin:enrol_authenticator')}?code={code}"


def _digest(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def may_manage_second_factors(actor: AbstractBaseUser | None) -> bool:
    """The chair (which includes superusers, ``reviewboard.board.permissions.is_chair``) or an administrator."""
    return actor is not None and (is_chair(actor) or bool(getattr(actor, "is_superuser", False)))


def _check_may_manage(actor: AbstractBaseUser | None) -> None:
    # ``actor`` None: an operator at the console (manage.py), who holds the database already.
    if actor is not None and not may_manage_second_factors(actor):
        raise NotAllowed(
            "Only the chair or an administrator may issue enrolment codes or reset second factors.",
            code="permission-denied",
        )


def _issue(*, member: AbstractBaseUser, actor: AbstractBaseUser | None, now: datetime) -> IssuedCode:
    # Two issues at once for one member: the second waits here, then replaces the first's code (the
    # constraint allows one open code per account).
    get_user_model()._default_manager.select_for_update().filter(pk=member.pk).first()
    EnrolmentCode.objects.filter(user=member, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    code = secrets.token_urlsafe(16)
    expires_at = now + timedelta(hours=settings.ACCOUNTS_ENROLMENT_CODE_HOURS)
    EnrolmentCode.objects.create(
        user=member, code_digest=_digest(code), issued_by=actor, issued_at=now, expires_at=expires_at
    )
    return IssuedCode(code=code, expires_at=expires_at, username=member.get_username())


@transaction.atomic
def enrolment_code_issue(*, member: AbstractBaseUser, actor: AbstractBaseUser | None) -> IssuedCode:
    """A new one-time enrolment code for ``member`` (any earlier open code stops working); audited."""
    _check_may_manage(actor)
    now = timezone.now()
    issued = _issue(member=member, actor=actor, now=now)
    audit.record(
        action="enrolment_code_issued",
        actor=actor,
        member=member,
        data={"expires_at": issued.expires_at, "by_console": actor is None},
    )
    return issued


@transaction.atomic
def second_factors_reset(*, member: AbstractBaseUser, actor: AbstractBaseUser | None) -> IssuedCode:
    """Remove every second factor of ``member`` (authenticator apps, passkeys, recovery codes), end their
    API tokens, and issue a new enrolment code; one audit entry says who did it and what went."""
    _check_may_manage(actor)
    now = timezone.now()
    removed = {
        "authenticators": TOTPDevice.objects.filter(user=member).delete()[0],
        "passkeys": WebAuthnCredential.objects.filter(user=member).delete()[1].get(WebAuthnCredential._meta.label, 0),
        "recovery_code_sets": StaticDevice.objects.filter(user=member).delete()[1].get(StaticDevice._meta.label, 0),
        "api_tokens": ApiToken.objects.filter(user=member).delete()[0],
    }
    issued = _issue(member=member, actor=actor, now=now)
    audit.record(
        action="second_factors_reset",
        actor=actor,
        member=member,
        data={"removed": removed, "expires_at": issued.expires_at, "by_console": actor is None},
    )
    return issued


def _code_refused(message: str) -> InvalidInput:
    return InvalidInput(message, code="enrolment-code-invalid", detail={CODE_FIELD: [message]})


def enrolment_grant(*, request: HttpRequest, code: str) -> EnrolmentCode:
    """Check ``code`` for the logged-in user and remember it in the session; it is spent on enrolment."""
    user = request.user
    if has_confirmed_device(user):
        raise _code_refused("This account has a second factor already: log in with it to add another.")
    found = EnrolmentCode.objects.filter(code_digest=_digest(code or ""), user=user).first()
    if found is None or found.used_at is not None or found.revoked_at is not None:
        raise _code_refused(
            "This enrolment code is not valid for this account, or it was used or replaced already: "
            "ask the chair or an administrator for a new one."
        )
    if found.expires_at <= timezone.now():
        raise _code_refused("This enrolment code has expired: ask the chair or an administrator for a new one.")
    request.session[SESSION_GRANT] = found.pk
    return found


def has_enrolment_grant(request: HttpRequest) -> bool:
    """The session gave an enrolment code that is still open (not spent, replaced or expired)."""
    pk = request.session.get(SESSION_GRANT)
    return pk is not None and _open_codes(request.user).filter(pk=pk).exists()


def _open_codes(user: Any):
    return EnrolmentCode.objects.filter(
        user=user, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
    )


def may_enrol(request: HttpRequest) -> bool:
    """A staff session may enrol a second factor: another one once verified by a second factor, the
    first one only with an open enrolment code (never with the password alone)."""
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if getattr(user, "is_verified", lambda: False)():
        return True
    return not has_confirmed_device(user) and has_enrolment_grant(request)


def enrolment_code_spend(*, request: HttpRequest) -> list[str] | None:
    """Spend the session's code as the first second factor is enrolled; call it inside the transaction
    that confirms the device, and ``enrolment_finish`` after that transaction.

    Returns the new recovery codes (the first second factor), ``[]`` when this session was verified
    already (adding a device needs no code), or None when the code was spent by another session,
    replaced or lapsed meanwhile: then nothing may be enrolled.
    """
    if getattr(request.user, "is_verified", lambda: False)():
        return []
    pk = request.session.get(SESSION_GRANT)
    if pk is None or _open_codes(request.user).filter(pk=pk).update(used_at=timezone.now()) != 1:
        return None
    return recovery_codes_generate(user=request.user)


def enrolment_finish(*, request: HttpRequest, recovery_codes: list[str]) -> None:
    """After the enrolment committed: forget the spent code; keep new recovery codes for the next page."""
    request.session.pop(SESSION_GRANT, None)
    if recovery_codes:
        request.session[SESSION_RECOVERY_CODES] = recovery_codes


def recovery_codes_generate(*, user: AbstractBaseUser, request: HttpRequest | None = None) -> list[str]:
    """Replace ``user``'s recovery codes with ``RECOVERY_CODE_COUNT`` new ones; each works once.

    With a ``request``, the codes are also kept in its session for the next page to show, once.
    """
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    if request is not None:
        request.session[SESSION_RECOVERY_CODES] = codes
    return codes


def _recovery_code() -> str:
    """Eight base32 characters (40 bits), never digits only: ``accounts.otp`` tells them from app codes."""
    while True:
        code = StaticToken.random_token()
        if is_recovery_code(code):
            return code


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
