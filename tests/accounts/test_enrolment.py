"""Issue 19, item 2: a stolen password cannot enrol a second factor.

Enrolling the first second factor needs a one-time enrolment code issued by the chair or an
administrator; until then a password-only board session can do nothing but enrol with it, and the
token endpoint refuses. Against the real PostgreSQL.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from accounts.enrolment import enrolment_code_issue
from accounts.models import EnrolmentCode
from accounts.otp import pending_enrolment
from config.exceptions import NotAllowed
from reviewboard.audit.chain import audit_verify
from reviewboard.models import AuditEntry
from tests.accounts.helpers import (
    ADMIN_LOGIN,
    ENROL_URL,
    REVIEW_URL,
    admin_login,
    current_code,
    token_login,
    totp_devices,
)
from tests.factories import ChairFactory, ReviewerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(db):
    return ChairFactory(username="chair")


@pytest.fixture
def two_factor(settings):
    settings.ACCOUNTS_REQUIRE_2FA = True


def test_a_stolen_password_alone_cannot_enrol_an_authenticator_nor_get_a_token(client, chair, two_factor):
    # given: the attacker knows chair's password, nothing else
    assert admin_login(client, "chair").status_code == 302

    # when: they try to enrol their own authenticator app and log in to the API with it
    page = client.get(ENROL_URL)
    pending = totp_devices().filter(user=chair, confirmed=False).first()
    if pending is not None:  # today: the page shows a fresh authenticator's QR code to the password alone
        client.post(ENROL_URL, {"otp_token": current_code(pending)})
    response = token_login("chair", otp_token=current_code(pending) if pending else "")

    # then: no authenticator was enrolled, the admin stays closed, and the API refuses
    assert not totp_devices().filter(user=chair, confirmed=True).exists()
    assert page.status_code == 200
    assert "enrolment code" in page.content.decode().lower()
    assert client.get("/admin/").status_code == 302
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp-not-enrolled"
    assert not chair.auth_token_set.exists()
    assert client.get(ADMIN_LOGIN)["Location"] == ENROL_URL


# --- the enrolment code ------------------------------------------------------------------


def enrol_with_totp(client, code: str):
    """Give the enrolment code, then confirm the authenticator app the page shows; the final response."""
    client.post(ENROL_URL, {"enrolment_code": code})
    client.get(ENROL_URL)
    device = totp_devices().filter(user__username="chair", confirmed=False).first()
    if device is None:
        return None
    return client.post(ENROL_URL, {"otp_token": current_code(device)})


def test_the_enrolment_link_leads_through_the_login_to_the_enrolment(client, chair, two_factor):
    issued = enrolment_code_issue(member=chair, actor=None)
    path = issued.link.removeprefix(settings.SITE_URL.rstrip("/"))

    before_login = client.get(path)
    assert before_login.status_code == 302
    assert before_login["Location"].startswith(ADMIN_LOGIN)
    client.post(ADMIN_LOGIN, {"username": "chair", "password": "pw", "next": path})
    opened = client.get(path)

    assert opened.status_code == 302
    assert opened["Location"] == ENROL_URL
    assert "<svg" in client.get(ENROL_URL).content.decode()


def test_an_enrolment_code_enrols_once_and_only_its_digest_is_stored(client, chair, two_factor):
    issued = enrolment_code_issue(member=chair, actor=None)
    row = EnrolmentCode.objects.get(user=chair)
    assert row.code_digest == hashlib.sha256(issued.code.encode()).hexdigest()
    assert issued.code not in str(list(EnrolmentCode.objects.values_list()))
    admin_login(client, "chair")

    done = enrol_with_totp(client, issued.code)

    assert done.status_code == 302
    assert totp_devices().filter(user=chair, confirmed=True).count() == 1
    row.refresh_from_db()
    assert row.used_at is not None
    again = Client()
    admin_login(again, "chair")  # no code: the password alone does not get in any more
    assert again.get("/admin/").status_code == 302
    assert again.post(ENROL_URL, {"enrolment_code": issued.code}).status_code == 302  # back to the login
    assert totp_devices().filter(user=chair).count() == 1


def test_two_sessions_with_one_code_enrol_one_device(client, chair, two_factor):
    issued = enrolment_code_issue(member=chair, actor=None)
    other = Client()
    for session in (client, other):
        admin_login(session, "chair")
        session.post(ENROL_URL, {"enrolment_code": issued.code})
    device = pending_enrolment(chair)

    first = client.post(ENROL_URL, {"otp_token": current_code(device)})
    device.refresh_from_db()
    device.throttle_reset()
    device.last_t = -1
    device.save()
    second = other.post(ENROL_URL, {"otp_token": current_code(device)})

    assert first.status_code == 302
    assert second.status_code in (200, 302)
    assert client.get("/admin/").status_code == 200
    assert other.get("/admin/").status_code == 302
    assert EnrolmentCode.objects.filter(user=chair, used_at__isnull=False).count() == 1


@pytest.mark.parametrize("case", ["expired", "replaced", "another account's", "mistyped"])
def test_a_code_that_is_not_open_for_this_account_is_refused_naming_the_field(client, chair, two_factor, case):
    issued = enrolment_code_issue(member=chair, actor=None)
    code = issued.code
    if case == "expired":
        EnrolmentCode.objects.filter(user=chair).update(expires_at=timezone.now() - timedelta(seconds=1))
    elif case == "replaced":
        enrolment_code_issue(member=chair, actor=None)
    elif case == "another account's":
        code = enrolment_code_issue(member=ReviewerFactory(username="reviewer1"), actor=None).code
    else:
        code = code[:-1] + ("A" if code[-1] != "A" else "B")
    admin_login(client, "chair")

    page = client.post(ENROL_URL, {"enrolment_code": code})

    assert page.status_code == 200
    assert "enrolment_code" in page.context["form"].errors
    assert not totp_devices().filter(user=chair).exists()
    assert client.get("/admin/").status_code == 302


def test_with_the_code_given_the_password_session_still_reaches_nothing_but_the_enrolment(client, chair, two_factor):
    issued = enrolment_code_issue(member=chair, actor=None)
    admin_login(client, "chair")
    client.post(ENROL_URL, {"enrolment_code": issued.code})

    assert client.get(ENROL_URL).context["available_apps"] == []  # no map of the admin either
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/articles/article/").status_code == 302
    assert client.get("/admin/recovery-codes/").status_code == 302
    assert client.get(REVIEW_URL).status_code in (401, 403)
    assert token_login("chair").json()["error"]["code"] == "otp-not-enrolled"


def test_without_the_requirement_an_unenrolled_account_still_needs_a_code_to_enrol(client, chair):
    # Otherwise a stolen password could enrol an authenticator that then locks the owner out.
    admin_login(client, "chair")
    assert client.get("/admin/").status_code == 200

    page = client.get(ENROL_URL)

    assert "enrolment_code" in page.context["form"].fields
    assert not totp_devices().filter(user=chair).exists()


def test_only_the_chair_or_an_administrator_issues_codes(chair):
    reviewer = ReviewerFactory(username="reviewer1")

    with pytest.raises(NotAllowed):
        enrolment_code_issue(member=chair, actor=reviewer)

    assert enrolment_code_issue(member=reviewer, actor=chair).code
    assert not EnrolmentCode.objects.filter(user=chair).exists()


def test_issuing_a_code_is_audited(chair):
    reviewer = ReviewerFactory(username="reviewer1")

    enrolment_code_issue(member=reviewer, actor=chair)

    entry = AuditEntry.objects.get(action="enrolment_code_issued")
    assert entry.actor == chair
    assert entry.data["member"] == "reviewer1"
    assert audit_verify() is None
