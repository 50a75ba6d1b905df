"""API-key authentication for the read API, with a short per-process cache of verified keys.

Keys are djangorestframework-api-key ``APIKey`` rows (managed in admin, or by
``manage.py create_api_key NAME``) sent as ``Authorization: Api-Key <key>``. Verifying a key
costs a query and a sha512; the hot detail path must stay within its query budget and near the
speed of serving bytes from memory, so a verified key is remembered in this process, keyed by the
sha256 of the key, for ``API_KEY_CACHE_SECONDS`` (default 60) or until it expires, whichever is
first. A revoked key therefore keeps working for at most that long in a process that has just
seen it. Unknown or invalid keys are never cached.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request
from rest_framework_api_key.models import APIKey
from rest_framework_api_key.permissions import KeyParser

MAX_CACHED_KEYS = 1024


@dataclass(frozen=True)
class ApiClient:
    """The verified API key behind a request (``request.auth``)."""

    key_id: str
    prefix: str
    name: str


_verified: dict[str, tuple[ApiClient, float]] = {}
_lock = threading.Lock()
_parser = KeyParser()


def key_from_request(request) -> str | None:
    """The API key a request carries (``Authorization: Api-Key <key>``, or API_KEY_CUSTOM_HEADER)."""
    authorization = request.META.get("HTTP_AUTHORIZATION", "")
    if authorization[:8].lower() == "api-key ":  # the usual case, without a settings lookup
        return authorization[8:] or None
    return _parser.get(request)


def clear_api_key_cache() -> None:
    with _lock:
        _verified.clear()


def _cache_seconds() -> float:
    return float(getattr(settings, "API_KEY_CACHE_SECONDS", 60))


def verify_api_key(key: str) -> ApiClient | None:
    """The client behind ``key`` when it is valid (not revoked, not expired), else None."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    now = time.monotonic()
    cached = _verified.get(digest)
    if cached is not None and cached[1] > now:
        return cached[0]
    try:
        api_key = APIKey.objects.get_from_key(key)
    except APIKey.DoesNotExist:
        return None
    if api_key.has_expired:
        return None
    client = ApiClient(key_id=api_key.pk, prefix=api_key.prefix, name=api_key.name)
    ttl = _cache_seconds()
    if api_key.expiry_date is not None:
        ttl = min(ttl, (api_key.expiry_date - timezone.now()).total_seconds())
    if ttl > 0:
        with _lock:
            if len(_verified) >= MAX_CACHED_KEYS:
                _verified.clear()
            _verified[digest] = (client, now + ttl)
    return client


class APIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <key>``. No key: anonymous (the permission decides); a key that is
    not valid: 401."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[AnonymousUser, ApiClient] | None:
        key = key_from_request(request)
        if not key:
            return None
        client = verify_api_key(key)
        if client is None:
            raise exceptions.AuthenticationFailed("The API key is unknown, revoked or expired.")
        return AnonymousUser(), client

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "articles.api.authentication.APIKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'An API key from the admin or `manage.py create_api_key`, sent as "Api-Key <key>".',
        }
