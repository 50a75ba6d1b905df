"""HTTP caching that a CDN can follow: ``Cache-Control``, surrogate keys, and the purge hook.

Every readable answer of the read API says ``public, max-age=API_CACHE_MAX_AGE,
stale-while-revalidate=API_CACHE_STALE_WHILE_REVALIDATE`` and carries ``Surrogate-Key`` (Fastly's
name; Varnish setups read the same header, e.g. with xkey): ``article-<slug>`` on everything about
one article, ``articles`` on the lists, ``changes`` on the site-wide feed; the review status adds
``status-<slug>``. Pending (unreviewed) content has its own short ``Cache-Control`` and only its own
key, ``pending-<slug>``, so that nothing approved is ever purged or cached with it. Anything that is not a
readable answer (410 for a retracted article above all, and every other error) says ``no-store``,
so no cache keeps it and a retraction is never served stale. Unless anyone may read
(``API_PUBLIC_READ``), readable answers also say ``Vary: Authorization``: a cache keeps one copy
per API key and never answers a request without a valid key from another client's copy.

When what readers get changes (a version published, retracted, an article archived), the board's
outbox calls ``purge(keys)`` after the commit: one HTTP request per key to ``PURGE_URL``, in the
shape Fastly and Varnish accept (method ``PURGE_METHOD``, ``PURGE`` by default or ``POST``, with a
``Surrogate-Key`` header, plus ``PURGE_HEADERS`` such as ``Fastly-Key``). No ``PURGE_URL``: nothing to
purge. A failure raises ``ConnectionError`` so that the outbox retries it with backoff.

When to purge. Each server answers from its micro-cache (``payloads``) for up to
``API_DETAIL_CACHE_SECONDS`` after it last asked the database; a purge sent at once makes the CDN
refetch from a server that still holds the retracted body. So the purge waits
``purge_settle_seconds()`` (the micro-cache's lifetime plus ``PURGE_SETTLE_MARGIN_SECONDS`` for a
query in flight and clock drift) counted from a moment after the commit, when every server's entry
holding the old answer has expired, however many servers there are: no server-to-server message
and no per-request check is needed. It is sent again ``purge_repeat_seconds()`` later
(``PURGE_REPEAT_SECONDS``), for a CDN fetch answered before the first purge but stored after it.
docs/architecture.md ("A retraction reaches every cache") says why this design.
"""

from __future__ import annotations

from functools import cache

import requests
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.http.request import HttpHeaders

LIST_KEY = "articles"
CHANGES_KEY = "changes"
NO_STORE = "no-store"


def article_key(slug: str) -> str:
    return f"article-{slug}"


@cache
def cache_control() -> str:
    return (
        f"public, max-age={settings.API_CACHE_MAX_AGE}, "
        f"stale-while-revalidate={settings.API_CACHE_STALE_WHILE_REVALIDATE}"
    )


@cache
def key_headers() -> str:
    """What a shared cache must key readable answers on: the API key's header, unless anyone may read
    (``API_PUBLIC_READ``). Without it a CDN would hand a keyed client's answer to a request that
    carries no key, or a revoked one; with it each key gets its own cached copy, and one purge by
    surrogate key still drops them all."""
    if settings.API_PUBLIC_READ:
        return ""
    custom = getattr(settings, "API_KEY_CUSTOM_HEADER", None)  # a META key: "HTTP_X_API_KEY" -> X-Api-Key
    if custom:
        return f"Authorization, {HttpHeaders.parse_header_name(custom)}"
    return "Authorization"


@receiver(setting_changed)
def _forget_headers(**kwargs) -> None:
    # Both are built once per process from the settings (a settings lookup that misses, such as
    # API_KEY_CUSTOM_HEADER unset, costs an exception: microseconds on every readable answer).
    cache_control.cache_clear()
    key_headers.cache_clear()


def cacheable(response: HttpResponse, *keys: str) -> HttpResponse:
    """Mark a readable answer (200 or 304) for shared caches, under ``keys``."""
    response["Cache-Control"] = cache_control()
    vary = key_headers()
    if vary:
        response["Vary"] = vary
    if keys:
        response["Surrogate-Key"] = " ".join(keys)
    return response


def not_stored(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def status_key(slug: str) -> str:
    """The review status of one article (``status/``): purged whenever it moves (``article.status_changed``)."""
    return f"status-{slug}"


def pending_key(slug: str) -> str:
    """One article's pending (unreviewed) content: never under an approved answer's keys."""
    return f"pending-{slug}"


def pending_cache_control() -> str:
    """Pending content's own, short ``Cache-Control``: never the approved answers' (no
    stale-while-revalidate: once its round closes a cache must not keep serving it)."""
    return f"public, max-age={settings.API_PENDING_MAX_AGE}, must-revalidate"


def pending_cacheable(response: HttpResponse, slug: str) -> HttpResponse:
    """Mark a pending answer (200 or 304): its own Cache-Control and surrogate key, the same Vary."""
    response["Cache-Control"] = pending_cache_control()
    vary = key_headers()
    if vary:
        response["Vary"] = vary
    response["Surrogate-Key"] = pending_key(slug)
    return response


def keys_for_status(slug: str) -> list[str]:
    """What to purge when an article's review status moves: its status, its pending content (a round
    opened or closed) and the changes feed (which lists status moves with ``type=status``)."""
    return [status_key(slug), pending_key(slug), CHANGES_KEY]


def keys_for_article(slug: str) -> list[str]:
    """What to purge when an article's published content changes: it, the lists and the feed."""
    return [article_key(slug), LIST_KEY, CHANGES_KEY]


def purge_settle_seconds() -> float:
    """How long after a commit the first purge waits: until no micro-cache can hold the old answer."""
    return float(settings.API_DETAIL_CACHE_SECONDS) + float(settings.PURGE_SETTLE_MARGIN_SECONDS)


def purge_repeat_seconds() -> float:
    return float(settings.PURGE_REPEAT_SECONDS)


def purge(keys: list[str]) -> int:
    """Ask the CDN to drop everything cached under ``keys``. Returns the number of requests sent."""
    url = getattr(settings, "PURGE_URL", "")
    if not url:
        return 0
    headers = dict(getattr(settings, "PURGE_HEADERS", {}) or {})
    sent = 0
    for key in keys:
        try:
            response = requests.request(
                settings.PURGE_METHOD,
                url,
                headers={**headers, "Surrogate-Key": key},
                timeout=settings.PURGE_TIMEOUT_SECONDS,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            raise ConnectionError(f"Purge of {key!r} at {url} failed: {exc}") from exc
        if response.status_code >= 300:
            raise ConnectionError(f"Purge of {key!r} at {url} answered {response.status_code}: {response.text[:200]}")
        sent += 1
    return sent
