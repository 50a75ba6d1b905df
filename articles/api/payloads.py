"""Per-process cache of served payload bytes.

Validated by ETag: each request reads the article's state and its version's ETag in one query,
and the query returns the payload text only when that ETag is not the one this process holds.
An unchanged payload (tens of kilobytes, TOAST-compressed in PostgreSQL and decoded on every
fetch) is thus neither transferred nor decoded again, and a re-render changes the ETag so the same
query brings the new bytes. The client's ``If-None-Match`` plays no part in what is fetched: a
worker whose clients only revalidate still fetches the bytes once and fills its cache (it used to
skip them and then ask the database on every revalidation).

Micro-cached: an entry validated less than ``API_DETAIL_CACHE_SECONDS`` ago (default 1 s; 0 turns
this off) is served without asking the database at all, the way a reverse proxy's micro-cache
would. A new version, a re-render, a retraction or an archive therefore reaches readers at most
that long after it commits, in each worker process. Only readable answers are cached; 404 and
410 always ask the database. Bounded LRU (``API_PAYLOAD_CACHE_ENTRIES``, default 512).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.conf import settings
from django.utils.http import http_date


@dataclass(frozen=True)
class Payload:
    etag: str
    content: bytes
    last_modified: int  # seconds since the epoch: when the bytes last changed
    last_modified_http: str  # the same, as an HTTP date
    validated_at: float  # monotonic clock: when the query that last confirmed this ETag was sent


_entries: OrderedDict[Hashable, Payload] = OrderedDict()
_lock = threading.Lock()


def _now() -> float:
    return time.monotonic()


def clock() -> float:
    """Read before the query: an entry's age counts from when its database snapshot could be taken at
    the earliest, so that it is gone ``API_DETAIL_CACHE_SECONDS`` after any commit it did not see
    (the CDN purge relies on this bound, ``caching.purge_settle_seconds``)."""
    return _now()


def clear() -> None:
    with _lock:
        _entries.clear()


def known_etag(key: Hashable) -> str:
    entry = _entries.get(key)
    return entry.etag if entry is not None else ""


def fresh(key: Hashable) -> Payload | None:
    """The entry, when the database confirmed it less than API_DETAIL_CACHE_SECONDS ago."""
    entry = _entries.get(key)
    if entry is None:
        return None
    ttl = float(getattr(settings, "API_DETAIL_CACHE_SECONDS", 1.0))
    return entry if _now() - entry.validated_at < ttl else None


def confirmed(key: Hashable, etag: str, *, asked_at: float | None = None) -> Payload | None:
    """The database says ``etag`` is current: the entry holding it, marked as validated when asked."""
    entry = _entries.get(key)
    if entry is None or entry.etag != etag:
        return None
    entry = replace(entry, validated_at=_now() if asked_at is None else asked_at)
    with _lock:
        _entries[key] = entry
    return entry


def remember(
    key: Hashable, *, etag: str, payload_json: str, last_modified: int, asked_at: float | None = None
) -> Payload:
    """Keep the bytes of ``etag``, rendered at ``last_modified`` (seconds since the epoch)."""
    entry = Payload(
        etag=etag,
        content=payload_json.encode("utf-8"),
        last_modified=last_modified,
        last_modified_http=http_date(last_modified),
        validated_at=_now() if asked_at is None else asked_at,
    )
    with _lock:
        _entries[key] = entry
        _entries.move_to_end(key)
        while len(_entries) > int(getattr(settings, "API_PAYLOAD_CACHE_ENTRIES", 512)):
            _entries.popitem(last=False)
    return entry


def epoch_seconds(value: datetime) -> int:
    if value.tzinfo is None:  # SQLite through a raw cursor: naive UTC
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())
