"""The admin site of the board: the second factor at login, and enrolling second factors.

A board member (chair, reviewer, editor) is let into the admin only in a session that confirmed a
second factor where ``ACCOUNTS_REQUIRE_2FA`` is on (production; ``accounts.policy``). Elsewhere
(local runs, tests) a second factor is asked only of accounts that enrolled one.
- Login: the password, and the code of an authenticator app or a recovery code in the same form.
  A member who has a passkey may leave the code blank: the password then opens one page only,
  "Confirm your second factor", where the passkey (or a code) verifies the session.
- Enrolment ("Enrol a second factor"): the first second factor needs a one-time enrolment code
  from the chair or an administrator (``accounts.enrolment``); the password alone opens the page
  that asks for it, nothing else. With the code the member scans an authenticator app's QR code or
  registers a passkey; that spends the code, verifies the session and shows ten recovery codes
  once. More second factors can be added from a verified session only.
- "Recovery codes": a verified session sees how many are left and can replace them.
"""

from __future__ import annotations

import io
from base64 import b32encode
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.qr import write_qrcode_image

from accounts import enrolment
from accounts.otp import (
    OTP_FIELD,
    SecondFactorRefused,
    check_second_factor,
    has_confirmed_device,
    has_passkey,
    pending_enrolment,
    verify_on_device,
)
from accounts.policy import is_verified, needs_second_factor, second_factor_required
from config.exceptions import InvalidInput


class BoardLoginForm(AdminAuthenticationForm):
    """Username and password (counted by django-axes), then the second factor where one is needed."""

    otp_token = forms.CharField(
        label="Authenticator or recovery code",
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        help_text="The 6-digit code of your authenticator app, or one of your recovery codes (board members). "
        "With a passkey, leave it blank.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        # A board member without a second factor where one is required logs in by password to the
        # enrolment page only (BoardAdminSite.has_permission), which asks for an enrolment code; a member
        # with a passkey and no code, to the page that asks for the passkey; the API refuses both.
        if user is not None and has_confirmed_device(user):
            if not (cleaned.get(OTP_FIELD) or "").strip() and second_factor_required(user) and has_passkey(user):
                return cleaned
            try:
                user.otp_device = check_second_factor(user, cleaned.get(OTP_FIELD))
            except SecondFactorRefused as exc:
                raise forms.ValidationError({OTP_FIELD: exc.message}, code=exc.code) from None
        return cleaned


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label="Enrolment code",
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True}),
        help_text="The one-time code (or link) the chair or an administrator gave you.",
    )


