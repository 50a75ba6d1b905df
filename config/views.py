"""Small site-level views: the landing redirect and the health check."""

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views import defaults

from articles.api.throttling import CACHE_ERRORS, cache_outage
from config.replicas import replica_status


def home(request: HttpRequest) -> HttpResponse:
    return redirect("admin:index")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for URLs that match no route: JSON in the API's error shape under /api/, else Django's page."""
    if request.path.startswith("/api/"):
        error = {"code": "not-found", "message": "No such endpoint or resource."}
        return JsonResponse({"error": error}, status=404)
    return defaults.page_not_found(request, exception)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400 raised outside a view's own handling (Django's SuspiciousOperation): under /api/ in the API's
    JSON error shape, with 413 for a body above DATA_UPLOAD_MAX_MEMORY_SIZE; else Django's page."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        error = {
            "code": "request-too-large",
            "message": f"The request body is larger than {limit:,} bytes.",
            "detail": {"limit": limit},
        }
        return JsonResponse({"error": error}, status=413)
    if isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        error = {"code": "too-many-fields", "message": "The request has too many form fields or files."}
        return JsonResponse({"error": error}, status=400)
    error = {"code": "bad-request", "message": "The request could not be read."}
    return JsonResponse({"error": error}, status=400)


def healthz(request: HttpRequest) -> JsonResponse:
    """Report database, broker and cache reachability: 200 when the database and broker answer, 503
    (naming the failure) when not; a cache outage is reported as "degraded" with 200.

    Read from settings at request time. With no broker configured (tasks run in-process) the
    broker is reported as such and does not make the service unhealthy.
    """
    checks = {"database": _database_status(), "broker": _broker_status()}
    healthy = all(value == "ok" or value.startswith("in-process") for value in checks.values())
    # A cache outage degrades (API throttling counts per process) but reading still works: 200.
    cache = _cache_status()
    status = "ok" if healthy and cache == "ok" else "degraded"
    body = {"status": status, **checks, "cache": cache}
    # Read replicas (config.replicas), when configured: each one's lag and whether reads use it. A replica
    # down or lagging degrades (reads fall back to the primary) but never makes the service unhealthy.
    if replicas := replica_status():
        body["replicas"] = replicas
        if status == "ok" and not all(replica["in_use"] for replica in replicas.values()):
            body["status"] = "degraded"
    return JsonResponse(body, status=200 if healthy else 503)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable", reported not raised
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _cache_status() -> str:
    try:
        caches["default"].get("healthz:probe")
    except CACHE_ERRORS as exc:
        return f"error: {exc.__class__.__name__} (API throttling counts per process)"
    if outage := cache_outage():
        return f"error: {outage} a moment ago (API throttling counts per process)"
    return "ok"


def _broker_status() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "in-process (no broker configured)"
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception as exc:  # noqa: BLE001 - any failure means "unreachable", reported not raised
        return f"error: {exc.__class__.__name__}"
    return "ok"
