"""Issue 19, item 2: recovery codes (shown once, each works once, replaced on request), and the
chair's audited reset of a member's second factors, from the admin and from the console."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django_otp.plugins.otp_static.models import StaticToken
from django_otp_webauthn.models import WebAuthnCredential

from accounts.enrolment import enrolment_code_issue, second_factors_reset
from accounts.models import EnrolmentCode
from config.exceptions import NotAllowed
from reviewboard.audit.chain import audit_verify
from reviewboard.models import AuditEntry
from tests.accounts.helpers import (
    ENROL_URL,
    REVIEW_URL,
    admin_login,
    current_code,
    token_login,
    totp_devices,
    with_token,
)
from tests.factories import ChairFactory, ReviewerFactory

pytestmark = pytest.mark.django_db

RECOVERY_URL = "/admin/recovery-codes/"
ACCOUNTS_ADMIN = "/admin/accounts/boardaccount/"


@pytest.fixture
def two_factor(settings):
    settings.ACCOUNTS_REQUIRE_2FA = True


@pytest.fixture
def chair(db):
    return ChairFactory(username="chair")


@pytest.fixture
def member(db):
    return ReviewerFactory(username="reviewer1")


def enrol(client, user) -> tuple[object, list[str]]:
    """``user`` enrols an authenticator app with a fresh enrolment code; its device and the recovery codes shown."""
    issued = enrolment_code_issue(member=user, actor=None)
    admin_login(client, user.username)
    client.post(ENROL_URL, {"enrolment_code": issued.code})
    client.get(ENROL_URL)
    device = totp_devices().get(user=user, confirmed=False)
    done = client.post(ENROL_URL, {"otp_token": current_code(device)})
    assert done["Location"] == RECOVERY_URL
    page = client.get(RECOVERY_URL)
    device.refresh_from_db()
    return device, page.context["codes"]


# --- recovery codes ------------------------------------------------------------------------


def test_enrolment_shows_ten_recovery_codes_once(client, member, two_factor):
    _, codes = enrol(client, member)

    assert len(codes) == 10
    assert len(set(codes)) == 10
    again = client.get(RECOVERY_URL)
    assert again.context["codes"] is None
    assert again.context["left"] == 10
    assert codes[0] not in again.content.decode()


def test_a_recovery_code_gets_an_api_token_once(client, member, two_factor):
    _, codes = enrol(client, member)

    first = token_login("reviewer1", otp_token=codes[0])
    second = token_login("reviewer1", otp_token=codes[0])

    assert first.status_code == 200
    assert with_token(first.json()["token"]).get(REVIEW_URL).status_code == 200
    assert second.status_code == 400
    assert second.json()["error"]["code"] == "otp-token-invalid"
    assert StaticToken.objects.filter(device__user=member).count() == 9


def test_a_used_recovery_code_does_not_count_against_the_authenticator_app(client, member, two_factor):
    device, codes = enrol(client, member)
    device.last_t = -1  # the enrolment used this time step's code
    device.save()

    assert token_login("reviewer1", otp_token=codes[0]).status_code == 200
    response = token_login("reviewer1", otp_token=current_code(device))

    assert response.status_code == 200, response.json()


def test_a_recovery_code_opens_the_admin_in_place_of_the_authenticator(client, member, two_factor):
    _, codes = enrol(client, member)
    fresh = Client()

    response = admin_login(fresh, "reviewer1", otp_token=codes[3])

    assert response.status_code == 302
    assert fresh.get("/admin/").status_code == 200


def test_new_recovery_codes_replace_the_old_ones(client, member, two_factor):
    _, old = enrol(client, member)

    assert client.post(RECOVERY_URL).status_code == 302
    new = client.get(RECOVERY_URL).context["codes"]

    assert len(new) == 10
    assert not set(new) & set(old)
    assert token_login("reviewer1", otp_token=new[0]).status_code == 200
    assert token_login("reviewer1", otp_token=old[0]).json()["error"]["code"] == "otp-token-invalid"


def test_recovery_codes_are_not_made_by_a_password_only_session(client, member, two_factor):
    admin_login(client, "reviewer1")

    assert client.post(RECOVERY_URL).status_code == 302
    assert not StaticToken.objects.exists()


# --- reset -----------------------------------------------------------------------------------


def test_the_chairs_reset_removes_every_second_factor_ends_tokens_is_audited_and_issues_a_code(
    client, chair, member, two_factor
):
    _, codes = enrol(client, member)
    token = token_login("reviewer1", otp_token=codes[0]).json()["token"]
    WebAuthnCredential.objects.create(user=member, name="k", confirmed=True, public_key=b"k", credential_id=b"c")

    issued = second_factors_reset(member=member, actor=chair)

    assert not totp_devices().filter(user=member).exists()
    assert not WebAuthnCredential.objects.filter(user=member).exists()
    assert not StaticToken.objects.filter(device__user=member).exists()
    assert with_token(token).get(REVIEW_URL).status_code == 401
    entry = AuditEntry.objects.get(action="second_factors_reset")
    assert entry.actor == chair
    assert entry.data["member"] == "reviewer1"
    assert entry.data["removed"] == {"authenticators": 1, "passkeys": 1, "recovery_code_sets": 1, "api_tokens": 1}
    assert audit_verify() is None
    assert token_login("reviewer1", otp_token=codes[1]).json()["error"]["code"] == "otp-not-enrolled"
    fresh = Client()
    admin_login(fresh, "reviewer1")
    assert fresh.post(ENROL_URL, {"enrolment_code": issued.code})["Location"] == ENROL_URL


def test_a_reviewer_cannot_reset_another_members_second_factors(member, two_factor):
    other = ReviewerFactory(username="reviewer2")
    totp_devices().create(user=member, name="phone", confirmed=True)

    with pytest.raises(NotAllowed):
        second_factors_reset(member=member, actor=other)

    assert totp_devices().filter(user=member).exists()
    assert not AuditEntry.objects.exists()
    assert not EnrolmentCode.objects.exists()


def test_the_chair_issues_codes_and_resets_from_the_admin(client, chair, member):
    totp_devices().create(user=member, name="phone", confirmed=True)
    client.force_login(chair)
    listing = client.get(ACCOUNTS_ADMIN)
    assert listing.status_code == 200
    assert "reviewer1" in listing.content.decode()
    selected = {"_selected_action": [member.pk]}

    confirm = client.post(ACCOUNTS_ADMIN, {**selected, "action": "reset_second_factors"})
    assert confirm.status_code == 200
    assert totp_devices().filter(user=member).exists()  # nothing happens before the confirmation
    done = client.post(ACCOUNTS_ADMIN, {**selected, "action": "reset_second_factors", "confirm": "yes"})

    assert done.status_code == 200
    (issued,) = done.context["issued"]
    assert issued.code in done.content.decode()
    assert not totp_devices().filter(user=member).exists()
    assert AuditEntry.objects.get(action="second_factors_reset").actor == chair
    issue = client.post(ACCOUNTS_ADMIN, {**selected, "action": "issue_enrolment_codes"})
    assert issue.context["issued"][0].code != issued.code
    assert EnrolmentCode.objects.filter(user=member, revoked_at__isnull=True, used_at__isnull=True).count() == 1


def test_the_second_factors_page_is_closed_to_a_reviewer(client, member):
    client.force_login(member)

    assert client.get(ACCOUNTS_ADMIN).status_code == 403


def test_the_console_command_issues_and_resets(member):
    totp_devices().create(user=member, name="phone", confirmed=True)
    out = io.StringIO()

    call_command("issue_enrolment_code", "reviewer1", "--if-not-enrolled", stdout=out)
    assert "has a second factor already" in out.getvalue()
    assert not EnrolmentCode.objects.exists()
    call_command("issue_enrolment_code", "reviewer1", "--reset", stdout=out)

    assert "/admin/enrol-authenticator/?code=" in out.getvalue()
    assert not totp_devices().filter(user=member).exists()
    entry = AuditEntry.objects.get(action="second_factors_reset")
    assert entry.actor is None
    assert entry.data["by_console"] is True
    with pytest.raises(CommandError, match="No account with username 'nobody'"):
        call_command("issue_enrolment_code", "nobody", stdout=out)
