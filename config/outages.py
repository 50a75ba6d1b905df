"""A dependency that is down is answered in each surface's own shape, never as an HTML 500.

When PostgreSQL, or Redis (the broker and the shared cache), cannot be reached, whatever the
request was doing raises a connection error. ``outage_response`` turns it into:

- under ``/api/``: 503 in the API's error shape, ``{"error": {"code": "service-unavailable",
  "message", "detail": {"dependency": ...}}}``;
- elsewhere (the admin): a plain "temporarily unavailable" page, 503, rendered without the database
  or a template context (both may be what is down);

each with ``Retry-After`` (``OUTAGE_RETRY_AFTER_SECONDS``) and ``Cache-Control: no-store``, so no
CDN or browser keeps it. ``outage_answer`` does it for an error raised in a view (nearly all:
sessions and users are loaded lazily, inside the view), without a traceback per request in the log
(one warning per dependency at most every 30 s): ``OutageMiddleware`` calls it, and so does the read
API's own middleware (``config.middleware.ReadAPIMiddleware``); ``handler500`` (``config.urls``) for one raised
elsewhere. ``/healthz`` reports the same outages itself (``config.views.healthz``). Nothing heals
here: Django drops a broken database connection at the end of the request, so the first request
after PostgreSQL is back is served normally, without a restart.
"""

from __future__ import annotations

import json
import logging
import sys
import time

import kombu.exceptions
import redis.exceptions
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.views import defaults

logger = logging.getLogger(__name__)

DATABASE = "database"
REDIS = "broker or cache"

DEPENDENCY_ERRORS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((OperationalError, InterfaceError), DATABASE),
    ((redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, kombu.exceptions.OperationalError), REDIS),
)
LOG_EVERY_SECONDS = 30.0
_last_logged: dict[str, float] = {}

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Temporarily unavailable</title></head>
<body><h1>Temporarily unavailable</h1>
<p>The review service is temporarily unavailable (its {dependency} cannot be reached).
Nothing you sent in this request was saved. Please try again in a minute.</p></body></html>
"""


def dependency_down(exc: BaseException | None) -> str | None:
    """Which dependency ``exc`` says is unreachable, or None when it is another error."""
    for classes, dependency in DEPENDENCY_ERRORS:
        if isinstance(exc, classes):
            return dependency
    return None


def retry_after() -> int:
    return int(getattr(settings, "OUTAGE_RETRY_AFTER_SECONDS", 30))


def outage_response(request: HttpRequest, dependency: str) -> HttpResponse:
    seconds = retry_after()
    if request.path.startswith("/api/"):
        error = {
            "code": "service-unavailable",
            "message": f"The service is temporarily unavailable: its {dependency} cannot be reached. "
            f"Try again in {seconds} seconds.",
            "detail": {"dependency": dependency},
        }
        body = json.dumps({"error": error}, separators=(",", ":"))
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        response = HttpResponse(PAGE.format(dependency=dependency), status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    return response


def _log(dependency: str, exc: BaseException) -> None:
    now = time.monotonic()
    if now - _last_logged.get(dependency, -LOG_EVERY_SECONDS) >= LOG_EVERY_SECONDS:
        _last_logged[dependency] = now
        logger.warning("The %s is unreachable; answering 503 (%s: %s).", dependency, exc.__class__.__name__, exc)


def outage_answer(request: HttpRequest, exception: BaseException) -> HttpResponse | None:
    """The 503 for an error a view raised because a dependency is down (logged at most every 30 s), or
    None for any other error. What ``OutageMiddleware`` and the read API's middleware
    (``config.middleware.ReadAPIMiddleware``) answer."""
    dependency = dependency_down(exception)
    if dependency is None:
        return None
    _log(dependency, exception)
    return outage_response(request, dependency)


class OutageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_answer(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: an outage raised outside a view gets its 503; any other error under /api/ the
    API's error shape; elsewhere Django's page."""
    dependency = dependency_down(sys.exc_info()[1])
    if dependency is not None:
        return outage_response(request, dependency)
    if request.path.startswith("/api/"):
        error = {"code": "server-error", "message": "The server failed to answer this request."}
        response = HttpResponse(json.dumps({"error": error}), status=500, content_type="application/json")
        response["Cache-Control"] = "no-store"
        return response
    return defaults.server_error(request)
