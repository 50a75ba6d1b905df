"""Passkeys (WebAuthn) as a second factor beside TOTP: django-otp-webauthn's views, with our rules.

Registration (``registration/begin|complete/``): the library lets any logged-in account without a
second factor register a passkey, which is exactly what a stolen password must not do. Here a
passkey is registered only by a session that ``accounts.enrolment.may_enrol`` lets enrol (verified
by a second factor, or holding an open enrolment code), and the first passkey spends the code in
the registration's transaction and sets up the recovery codes.

Verification (``authentication/begin|complete/``): a second factor after the password only (no
passwordless login, ``OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False``); success verifies the
session and answers where to go next (an admin URL, never another host).

The library's JSON errors (``{"detail", "code"}``, 4xx) are kept: its script reads them.
The script is served from the project's static files; the configuration travels in a
``<script type="application/json">`` element, so the CSP needs no inline script.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.urls import path, reverse
from django.views.i18n import JavaScriptCatalog
from django_otp_webauthn import exceptions, views

from accounts import enrolment


class EnrolmentCodeNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "enrolment_code_required"
    default_detail = (
        "A passkey is registered with the one-time enrolment code from the chair or an administrator, "
        "or from a session verified by a second factor."
    )


class EnrolmentCodeSpent(exceptions.OTPWebAuthnApiError):
    status_code = 409
    default_code = "enrolment_code_spent"
    default_detail = "Your enrolment code was used or replaced meanwhile: ask for a new one."


class _MayEnrol:
    def check_can_register(self) -> None:
        if not enrolment.may_enrol(self.request):
            raise EnrolmentCodeNeeded()


class BeginRegistration(_MayEnrol, views.BeginCredentialRegistrationView):
    pass


class CompleteRegistration(_MayEnrol, views.CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        state = self.get_state()  # popped from the session and saved before the transaction: never reused
        self.get_state = lambda: state
        with transaction.atomic():
            recovery_codes = enrolment.enrolment_code_spend(request=self.request)
            if recovery_codes is None:
                raise EnrolmentCodeSpent()
            response = super().post(*args, **kwargs)
        enrolment.enrolment_finish(request=self.request, recovery_codes=recovery_codes)
        return response


class BeginVerification(views.BeginCredentialAuthenticationView):
    pass


class CompleteVerification(views.CompleteCredentialAuthenticationView):
    def get_success_url(self) -> str:
        return self.get_redirect_url() or reverse("admin:index")


urlpatterns = [
    path("registration/begin/", BeginRegistration.as_view(), name="credential-registration-begin"),
    path("registration/complete/", CompleteRegistration.as_view(), name="credential-registration-complete"),
    path("authentication/begin/", BeginVerification.as_view(), name="credential-authentication-begin"),
    path("authentication/complete/", CompleteVerification.as_view(), name="credential-authentication-complete"),
    path("jsi18n/", JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]), name="js-i18n-catalog"),
]