class CodeForm(forms.Form):
    otp_token = forms.CharField(
        label="Code shown by your app",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class BoardAdminSite(admin.AdminSite):
    site_header = "Medical Advisory Board"
    site_title = "Medical Advisory Board"
    login_form = BoardLoginForm
    login_template = "accounts/admin_login.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and not needs_second_factor(request.user)

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        user = request.user
        if request.method == "GET" and user.is_authenticated and user.is_staff and needs_second_factor(user):
            name = "second_factor" if has_confirmed_device(user) else "enrol_authenticator"
            return HttpResponseRedirect(self._url(name))
        return super().login(request, extra_context)

    def get_urls(self) -> list[Any]:
        return [
            path("enrol-authenticator/", self.enrol_authenticator, name="enrol_authenticator"),
            path("second-factor/", self.second_factor, name="second_factor"),
            path("recovery-codes/", self.recovery_codes, name="recovery_codes"),
            *super().get_urls(),
        ]

    def _url(self, name: str) -> str:
        return reverse(f"admin:{name}", current_app=self.name)

    def _to_login(self, request: HttpRequest) -> HttpResponseRedirect:
        return HttpResponseRedirect(f"{self._url('login')}?{urlencode({'next': request.get_full_path()})}")

    def _render(self, request: HttpRequest, template: str, title: str, **context: Any) -> TemplateResponse:
        request.current_app = self.name
        site = self.each_context(request)
        if not site["has_permission"]:  # a session without its second factor sees no map of the admin
            site.update(available_apps=[], is_nav_sidebar_enabled=False)
        return TemplateResponse(request, template, {**site, "title": title, **context})

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def enrol_authenticator(self, request: HttpRequest) -> HttpResponse:
        """Ask for the enrolment code, then enrol an authenticator app (QR code) or a passkey."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self._to_login(request)
        if not enrolment.may_enrol(request):
            if has_confirmed_device(user):  # enrolled: adding another needs the second factor first
                return HttpResponseRedirect(self._url("login"))
            return self._enrolment_code(request)
        device = pending_enrolment(user)
        form = CodeForm(request.POST if OTP_FIELD in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                accepted = verify_on_device(device, form.cleaned_data[OTP_FIELD])
            except SecondFactorRefused as exc:
                form.add_error(OTP_FIELD, exc.message)
            else:
                if not accepted:
                    form.add_error(OTP_FIELD, "That code is not right: type the code your app shows now.")
                elif self._confirm(request, device):
                    messages.success(request, "Authenticator enrolled: you will be asked for its code at login.")
                    return HttpResponseRedirect(self._after_enrolment(request))
                else:
                    return self._enrolment_code(request, lapsed=True)
        qr = io.BytesIO()
        write_qrcode_image(device.config_url, qr)
        return self._render(
            request,
            "accounts/enrol_authenticator.html",
            "Enrol a second factor",
            form=form,
            qr_svg=mark_safe(qr.getvalue().decode("utf-8")),  # noqa: S308 - SVG made by qrcode from our own URL
            secret=_base32_key(device),
            required=second_factor_required(user),
            after_passkey=self._url("recovery_codes") if not is_verified(user) else self._url("index"),
        )

    @staticmethod
    def _confirm(request: HttpRequest, device: Any) -> bool:
        """Confirm the new authenticator, spending the enrolment code in the same transaction."""
        with transaction.atomic():
            recovery_codes = enrolment.enrolment_code_spend(request=request)
            if recovery_codes is None:
                return False
            device.confirmed = True
            device.save(update_fields=["confirmed"])
        enrolment.enrolment_finish(request=request, recovery_codes=recovery_codes)
        otp_login(request, device)
        return True

    def _after_enrolment(self, request: HttpRequest) -> str:
        return self._url("recovery_codes" if enrolment.SESSION_RECOVERY_CODES in request.session else "index")

    def _enrolment_code(self, request: HttpRequest, *, lapsed: bool = False) -> HttpResponse:
        """The only page a password-only session without a second factor sees: give the enrolment code."""
        given = request.POST.get(enrolment.CODE_FIELD) if request.method == "POST" else request.GET.get("code")
        form = EnrolmentCodeForm({enrolment.CODE_FIELD: given} if given is not None else None)
        if lapsed:
            form = EnrolmentCodeForm()
            messages.error(request, "Your enrolment code was used or replaced meanwhile: ask for a new one.")
        elif form.is_bound and form.is_valid():
            try:
                enrolment.enrolment_grant(request=request, code=_code_from(form.cleaned_data[enrolment.CODE_FIELD]))
            except InvalidInput as exc:
                form.add_error(enrolment.CODE_FIELD, exc.message)
            else:
                return HttpResponseRedirect(self._url("enrol_authenticator"))
        return self._render(
            request,
            "accounts/enrolment_code.html",
            "Enrol a second factor",
            form=form,
            required=second_factor_required(request.user),
        )

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def second_factor(self, request: HttpRequest) -> HttpResponse:
        """After the password: confirm the session with a passkey, an authenticator code or a recovery code."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff):
            return self._to_login(request)
        target = request.GET.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = ""
        target = target or self._url("index")
        if is_verified(user):
            return HttpResponseRedirect(target)
        if not has_confirmed_device(user):
            return HttpResponseRedirect(self._url("enrol_authenticator"))
        form = CodeForm(request.POST or None)
        if form.is_bound and form.is_valid():
            try:
                device = check_second_factor(user, form.cleaned_data[OTP_FIELD])
            except SecondFactorRefused as exc:
                form.add_error(OTP_FIELD, exc.message)
            else:
                if device is not None:
                    otp_login(request, device)
                return HttpResponseRedirect(target)
        return self._render(
            request,
            "accounts/second_factor.html",
            "Confirm your second factor",
            form=form,
            next=target,
            passkey=has_passkey(user),
        )

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def recovery_codes(self, request: HttpRequest) -> HttpResponse:
        """New recovery codes, shown once; how many are left; replace them all."""
        user = request.user
        if not (user.is_authenticated and user.is_active and user.is_staff and is_verified(user)):
            return self._to_login(request)
        if request.method == "POST":
            enrolment.recovery_codes_generate(user=user, request=request)
            return HttpResponseRedirect(self._url("recovery_codes"))
        codes = request.session.pop(enrolment.SESSION_RECOVERY_CODES, None)
        return self._render(
            request,
            "accounts/recovery_codes.html",
            "Recovery codes",
            codes=codes,
            left=enrolment.recovery_codes_left(user),
        )


def _code_from(given: str) -> str:
    """The code itself, also when the whole enrolment link was pasted."""
    given = given.strip()
    if "code=" in given:
        given = given.split("code=", 1)[1].split("&", 1)[0]
    return given


def _base32_key(device: Any) -> str:
    key = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))
