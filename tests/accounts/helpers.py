"""Shared by the account tests: logging in to the admin and the token endpoint, TOTP codes."""

from __future__ import annotations

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

TOKEN_URL = "/api/v1/auth/token/"
REVIEW_URL = "/api/v1/review/articles/"
ADMIN_LOGIN = "/admin/login/"
ENROL_URL = "/admin/enrol-authenticator/"


def token_login(username: str, password: str = "pw", **extra: str):  # noqa: S107 - the factories' test password
    return APIClient().post(TOKEN_URL, {"username": username, "password": password, **extra}, format="json")


def with_token(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def admin_login(client, username: str, password: str = "pw", **extra: str):  # noqa: S107
    return client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/", **extra})


def totp_devices():
    return TOTPDevice.objects


def current_code(device) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)
    return str(code).zfill(device.digits)


def wrong_code(device) -> str:
    return str((int(current_code(device)) + 1) % 10**device.digits).zfill(device.digits)
