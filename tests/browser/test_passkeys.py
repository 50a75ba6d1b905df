"""Passkeys in a real (headless) Chromium, with its virtual authenticator (DevTools ``WebAuthn`` domain).

A chair whose account requires a second factor gets a one-time enrolment code; in the browser they log
in with the password, give the code, register a passkey with django-otp-webauthn's script (served from
the project, under the CSP), see their recovery codes once; then, logged out, they log in with the
password and the passkey.
"""

from __future__ import annotations

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import Browser, expect

from accounts.enrolment import enrolment_code_issue
from accounts.models import EnrolmentCode
from tests.factories import ChairFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TIMEOUT_MS = 10_000


def test_a_chair_enrols_a_passkey_with_the_code_and_logs_in_with_it(browser: Browser, live_server, board, settings):
    settings.ACCOUNTS_REQUIRE_2FA = True
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    chair = ChairFactory(username="chair")
    issued = enrolment_code_issue(member=chair, actor=None)
    assert live_server.url.startswith("http://localhost:")
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    devtools = context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    def log_in_with_password() -> None:
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", "chair")
        page.fill("#id_password", "pw")
        page.click("input[type=submit]")

    log_in_with_password()
    expect(page).to_have_url(f"{live_server.url}/admin/enrol-authenticator/")
    page.fill("#id_enrolment_code", issued.code)
    page.click("#enrolment-code-form input[type=submit]")
    page.click("#passkey-register-button")

    expect(page.locator("#recovery-codes li")).to_have_count(10)
    assert WebAuthnCredential.objects.filter(user=chair, confirmed=True).count() == 1
    assert EnrolmentCode.objects.get(user=chair).used_at is not None
    assert not [e for e in errors if "Content Security Policy" in e], errors

    context.clear_cookies()
    log_in_with_password()
    expect(page).to_have_url(f"{live_server.url}/admin/second-factor/")
    expect(page.locator("#nav-sidebar")).to_have_count(0)  # the password alone sees no map of the admin
    page.click("#passkey-verification-button")

    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#user-tools")).to_contain_text("Log out")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    context.close()
