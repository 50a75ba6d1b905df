"""Middleware of our own: django-csp's, with the policy header built once per process; and the read
API's one middleware (``ReadAPIMiddleware``, below), which does for its requests what five did.

django-csp rebuilds ``Content-Security-Policy`` from the settings on every response (a dataclass
``asdict`` and a dictionary walk, twice: enforced and report-only). Our policy is fixed: no view
uses a nonce or a per-view ``@csp_update``/``@csp_replace``/``@csp_exempt``. For such a response
the header is the same string every time, so it is built once, by the library's own
``build_policy``, and reused; the settings change signal forgets it (tests that override the
policy). Anything else (a nonce asked for, a view's own policy) goes through django-csp unchanged.
On the read API this was about a sixth of the time of a request served from memory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as LibraryCSPMiddleware
from csp.utils import build_policy, default_config
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.core.handlers.exception import response_for_exception
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.common import CommonMiddleware
from django.middleware.security import SecurityMiddleware

from config.outages import outage_answer

logger = logging.getLogger(__name__)

# What a view or decorator sets to change the policy of one response (django-csp 4).
PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


@cache
def _policies() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, value, excluded path prefixes) of the enforced and report-only policies, when set."""
    built = []
    for header, setting, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        value = build_policy(report_only=report_only)
        if value:
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            built.append((header, value, tuple(prefixes)))
    return tuple(built)


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY") or setting == "DEBUG":
        _policies.cache_clear()


class CSPMiddleware(LibraryCSPMiddleware):
    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(hasattr(response, a) for a in PER_RESPONSE):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (404, 500):  # django-csp leaves debug pages alone
            return response
        for header, value, excluded in _policies():
            if header not in response and not request.path_info.startswith(excluded):
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


# --- the read API's one middleware ---------------------------------------------------------------

# (lower-case name, (name, value)): how Django's ResponseHeaders stores a header (its ``_store``), so
# that a header built once is added to each response without being checked and encoded again.
StoredHeader = tuple[str, tuple[str, str]]
MAX_REMEMBERED_HOSTS = 64


@dataclass(frozen=True)
class ReadAPISettings:
    """What ``ReadAPIMiddleware`` reads from the settings: once per process, forgotten when one changes."""

    # Django's own, built from the settings as they are now: its https redirect, and CommonMiddleware's
    # refusals (user agents, the Host) and PREPEND_WWW, asked only when a setting turns them on.
    security: SecurityMiddleware | None
    common: CommonMiddleware | None
    debug: bool
    # (over https, with the policy) -> what every answer carries (unless the view set it)
    headers: dict[tuple[bool, bool], tuple[StoredHeader, ...]]
    # Host headers ALLOWED_HOSTS accepted: not checked again (at most MAX_REMEMBERED_HOSTS of them).
    allowed_hosts: set[str] = field(default_factory=set)


def read_api_policy() -> str:
    """The read API's Content-Security-Policy (``READ_API_CONTENT_SECURITY_POLICY``, in django-csp's
    shape), built by django-csp as it builds the site's; empty when the setting is."""
    policy = getattr(settings, "READ_API_CONTENT_SECURITY_POLICY", None)
    return build_policy(config=default_config(policy.get("DIRECTIVES", {}))) if policy else ""


def _headers_of_a_blank_response(*, secure: bool, policy: str) -> tuple[StoredHeader, ...]:
    """The headers Django's SecurityMiddleware and XFrameOptionsMiddleware add, from the settings they
    read, to a response that has none of its own (over https or not), then the policy: as stored."""
    request = HttpRequest()
    request.is_secure = lambda: secure  # all SecurityMiddleware asks of the request (HSTS on https only)
    response = HttpResponse()
    blank = set(response.headers._store)
    XFrameOptionsMiddleware(_no_view).process_response(request, response)
    SecurityMiddleware(_no_view).process_response(request, response)
    if policy:
        response[HEADER] = policy
    return tuple(item for item in response.headers._store.items() if item[0] not in blank)


def _no_view(request: HttpRequest) -> None:  # pragma: no cover - the middlewares above are never called
    raise AssertionError


