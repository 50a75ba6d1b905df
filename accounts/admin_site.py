"""The admin site of the board: the second factor at login, and enrolling an authenticator.

Where ``ACCOUNTS_REQUIRE_2FA`` is on (production), a board member (chair, reviewer, editor) is let
into the admin only in a session that confirmed a TOTP code (``accounts.policy``):
- with an authenticator enrolled, the login form asks for its code with the password;
- with none yet, the password alone opens one page only, "Enrol an authenticator" (a QR code
  and its key): the member scans it and confirms a code, which enrols the device and verifies
  the session. Another device can be enrolled only from a verified session, and an
  administrator can add, reset or remove devices under "TOTP devices".
Elsewhere (local runs, tests) the code is asked only of accounts that enrolled one.
"""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.qr import write_qrcode_image

from accounts.otp import (
    OTP_FIELD,
    SecondFactorRefused,
    check_second_factor,
    has_confirmed_device,
    pending_enrolment,
    verify_on_device,
)
from accounts.policy import is_verified, needs_second_factor, second_factor_required


class BoardLoginForm(AdminAuthenticationForm):
    """Username and password (counted by django-axes), then the authenticator code where one is needed."""

    otp_token = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="The 6-digit code of your authenticator app (board members).",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        # A board member without an authenticator where one is required logs in by password to
        # the enrolment page only (BoardAdminSite.has_permission); the API refuses them outright.
        if user is not None and has_confirmed_device(user):
            try:
                user.otp_device = check_second_factor(user, cleaned.get(OTP_FIELD))
            except SecondFactorRefused as exc:
                raise forms.ValidationError({OTP_FIELD: exc.message}, code=exc.code) from None
        return cleaned


class EnrolForm(forms.Form):
    otp_token = forms.CharField(
        label="Code shown by your app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _may_enrol(user: Any) -> bool:
    """Logged in to the admin by password; a first device, or more from a session that used the second factor."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    return not has_confirmed_device(user) or is_verified(user)


class BoardAdminSite(admin.AdminSite):
    site_header = "Medical Advisory Board"
    site_title = "Medical Advisory Board"
    login_form = BoardLoginForm
    login_template = "accounts/admin_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not needs_second_factor(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        user = request.user
        if (
            request.method == "GET"
            and needs_second_factor(user)
            and not has_confirmed_device(user)
            and _may_enrol(user)
        ):
            return HttpResponseRedirect(reverse("admin:enrol_authenticator", current_app=self.name))
        return super().login(request, extra_context)

    def get_urls(self) -> list[Any]:
        return [path("enrol-authenticator/", self.enrol_authenticator, name="enrol_authenticator"), *super().get_urls()]

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def enrol_authenticator(self, request: HttpRequest) -> HttpResponse:
        """Show a new authenticator's QR code; a correct code from it enrols it and verifies this session."""
        user = request.user
        if not _may_enrol(user):
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        device = pending_enrolment(user)
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                accepted = verify_on_device(device, form.cleaned_data[OTP_FIELD])
            except SecondFactorRefused as exc:
                form.add_error(OTP_FIELD, exc.message)
            else:
                if accepted:
                    device.confirmed = True
                    device.save(update_fields=["confirmed"])
                    otp_login(request, device)
                    messages.success(request, "Authenticator enrolled: you will be asked for its code at login.")
                    return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
                form.add_error(OTP_FIELD, "That code is not right: type the code your app shows now.")
        qr = io.BytesIO()
        write_qrcode_image(device.config_url, qr)
        context = {
            **self.each_context(request),
            "title": "Enrol an authenticator",
            "form": form,
            "qr_svg": mark_safe(qr.getvalue().decode("utf-8")),  # noqa: S308 - SVG made by qrcode from our own URL
            "secret": _base32_key(device),
            "required": second_factor_required(user),
        }
        request.current_app = self.name
        return TemplateResponse(request, "accounts/enrol_authenticator.html", context)


def _base32_key(device: Any) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
