"""Per-key request limits for the read API (429 with ``Retry-After``).

DRF's ``SimpleRateThrottle`` keeps every request's timestamp of the window in the cache and
rewrites that list on each request: at hundreds of requests a minute per key that is a large
pickle per request on the hot path. These throttles keep DRF's rate syntax, scopes and settings
(``DEFAULT_THROTTLE_RATES``) but count in fixed windows with ``cache.add`` + ``cache.incr`` (two
small cache operations). A fixed window can let up to twice the rate through across a window
boundary; that is the usual trade. The counts live in Django's default cache: point
``CACHE_URL`` at Redis so that every worker process shares them. With the default local-memory
cache (private to each process) they are kept in a plain dict instead.

A shared cache that cannot be reached (Redis down, a network split) never fails a read: the
throttle counts in this process instead (each process then allows the rate on its own), logs a
warning once, leaves the cache alone for ``CACHE_RETRY_SECONDS`` so that requests do not each pay
for a failed connection, and ``/healthz`` reports the outage (``cache_outage``).
"""

from __future__ import annotations

import logging
import threading
import time
from functools import cache

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.signals import setting_changed
from django.dispatch import receiver
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from articles.api.authentication import ApiClient

logger = logging.getLogger(__name__)

CACHE_RETRY_SECONDS = 30.0
# What a cache backend raises when its server is unreachable (redis-py's errors are not OSErrors).
try:
    from redis.exceptions import RedisError as _RedisError
except ImportError:  # pragma: no cover - redis is a dependency; the cache may still be another backend
    _RedisError = OSError
CACHE_ERRORS: tuple[type[BaseException], ...] = (_RedisError, OSError)

_outage: dict[str, float | str] = {"until": 0.0, "error": ""}
_windows: dict[str, tuple[int, int]] = {}  # key -> (window, count), for a local-memory cache
_windows_lock = threading.Lock()


def _count_in_process(key: str, window: int) -> int:
    """A local-memory cache is private to the process anyway: count in a dict rather than pickle
    the counter through LocMemCache twice per request. Same semantics, a fraction of the cost."""
    with _windows_lock:
        current, count = _windows.get(key, (window, 0))
        count = count + 1 if current == window else 1
        if len(_windows) > 10_000:  # forget the counters of windows that are over
            for stale in [k for k, (w, _) in _windows.items() if w != window]:
                del _windows[stale]
        _windows[key] = (window, count)
        return count


def clear_counters() -> None:
    with _windows_lock:
        _windows.clear()
    _outage.update(until=0.0, error="")


def cache_outage() -> str:
    """Why the shared cache is being bypassed now ("" when it is in use)."""
    return str(_outage["error"]) if time.monotonic() < float(_outage["until"]) else ""


def _cache_failed(exc: BaseException) -> None:
    if not cache_outage():
        logger.warning(
            "API throttle: the shared cache is unreachable (%s: %s); counting per process for %.0f s",
            exc.__class__.__name__,
            exc,
            CACHE_RETRY_SECONDS,
        )
    _outage.update(until=time.monotonic() + CACHE_RETRY_SECONDS, error=exc.__class__.__name__)


def _count_shared(backend, bucket: str, timeout: int) -> int | None:
    """The window's count in the shared cache, or None when the cache cannot be reached."""
    if cache_outage():
        return None
    try:
        try:  # the usual case: the window's counter exists (one cache operation)
            return backend.incr(bucket)
        except ValueError:  # first request of the window (or the counter was evicted)
            return 1 if backend.add(bucket, 1, timeout) else backend.incr(bucket)
    except CACHE_ERRORS as exc:
        _cache_failed(exc)
        return None


@cache
def _counts_in_process() -> bool:
    """Whether the default cache is a local-memory one, private to the process (each thread gets its own
    backend object, of the class CACHES names): decided once, not by looking the backend up per request."""
    return isinstance(caches["default"], LocMemCache)


@receiver(setting_changed)
def _forget_backend(*, setting: str, **kwargs) -> None:
    if setting == "CACHES":
        _counts_in_process.cache_clear()


class FixedWindowRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # Read at request time (DRF binds THROTTLE_RATES at import); a scope without a rate is not limited.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        return True if key is None else self._count(key)

    def _count(self, key: str) -> bool:
        now = time.time()
        window = int(now // self.duration)
        self.wait_seconds = (window + 1) * self.duration - now
        count = None
        if not _counts_in_process():  # DRF's ``cache`` attribute is a proxy to caches["default"]
            count = _count_shared(caches["default"], f"{key}:{window}", self.duration + 1)
        if count is None:
            count = _count_in_process(key, window)
        return count <= self.num_requests

    def wait(self) -> float:
        return max(1.0, self.wait_seconds)


class APIKeyRateThrottle(FixedWindowRateThrottle):
    """``DEFAULT_THROTTLE_RATES["api_key"]`` per API key (keyed by the key's prefix)."""

    scope = "api_key"

    def get_cache_key(self, request, view) -> str | None:
        if not isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.prefix}

    def allow_ident(self, prefix: str) -> bool:
        """Count one request for the key with this prefix (the detail endpoints' fast path)."""
        if self.rate is None:
            return True
        return self._count(self.cache_format % {"scope": self.scope, "ident": prefix})


class PublicReadRateThrottle(FixedWindowRateThrottle):
    """``DEFAULT_THROTTLE_RATES["anon"]`` per client address, for reads without a key."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
