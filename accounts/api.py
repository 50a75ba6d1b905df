"""The review API's login endpoints: thin views over ``accounts.services``.

``POST /api/v1/auth/token/`` takes ``username``, ``password``, ``otp_token`` (board members,
where the second factor is required) and an optional ``device`` label, and answers
``{"token", "expiry", "device"}``; clients send ``Authorization: Token <token>`` as before.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import ApiTokenAuthentication
from accounts.models import ApiToken
from config.exceptions import NotFound
from config.inputs import JsonInput


class TokenInput(JsonInput):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=16,
        required=False,
        allow_blank=True,
        default="",
        help_text="The current code of the account's authenticator app, or one of its recovery codes (each "
        "works once). Required for board members (chair, reviewers, editors) where the second factor is on "
        "(production); an account with no second factor yet enrols one with a one-time enrolment code in the "
        "admin first (error otp-not-enrolled).",
    )
    device = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="A label for this client (e.g. 'ward laptop'), shown in the list of your tokens.",
    )


class TokenOutput(serializers.Serializer):
    token = serializers.CharField(help_text="Send as 'Authorization: Token <token>'. Shown only once.")
    expiry = serializers.DateTimeField(help_text="The token stops working at this time; log in again.")
    device = serializers.CharField()


class TokenInfo(serializers.Serializer):
    token_key = serializers.CharField(help_text="The first characters of the token, to tell tokens apart.")
    device = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField()
    current = serializers.BooleanField(help_text="This request was made with this token.")


def _token_info(token: ApiToken, current: Any) -> dict[str, Any]:
    return {
        "token_key": token.token_key,
        "device": token.device,
        "created": token.created,
        "expiry": token.expiry,
        "current": current is not None and token.pk == getattr(current, "pk", None),
    }


AUTH_ERRORS = {
    401: OpenApiResponse(description="No token, or the token expired, was revoked or ended by a password change."),
}


class TokenView(APIView):
    """``POST username, password[, otp_token, device]`` -> ``{"token": ...}`` for ``Authorization: Token ...``."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="auth_token_create",
        request=TokenInput,
        responses={
            200: TokenOutput,
            400: OpenApiResponse(
                description="Missing or wrong username or password; or, for board members where the second "
                "factor is required, a missing or wrong otp_token (codes otp-token-required, otp-token-invalid, "
                "otp-not-enrolled, otp-token-throttled; detail names otp_token)."
            ),
            429: OpenApiResponse(description="Too many failed logins: this account is locked for a while."),
        },
        auth=[],
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        instance, token = services.api_token_create(request=request._request, **data.validated_data)
        return Response({"token": token, "expiry": instance.expiry, "device": instance.device})


class LogoutView(APIView):
    """End the token this request was made with."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_logout", request=None, responses={204: None, **AUTH_ERRORS})
    def post(self, request: Request) -> Response:
        services.api_token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """End every token of the calling user (all devices)."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_logout_all", request=None, responses={204: None, **AUTH_ERRORS})
    def post(self, request: Request) -> Response:
        services.api_tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The calling user's tokens that have not expired, one per device login."""

    permission_classes = [IsAuthenticated]

    @extend_schema(operation_id="auth_tokens_list", responses={200: TokenInfo(many=True), **AUTH_ERRORS})
    def get(self, request: Request) -> Response:
        tokens = services.api_tokens_active(user=request.user)
        return Response([_token_info(token, request.auth) for token in tokens])


class TokenRevokeView(APIView):
    """End one of the calling user's tokens (a lost device), by its ``token_key``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_token_revoke",
        responses={204: None, **AUTH_ERRORS, 404: OpenApiResponse(description="You have no token with this key.")},
    )
    def delete(self, request: Request, token_key: str) -> Response:
        token = ApiToken.objects.filter(user=request.user, token_key=token_key).first()
        if token is None:
            raise NotFound(f"You have no token with key '{token_key}'.", code="token-not-found")
        services.api_token_revoke(token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