@cache
def read_api_settings() -> ReadAPISettings:
    policy = read_api_policy()
    return ReadAPISettings(
        security=SecurityMiddleware(_no_view) if settings.SECURE_SSL_REDIRECT else None,
        common=CommonMiddleware(_no_view) if settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW else None,
        debug=settings.DEBUG,
        headers={
            (secure, with_policy): _headers_of_a_blank_response(secure=secure, policy=policy if with_policy else "")
            for secure in (False, True)
            for with_policy in (False, True)
        },
    )


@receiver(setting_changed)
def _forget_read_api_settings(**kwargs) -> None:
    read_api_settings.cache_clear()


class ReadAPIMiddleware:
    """The read API's GET and HEAD requests (``READ_API_MIDDLEWARE``, dispatched by ``config.handlers``) run
    through this one middleware. It does in one call what SecurityMiddleware, OutageMiddleware,
    CommonMiddleware, XFrameOptionsMiddleware and CSPMiddleware did for them, from the same settings:

    - before the view: the redirect of plain http to https (``SECURE_SSL_REDIRECT``, ``SECURE_SSL_HOST``,
      ``SECURE_REDIRECT_EXEMPT``), a refused user agent (``DISALLOWED_USER_AGENTS``: 403), a Host that
      is not allowed (``ALLOWED_HOSTS``: 400; a Host once accepted is not checked again until a setting
      changes), ``PREPEND_WWW``: by Django's own SecurityMiddleware and CommonMiddleware, asked only when
      a setting turns that on;
    - a view that raised because the database or Redis is down: ``config.outages.outage_answer`` (503);
    - on every answer: ``Content-Length``, then each header of ``read_api_settings().headers`` the
      response does not carry yet. Those are what SecurityMiddleware (HSTS on https, nosniff,
      Referrer-Policy, Cross-Origin-Opener-Policy) and XFrameOptionsMiddleware write, computed once per
      process by running them on a blank response, and the API's own Content-Security-Policy
      (``READ_API_CONTENT_SECURITY_POLICY``: JSON needs no source of anything). Like django-csp, the
      policy is left off Django's debug pages (404 and 500 with ``DEBUG``). They are put in the
      response's header store as Django stored them on that blank response: checking and encoding six
      fixed headers again on every response was half of this middleware's time.

    CommonMiddleware's APPEND_SLASH redirect cannot apply here: only a path that resolved into the read
    API reaches this middleware, and Django redirects only a path that does not resolve (the full stack
    still answers ``/api/v1/articles/slug``). The headers are fixed for the whole namespace: a per-view
    ``@xframe_options_exempt`` or django-csp decorator has no effect on it (its views serve JSON and use
    neither).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        read = read_api_settings()
        secure = request.is_secure()
        try:
            response = self.refusal(read, request, secure)
        except (PermissionDenied, SuspiciousOperation) as exc:  # answered as when a middleware raises them
            response = response_for_exception(request, exc)
        if response is None:
            response = self.get_response(request)
        stored = response.headers._store
        if not response.streaming and "content-length" not in stored:
            stored["content-length"] = ("Content-Length", str(len(response.content)))
        with_policy = not (read.debug and response.status_code in (404, 500))
        for lower, header in read.headers[secure, with_policy]:
            if lower not in stored:
                stored[lower] = header
        return response

    @staticmethod
    def refusal(read: ReadAPISettings, request: HttpRequest, secure: bool) -> HttpResponseBase | None:
        """A redirect, or an exception, instead of the view's answer: SecurityMiddleware's and
        CommonMiddleware's own ``process_request`` when a setting turns on what they do; None for the
        usual request, after the Host check (once per Host)."""
        if read.security is not None and not secure and (redirect := read.security.process_request(request)):
            return redirect
        if read.common is not None:
            return read.common.process_request(request)  # refused agents (403), the Host, PREPEND_WWW
        raw_host = request._get_raw_host()
        if raw_host not in read.allowed_hosts:
            request.get_host()  # refuses a Host not in ALLOWED_HOSTS (DisallowedHost: 400)
            if len(read.allowed_hosts) < MAX_REMEMBERED_HOSTS:
                read.allowed_hosts.add(raw_host)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        return outage_answer(request, exception)
