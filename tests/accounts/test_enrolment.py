"""Issue 19, item 2: a stolen password cannot enrol a second factor.

Enrolling the first second factor needs a one-time enrolment code issued by the chair or an
administrator; until then a password-only board session can do nothing but enrol with it, and the
token endpoint refuses. Against the real PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.accounts.helpers import ADMIN_LOGIN, ENROL_URL, admin_login, current_code, token_login, totp_devices
from tests.factories import ChairFactory

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
