"""Per-key request limits for the read API (429 with ``Retry-After``).

DRF's ``SimpleRateThrottle`` keeps every request's timestamp of the window in the cache and
rewrites that list on each request: at hundreds of requests a minute per key that is a large
pickle per request on the hot path. These throttles keep DRF's rate syntax, scopes and settings
(``DEFAULT_THROTTLE_RATES``) but count in fixed windows with ``cache.add`` + ``cache.incr`` (two
small cache operations). A fixed window can let up to twice the rate through across a window
boundary; that is the usual trade. The counts live in Django's default cache: point
``CACHE_URL`` at Redis so that every worker process shares them. With the default local-memory
cache (private to each process) they are kept in a plain dict instead.
"""

from __future__ import annotations

import threading
import time

from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from articles.api.authentication import ApiClient

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
        backend = caches["default"]  # DRF's ``cache`` attribute is a proxy to it
        if isinstance(backend, LocMemCache):
            count = _count_in_process(key, window)
        else:
            bucket = f"{key}:{window}"
            try:  # the usual case: the window's counter exists (one cache operation)
                count = backend.incr(bucket)
            except ValueError:  # first request of the window (or the counter was evicted)
                count = 1 if backend.add(bucket, 1, self.duration + 1) else backend.incr(bucket)
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
