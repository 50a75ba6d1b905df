"""Issue 19, item 2: passkeys (django-otp-webauthn) beside TOTP, at the HTTP level.

A software passkey (tests/accounts/softauthn.py) answers the ceremonies; the server verifies them
with py_webauthn as it would a browser's. The browser test with Chromium's virtual authenticator is
tests/browser/test_passkeys.py.
"""

from __future__ import annotations

import json

import pytest
from django_otp_webauthn.models import WebAuthnCredential

from accounts.enrolment import enrolment_code_issue
from accounts.models import EnrolmentCode
from tests.accounts.helpers import ADMIN_LOGIN, ENROL_URL, REVIEW_URL, admin_login, token_login
from tests.accounts.softauthn import SoftPasskey
from tests.factories import ChairFactory

pytestmark = pytest.mark.django_db

BASE = "/accounts/passkeys/"


@pytest.fixture
def chair(db, settings):
    settings.ACCOUNTS_REQUIRE_2FA = True
    return ChairFactory(username="chair")


def post_json(client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def register(client, passkey: SoftPasskey):
    begin = post_json(client, f"{BASE}registration/begin/")
    if begin.status_code != 200:
        return begin
    return post_json(client, f"{BASE}registration/complete/", passkey.create(begin.json()))


def verify(client, passkey: SoftPasskey, next_url: str = ""):
    begin = post_json(client, f"{BASE}authentication/begin/")
    assert begin.status_code == 200, begin.content
    suffix = f"?next={next_url}" if next_url else ""
    return post_json(client, f"{BASE}authentication/complete/{suffix}", passkey.get(begin.json()))


def test_a_password_alone_cannot_register_a_passkey(client, chair):
    admin_login(client, "chair")

    response = register(client, SoftPasskey())

    assert response.status_code == 403
    assert response.json()["code"] == "enrolment_code_required"
    assert not WebAuthnCredential.objects.exists()
    assert client.get("/admin/").status_code == 302


def test_with_the_enrolment_code_a_passkey_is_registered_spends_the_code_and_verifies_the_session(client, chair):
    issued = enrolment_code_issue(member=chair, actor=None)
    admin_login(client, "chair")
    client.post(ENROL_URL, {"enrolment_code": issued.code})

    response = register(client, SoftPasskey())

    assert response.status_code == 200, response.content
    credential = WebAuthnCredential.objects.get(user=chair)
    assert credential.confirmed
    assert EnrolmentCode.objects.get(user=chair).used_at is not None
    assert client.get("/admin/").status_code == 200
    codes_page = client.get("/admin/recovery-codes/")
    assert len(codes_page.context["codes"]) == 10


def test_a_second_session_with_the_same_code_cannot_register_once_it_was_spent(client, chair):
    from django.test import Client

    issued = enrolment_code_issue(member=chair, actor=None)
    other = Client()
    for session in (client, other):
        admin_login(session, "chair")
        session.post(ENROL_URL, {"enrolment_code": issued.code})
    begin_other = post_json(other, f"{BASE}registration/begin/")
    assert register(client, SoftPasskey()).status_code == 200

    late = post_json(other, f"{BASE}registration/complete/", SoftPasskey().create(begin_other.json()))

    assert late.status_code in (403, 409)
    assert WebAuthnCredential.objects.filter(user=chair).count() == 1
    assert other.get("/admin/").status_code == 302


def test_a_member_with_a_passkey_logs_in_with_the_password_then_the_passkey(client, chair):
    passkey = SoftPasskey()
    issued = enrolment_code_issue(member=chair, actor=None)
    enrolling = type(client)()
    admin_login(enrolling, "chair")
    enrolling.post(ENROL_URL, {"enrolment_code": issued.code})
    assert register(enrolling, passkey).status_code == 200

    assert admin_login(client, "chair").status_code == 302
    assert client.get("/admin/").status_code == 302  # the password alone: not in yet
    assert client.get(ADMIN_LOGIN)["Location"] == "/admin/second-factor/"
    assert client.get(REVIEW_URL).status_code in (401, 403)
    done = verify(client, passkey, next_url="/admin/")

    assert done.status_code == 200, done.content
    assert done.json()["redirect_url"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_password_alone_of_a_member_with_a_passkey_adds_no_second_factor(client, chair):
    issued = enrolment_code_issue(member=chair, actor=None)
    enrolling = type(client)()
    admin_login(enrolling, "chair")
    enrolling.post(ENROL_URL, {"enrolment_code": issued.code})
    assert register(enrolling, SoftPasskey()).status_code == 200
    admin_login(client, "chair")  # blank code: a session waiting for the passkey

    another = register(client, SoftPasskey())
    enrol_page = client.get(ENROL_URL)

    assert another.status_code == 403
    assert WebAuthnCredential.objects.filter(user=chair).count() == 1
    assert enrol_page.status_code == 302
    assert client.get("/admin/recovery-codes/").status_code == 302
    assert token_login("chair").json()["error"]["code"] == "otp-token-required"


def test_an_assertion_signed_by_another_key_is_refused_and_the_session_stays_unverified(client, chair):
    passkey = SoftPasskey()
    issued = enrolment_code_issue(member=chair, actor=None)
    admin_login(client, "chair")
    client.post(ENROL_URL, {"enrolment_code": issued.code})
    register(client, passkey)
    client.logout()
    admin_login(client, "chair")
    impostor = SoftPasskey()
    impostor.credential_id, impostor.user_handle = passkey.credential_id, passkey.user_handle

    refused = verify(client, impostor)

    assert 400 <= refused.status_code < 500, refused.content
    assert client.get("/admin/").status_code == 302


def test_a_passkey_verification_never_redirects_to_another_host(client, chair):
    passkey = SoftPasskey()
    issued = enrolment_code_issue(member=chair, actor=None)
    admin_login(client, "chair")
    client.post(ENROL_URL, {"enrolment_code": issued.code})
    register(client, passkey)
    client.logout()
    admin_login(client, "chair")

    done = verify(client, passkey, next_url="https://evil.example/")

    assert done.json()["redirect_url"] == "/admin/"


def test_a_passkey_only_member_gets_no_api_token_without_a_code(chair):
    WebAuthnCredential.objects.create(
        user=chair, name="x", confirmed=True, public_key=b"k", credential_id=b"c", sign_count=0
    )

    response = token_login("chair")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp-token-required"
