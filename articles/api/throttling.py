"""Per-key request limits for the read API (429 with ``Retry-After``).

DRF's ``SimpleRateThrottle`` keeps every request's timestamp of the window in the cache and
rewrites that list on each request: at hundreds of requests a minute per key that is a large
pickle per request on the hot path. These throttles keep DRF's rate syntax, scopes and settings
(``DEFAULT_THROTTLE_RATES``) but count in fixed windows with ``cache.add`` + ``cache.incr`` (two
small cache operations). A fixed window can let up to twice the rate through across a window
boundary; that is the usual trade. The counts live in Django's default cache: point
``CACHE_URL`` at Redis so that every worker process shares them.
"""

from __future__ import annotations

import time

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from articles.api.authentication import ApiClient


class FixedWindowRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        # Read at request time (DRF binds THROTTLE_RATES at import); a scope without a rate is not limited.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        bucket = f"{key}:{window}"
        self.wait_seconds = (window + 1) * self.duration - now
        self.cache.add(bucket, 0, self.duration + 1)
        try:
            count = self.cache.incr(bucket)
        except ValueError:  # evicted between add and incr: start the window again
            self.cache.set(bucket, 1, self.duration + 1)
            count = 1
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


class PublicReadRateThrottle(FixedWindowRateThrottle):
    """``DEFAULT_THROTTLE_RATES["anon"]`` per client address, for reads without a key."""

    scope = "anon"

    def get_cache_key(self, request, view) -> str | None:
        if isinstance(request.auth, ApiClient):
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
