"""What a locked-out login gets (django-axes ``AXES_LOCKOUT_CALLABLE``): one message, JSON under /api/.

django-axes counts failed logins per (username, client address) on every path that calls
``django.contrib.auth.authenticate`` with the request: the admin login form and
``POST /api/v1/auth/token/``. Past ``AXES_FAILURE_LIMIT`` it refuses that pair for
``AXES_COOLOFF_TIME`` and ``axes.middleware.AxesMiddleware`` answers with this response (429).
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from config.exceptions import TooManyAttempts


def lockout_error(request: HttpRequest | None = None) -> TooManyAttempts:
    cool_off = get_cool_off(request)
    minutes = int(cool_off.total_seconds() // 60) if cool_off else None
    wait = f"try again in {minutes} minutes" if minutes else "ask an administrator to unlock it"
    return TooManyAttempts(
        f"Too many failed logins for this account from this address: logins are locked; {wait}.",
        detail={"retry_after_seconds": int(cool_off.total_seconds())} if cool_off else None,
    )


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    error = lockout_error(request)
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": error.as_dict()}, status=error.status_code)
    else:
        response = render(
            request,
            "accounts/locked_out.html",
            {"title": "Login locked", "message": error.message},
            status=error.status_code,
        )
    if error.detail:
        response["Retry-After"] = str(error.detail["retry_after_seconds"])
    return response
