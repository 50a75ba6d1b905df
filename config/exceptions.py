"""Domain errors and the one place that maps them to HTTP.

Services raise these with a stable kebab-case ``code`` and a message that says which
condition was not met. The admin turns them into ``message_user``; the API turns them into
``{"error": {"code", "message", "detail"}}`` with the status below; commands print them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ServiceError(Exception):
    status_code = 400
    default_code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.detail = detail

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            body["detail"] = self.detail
        return body


class InvalidInput(ServiceError):
    """Bad input: names the field or line that is wrong (HTTP 400)."""

    status_code = 400
    default_code = "invalid-input"


class NotAllowed(ServiceError):
    """The acting user lacks the permission for this action (HTTP 403)."""

    status_code = 403
    default_code = "permission-denied"


class NotAuthenticated(ServiceError):
    """The credentials are missing, wrong, or ended (HTTP 401)."""

    status_code = 401
    default_code = "not-authenticated"


class TooManyAttempts(ServiceError):
    """Logins for this account are locked after repeated failures (HTTP 429); ``detail`` says until when."""

    status_code = 429
    default_code = "account-locked"


class TooLarge(ServiceError):
    """The request body is larger than a limit (HTTP 413): a size in bytes, which no schema states."""

    status_code = 413
    default_code = "body-too-large"


class NotFound(ServiceError):
    status_code = 404
    default_code = "not-found"


class Conflict(ServiceError):
    """A condition of the action is not met now, or another request won the race (HTTP 409)."""

    status_code = 409
    default_code = "conflict"


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response({"error": exc.as_dict()}, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, drf_exceptions.ValidationError):
        error = {"code": "invalid-input", "message": "The request has invalid fields.", "detail": response.data}
    else:
        detail = response.data.get("detail", response.data) if isinstance(response.data, dict) else response.data
        code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
        error = {"code": str(code).replace("_", "-"), "message": str(detail)}
    response.data = {"error": error}
    return response
