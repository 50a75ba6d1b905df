"""How the review API knows who is calling: a knox token, or an admin session that passed the second factor."""

from __future__ import annotations

from typing import Any

from django.utils.crypto import constant_time_compare
from knox.auth import TokenAuthentication
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from accounts.policy import needs_second_factor


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <token>``: a django-rest-knox token that has not expired, been revoked,
    or been issued before the user's latest password change."""

    def validate_user(self, auth_token: Any) -> tuple[Any, Any]:
        user, token = super().validate_user(auth_token)
        if not constant_time_compare(auth_token.password_fingerprint, user.get_session_auth_hash()):
            auth_token.delete()
            raise exceptions.AuthenticationFailed("This token ended when the password was changed: log in again.")
        return user, token


class BoardSessionAuthentication(SessionAuthentication):
    """The admin session (with CSRF), but not for a board member who has not confirmed the second factor."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and needs_second_factor(result[0]):
            return None
        return result
