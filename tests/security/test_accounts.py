"""Issue 13, item 4: board accounts. Lockout after failed logins (admin and token endpoint), TOTP
second factor required of board members where the setting is on, expiring per-device API tokens
ended by a password change, the full set of password validators, sessions that expire.

Against the real PostgreSQL; each test says what an attacker or a board member does and sees.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from tests.accounts.helpers import (
    ADMIN_LOGIN,
    REVIEW_URL,
    admin_login,
    current_code,
    token_login,
    totp_devices,
    with_token,
    wrong_code,
)
from tests.factories import AuthorFactory, ChairFactory, ReviewerFactory
from tests.security.production import run_with_production_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def chair(db):
    return ChairFactory(username="chair")


@pytest.fixture
def lockout(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=30)
    return settings.AXES_FAILURE_LIMIT


@pytest.fixture
def two_factor(settings):
    settings.ACCOUNTS_REQUIRE_2FA = True


@pytest.fixture
def enrolled(chair):
    return totp_devices().create(user=chair, name="phone", confirmed=True)


# --- lockout -------------------------------------------------------------------------------


def test_the_token_endpoint_locks_the_account_after_repeated_wrong_passwords(chair, lockout):
    for _ in range(lockout - 1):
        assert token_login("chair", "wrong").status_code == 400

    locked = token_login("chair", "wrong")
    then_right = token_login("chair", "pw")

    assert locked.status_code == 429
    assert then_right.status_code == 429
    error = then_right.json()["error"]
    assert error["code"] == "account-locked"
    assert "try again in 30 minutes" in error["message"]
    assert then_right["Retry-After"] == "1800"
    assert not chair.auth_token_set.exists()


def test_the_admin_login_locks_the_account_after_repeated_wrong_passwords(client, chair, lockout):
    for _ in range(lockout):
        admin_login(client, "chair", "wrong")

    response = admin_login(client, "chair", "pw")

    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_failures_on_one_path_count_on_the_other(client, chair, lockout):
    for _ in range(lockout):
        admin_login(client, "chair", "wrong")

    assert token_login("chair", "pw").status_code == 429


def test_a_lockout_is_per_account_and_ends_with_the_reset_command(chair, lockout):
    AuthorFactory(username="author")
    for _ in range(lockout):
        token_login("chair", "wrong")
    assert token_login("author", "pw").status_code == 200

    call_command("axes_reset_username", "chair")

    assert token_login("chair", "pw").status_code == 200


def test_a_right_password_before_the_limit_clears_the_count(chair, lockout):
    for _ in range(lockout - 1):
        token_login("chair", "wrong")
    assert token_login("chair", "pw").status_code == 200
    for _ in range(lockout - 1):
        token_login("chair", "wrong")

    assert token_login("chair", "pw").status_code == 200


# --- tokens --------------------------------------------------------------------------------


def test_the_token_endpoint_answers_token_expiry_and_device_and_the_token_works(chair):
    response = token_login("chair", device="ward laptop")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expiry", "device"}
    assert body["device"] == "ward laptop"
    expiry = timezone.datetime.fromisoformat(body["expiry"])
    assert timedelta(hours=23) < expiry - timezone.now() <= django_settings.REST_KNOX["TOKEN_TTL"]
    assert with_token(body["token"]).get(REVIEW_URL).status_code == 200


def test_an_expired_token_is_refused(chair):
    token = token_login("chair").json()["token"]
    chair.auth_token_set.update(expiry=timezone.now() - timedelta(seconds=1))

    response = with_token(token).get(REVIEW_URL)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication-failed"


def test_a_password_change_ends_every_token_of_the_user(chair):
    laptop = token_login("chair", device="laptop").json()["token"]
    phone = token_login("chair", device="phone").json()["token"]

    chair.set_password("a-new-long-passphrase")
    chair.save()

    for token in (laptop, phone):
        response = with_token(token).get(REVIEW_URL)
        assert response.status_code == 401
        assert "password was changed" in response.json()["error"]["message"]
    assert not chair.auth_token_set.exists()


def test_tokens_are_per_device_listed_and_revocable(chair):
    laptop = token_login("chair", device="laptop").json()["token"]
    phone = token_login("chair", device="phone").json()["token"]
    tablet = token_login("chair", device="tablet").json()["token"]

    listed = with_token(laptop).get("/api/v1/auth/tokens/").json()
    assert sorted(t["device"] for t in listed) == ["laptop", "phone", "tablet"]
    assert [t["device"] for t in listed if t["current"]] == ["laptop"]

    assert with_token(phone).post("/api/v1/auth/logout/").status_code == 204
    assert with_token(phone).get(REVIEW_URL).status_code == 401
    assert with_token(laptop).get(REVIEW_URL).status_code == 200

    tablet_key = next(t["token_key"] for t in listed if t["device"] == "tablet")
    assert with_token(laptop).delete(f"/api/v1/auth/tokens/{tablet_key}/").status_code == 204
    assert with_token(tablet).get(REVIEW_URL).status_code == 401

    assert with_token(laptop).post("/api/v1/auth/logout-all/").status_code == 204
    assert with_token(laptop).get(REVIEW_URL).status_code == 401


def test_a_token_key_of_another_user_is_not_found(chair):
    other = ReviewerFactory(username="reviewer1")
    token_login("reviewer1")
    mine = token_login("chair").json()["token"]
    key = other.auth_token_set.get().token_key

    response = with_token(mine).delete(f"/api/v1/auth/tokens/{key}/")

    assert response.status_code == 404
    assert other.auth_token_set.exists()


# --- second factor -------------------------------------------------------------------------


def test_with_2fa_required_a_board_member_needs_otp_token_at_the_token_endpoint(chair, two_factor, enrolled):
    response = token_login("chair")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "otp-token-required"
    assert "otp_token" in error["detail"]
    assert not chair.auth_token_set.exists()


def test_with_2fa_required_a_wrong_code_is_refused_naming_the_field(chair, two_factor, enrolled):
    response = token_login("chair", otp_token=wrong_code(enrolled))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp-token-invalid"
    assert "otp_token" in response.json()["error"]["detail"]


def test_with_2fa_required_the_current_code_gets_a_token(chair, two_factor, enrolled):
    response = token_login("chair", otp_token=current_code(enrolled))

    assert response.status_code == 200
    assert with_token(response.json()["token"]).get(REVIEW_URL).status_code == 200


def test_wrong_codes_are_throttled_so_guessing_is_slow(chair, two_factor, enrolled):
    token_login("chair", otp_token=wrong_code(enrolled))

    response = token_login("chair", otp_token=current_code(enrolled))

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp-token-throttled"


def test_with_2fa_required_a_board_member_without_an_authenticator_is_told_to_enrol(chair, two_factor):
    response = token_login("chair")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "otp-not-enrolled"


def test_with_2fa_required_authors_still_log_in_with_a_password(two_factor):
    AuthorFactory(username="author")

    assert token_login("author").status_code == 200


def test_with_2fa_required_the_admin_asks_an_enrolled_member_for_the_code(client, chair, two_factor, enrolled):
    without = admin_login(client, "chair")
    assert without.status_code == 200
    assert "otp_token" in without.context["form"].errors
    assert client.get("/admin/").status_code == 302

    with_code = admin_login(client, "chair", otp_token=current_code(enrolled))

    assert with_code.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_with_2fa_required_a_member_without_an_authenticator_enrols_one_from_the_admin(client, chair, two_factor):
    from accounts.enrolment import enrolment_code_issue  # issue 19: the first enrolment needs a one-time code

    issued = enrolment_code_issue(member=chair, actor=None)
    response = admin_login(client, "chair")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302  # not in yet: the session has no second factor
    enrol = client.get(ADMIN_LOGIN)
    assert enrol.status_code == 302
    assert enrol["Location"] == "/admin/enrol-authenticator/"
    assert client.post("/admin/enrol-authenticator/", {"enrolment_code": issued.code}).status_code == 302

    page = client.get("/admin/enrol-authenticator/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = totp_devices().get(user=chair, confirmed=False)
    assert client.post("/admin/enrol-authenticator/", {"otp_token": wrong_code(device)}).status_code == 200
    device.refresh_from_db()
    device.throttle_reset()

    done = client.post("/admin/enrol-authenticator/", {"otp_token": current_code(device)})

    assert done.status_code == 302
    assert totp_devices().get(pk=device.pk).confirmed
    assert client.get("/admin/").status_code == 200


def test_an_enrolled_member_cannot_enrol_another_device_with_the_password_alone(client, chair, two_factor, enrolled):
    admin_login(client, "chair")  # wrong: no code, so not even logged in

    assert client.get("/admin/enrol-authenticator/").status_code == 302
    assert not totp_devices().filter(user=chair, confirmed=False).exists()


def test_an_unverified_board_session_does_not_reach_the_review_api(client, chair, two_factor):
    client.force_login(chair)

    assert client.get(REVIEW_URL).status_code in (401, 403)


def test_without_the_requirement_existing_logins_keep_working(client, chair):
    assert token_login("chair").status_code == 200
    assert admin_login(client, "chair").status_code == 302
    assert client.get("/admin/").status_code == 200


def test_production_settings_require_the_second_factor():
    out = run_with_production_settings(
        "from django.conf import settings; print(settings.ACCOUNTS_REQUIRE_2FA)", without=("ACCOUNTS_REQUIRE_2FA",)
    )

    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr


# --- passwords and sessions ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("reviewer7", "too similar"),
        ("8401975320", "entirely numeric"),
        ("short-pw", "too short"),
        ("password123", "too common"),
    ],
)
def test_weak_passwords_are_refused(password, why):
    user = get_user_model()(username="reviewer7", first_name="Rita", email="reviewer7@example.org")

    with pytest.raises(ValidationError) as refused:
        validate_password(password, user)

    assert why in " ".join(refused.value.messages)


def test_the_demo_password_passes_the_validators_but_the_documented_similarity_to_reviewer_names():
    from reviewboard.management.commands.seed_demo import _validators_for

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115 - discarded output

    for user in get_user_model().objects.filter(is_staff=True):
        assert user.check_password("review-demo")
        validate_password("review-demo", user, password_validators=_validators_for("review-demo"))
    with pytest.raises(ValidationError, match="too similar"):
        validate_password("review-demo", get_user_model().objects.get(username="reviewer1"))


def test_seed_demo_refuses_a_weak_password_and_writes_nothing():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--password is refused for account 'author'"):
        call_command("seed_demo", "--password", "author", stdout=open(os.devnull, "w"))  # noqa: SIM115

    assert not get_user_model().objects.filter(username="author").exists()


def test_admin_sessions_expire_after_the_configured_age_and_at_browser_close(client, chair, settings):
    settings.SESSION_COOKIE_AGE = 12 * 3600

    response = admin_login(client, "chair")

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""  # a browser-session cookie
    assert cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()
    remaining = client.session.get_expiry_date() - timezone.now()
    assert timedelta(hours=11, minutes=59) < remaining <= timedelta(hours=12)
