"""Issue 19, item 2: the demo stays usable, and the passkey pages load their scripts from the project
under the CSP (no CDN, no inline script)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command

from accounts.enrolment import enrolment_code_issue
from tests.accounts.helpers import ENROL_URL, admin_login
from tests.factories import ChairFactory

pytestmark = pytest.mark.django_db

BOARD = ("chair", "reviewer1", "reviewer2", "reviewer3")


def seed(settings, *, required: bool) -> str:
    settings.ACCOUNTS_REQUIRE_2FA = required
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_with_2fa_off_the_demo_prints_no_enrolment_codes_and_logs_in_by_password(client, settings):
    out = seed(settings, required=False)

    assert "enrolment" not in out.lower()
    assert admin_login(client, "chair", "review-demo").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_2fa_on_the_demo_prints_each_board_accounts_one_time_link(client, settings):
    out = seed(settings, required=True)

    links = dict(re.findall(r"Enrolment code for '(\w+)'.*\n.*\n  link: (\S+)", out))
    assert sorted(links) == sorted(BOARD)  # the author needs no second factor
    path = links["chair"].removeprefix(settings.SITE_URL.rstrip("/"))
    admin_login(client, "chair", "review-demo")
    assert client.get(path)["Location"] == ENROL_URL
    assert "<svg" in client.get(ENROL_URL).content.decode()


def test_the_enrolment_page_loads_the_passkey_scripts_from_the_project_under_the_csp(client):
    chair = ChairFactory(username="chair")
    issued = enrolment_code_issue(member=chair, actor=None)
    admin_login(client, "chair")
    client.post(ENROL_URL, {"enrolment_code": issued.code})

    page = client.get(ENROL_URL)

    csp = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";") if part.strip())
    assert csp["script-src"] == "'self'"
    assert csp["connect-src"] == "'self'"
    html = page.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert any("otp_webauthn_register.js" in tag for tag in scripts)
    for tag in scripts:
        src = re.search(r'src="([^"]+)"', tag)
        assert (src and src.group(1).startswith("/")) or 'type="application/json"' in tag, tag
        if src:
            assert client.get(src.group(1)).status_code == 200, src.group(1)
