"""Read replicas: the read API reads from PostgreSQL streaming replicas, everything else from the primary.

With ``DATABASE_REPLICA_URLS`` set (settings ``databases_from_env``), each replica is a database alias
``replica0``, ``replica1`` ... and ``ReadReplicaRouter`` is installed. The router sends a read to a
replica only inside ``read_view`` (the read API's views, ``articles/api/urls.py``); the board,
the review and client APIs, the admin, the jobs, every write and every migration use ``default``.

A reader must never get an answer the primary has already replaced because a replica lags. Two
mechanisms, one per direction:

- **The purge waits for the replicas** (``wait_for_replay``, called by the purge consumers before
  they purge the CDN and the servers' caches): it reads the primary's WAL position after the change
  committed and waits until every replica has replayed it, at most ``REPLICA_MAX_LAG_SECONDS``. A
  replica that has not caught up by then (or cannot be asked) is *fenced*: the position it must reach
  is written to the shared cache, and no server reads from it until it has replayed that far. The
  consumer then waits one ``REPLICA_CHECK_SECONDS`` so that every server has seen the fence before the
  purge. A purge is therefore late by at most ``REPLICA_MAX_LAG_SECONDS + REPLICA_CHECK_SECONDS``
  (5 + 1 s by default), and never early.
- **Readers skip a lagging replica** (``choose``): each server process checks the replicas at most once
  per ``REPLICA_CHECK_SECONDS`` (one small query to the primary and one to each replica) and reads
  only from those that are reachable, past their fence, and less than ``REPLICA_MAX_LAG_SECONDS``
  behind. None usable: the primary. A replica that fails during a request, on a new connection (a
  persistent one it dropped is first replaced, ``_answer``), is taken out for ``REPLICA_RETRY_SECONDS``
  and the request is answered again from the primary (reads are idempotent).

``replica_status()`` is what ``/healthz`` reports: per replica, reachable or not, bytes and seconds
behind the primary, whether it is in use.
"""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.utils.connection import ConnectionDoesNotExist

logger = logging.getLogger(__name__)

PRIMARY = "default"
FENCE_KEY = "replicas:fence:{alias}"

# The alias the current request reads from; None outside the read API (the router then says nothing,
# and Django uses "default").
_reading: ContextVar[str | None] = ContextVar("replica_reading", default=None)


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


class ReadReplicaRouter:
    """Reads inside ``read_view`` go to the replica chosen for the request; all else to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return _reading.get()

    def db_for_write(self, model, **hints) -> str:
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replicas are copies of the primary: the same rows

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == PRIMARY  # a replica replays the primary's schema; it is never migrated


def read_alias() -> str:
    """The database the current request reads from (for the raw-SQL selectors)."""
    return _reading.get() or PRIMARY


# --- LSN arithmetic: PostgreSQL's pg_lsn as text "X/Y" ------------------------------------------


def lsn_to_int(lsn: str | None) -> int | None:
    if not lsn:
        return None
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


def _primary_lsn() -> int | None:
    with connections[PRIMARY].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return lsn_to_int(cursor.fetchone()[0])


def _replay_position(alias: str) -> tuple[int | None, float | None]:
    """How far ``alias`` has replayed, and the age in seconds of the last transaction it replayed; None
    for a server that is not in recovery (a test mirror, or a promoted replica): it is its own primary."""
    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text END, "
            "EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8"
        )
        lsn, age = cursor.fetchone()
        return lsn_to_int(lsn), age


def _replay_lsn(alias: str) -> int | None:
    return _replay_position(alias)[0]


def _close(alias: str) -> None:
    with contextlib.suppress(DatabaseError, ConnectionDoesNotExist):
        connections[alias].close()


# --- per-process replica state -------------------------------------------------------------------


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.checked_at = float("-inf")
        self.usable: list[str] = []
        self.down_until: dict[str, float] = {}
        self.samples: deque[tuple[float, int]] = deque(maxlen=256)  # (when, primary LSN)
        self.report: dict[str, dict] = {}


_state = _State()


def reset() -> None:
    """Forget what this process knows of the replicas (tests, a configuration change)."""
    global _state
    _state = _State()


def _fences(aliases: list[str]) -> dict[str, int]:
    keys = {FENCE_KEY.format(alias=alias): alias for alias in aliases}
    try:
        found = caches["default"].get_many(list(keys))
    except Exception:  # a cache outage must not stop reads; the fences then go unseen (logged)
        logger.warning("Replica fences could not be read from the shared cache", exc_info=True)
        return {}
    return {keys[key]: int(value) for key, value in found.items()}


def _lag_seconds(
    now: float, replayed: int | None, replay_age: float | None, samples: deque[tuple[float, int]]
) -> float:
    """0 when the replica has replayed the primary's latest position. Else the smaller of two upper bounds
    of how long ago the first commit it has not replayed was made: the time since the last check at which
    the primary stood where the replica now is, and the age of the last transaction the replica replayed.
    Never an under-estimate; the first is close when checks are frequent, the second when writes are."""
    if replayed is None or not samples or samples[-1][1] <= replayed:
        return 0.0
    reached = [when for when, lsn in samples if lsn <= replayed]
    bound = now - (max(reached) if reached else samples[0][0])
    return min(bound, replay_age) if replay_age is not None else bound


def refresh(now: float | None = None) -> list[str]:
    """Check every replica (position, fence, lag) and keep the usable ones for this process."""
    now = time.monotonic() if now is None else now
    aliases = replica_aliases()
    max_lag = _setting("REPLICA_MAX_LAG_SECONDS", 5.0)
    retry = _setting("REPLICA_RETRY_SECONDS", 5.0)
    state = _state
    try:
        primary = _primary_lsn()
    except DatabaseError as exc:
        # The primary is down: no new writes can be replayed, so lag cannot grow; readers use the copies.
        _close(PRIMARY)
        primary = None
        logger.warning("Replica check: the primary cannot be reached (%s)", exc.__class__.__name__)
    if primary is not None:
        state.samples.append((now, primary))
    fences = _fences(aliases)
    usable, report = [], {}
    for alias in aliases:
        if state.down_until.get(alias, 0.0) > now:
            report[alias] = {"status": "down", "in_use": False}
            continue
        try:
            replayed, replay_age = _replay_position(alias)
        except DatabaseError as exc:
            _close(alias)
            state.down_until[alias] = now + retry
            report[alias] = {"status": f"error: {exc.__class__.__name__}", "in_use": False}
            continue
        lag_bytes = max(primary - replayed, 0) if primary is not None and replayed is not None else 0
        lag = _lag_seconds(now, replayed, replay_age, state.samples) if primary is not None else 0.0
        fenced = replayed is not None and replayed < fences.get(alias, 0)
        in_use = not fenced and lag < max_lag
        if in_use:
            usable.append(alias)
        report[alias] = {
            "status": "fenced" if fenced else ("lagging" if lag >= max_lag else "ok"),
            "lag_bytes": lag_bytes,
            "lag_seconds": round(lag, 3),
            "in_use": in_use,
        }
    with state.lock:
        state.usable, state.report, state.checked_at = usable, report, now
    return usable


def choose() -> str:
    """The alias a read-API request should read from: a usable replica, else the primary."""
    state = _state
    now = time.monotonic()
    if now - state.checked_at >= _setting("REPLICA_CHECK_SECONDS", 1.0):
        with state.lock:  # one thread of the process checks; the others use what is known
            due = now - state.checked_at >= _setting("REPLICA_CHECK_SECONDS", 1.0)
            if due:
                state.checked_at = now
        if due:
            refresh(now)
    usable = state.usable
    if not usable:
        return PRIMARY
    return usable[0] if len(usable) == 1 else random.choice(usable)  # noqa: S311 - load spreading, not security


def mark_down(alias: str) -> None:
    state = _state
    with state.lock:
        state.down_until[alias] = time.monotonic() + _setting("REPLICA_RETRY_SECONDS", 5.0)
        state.usable = [usable for usable in state.usable if usable != alias]
    _close(alias)


def _checked_by_first_query(alias: str) -> bool:
    """Let the view's own first query check ``alias``'s connection (see ``read_view``): no ``SELECT 1``
    before it (Django resets the flag at the start of every request, ``close_if_unusable_or_obsolete``).
    Returns whether that connection was opened by an earlier request, so that it may have died since."""
    try:
        wrapper = connections[alias]
    except ConnectionDoesNotExist:
        return False
    wrapper.health_check_done = True
    return wrapper.connection is not None


def read_view(view: Callable) -> Callable:
    """Run a read-only view of the read API: every one is a GET without side effects, so a second run
    is safe. Two things follow from that:

    - **Replicas.** With replicas configured, it reads from a usable one (``choose``); a replica that
      fails during the request is taken out and the view runs again on the primary.
    - **No health-check round trip.** Django's ``CONN_HEALTH_CHECKS`` sends a ``SELECT 1`` before a
      persistent connection's first query in each request: on an uncached read, one database round
      trip in two. Here the view's own first query is the check: a connection the server dropped
      since its last use (a restart, a failover) fails it, and the view runs once more on a new
      connection. A database that is really down fails that too, and the outage answer (503) follows.
      The board and the jobs keep Django's check (their requests write).
    """
    with_replicas = bool(replica_aliases())

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not with_replicas:
            return _answer(view, PRIMARY, request, args, kwargs)
        alias = choose()
        token = _reading.set(alias)
        try:
            return _answer(view, alias, request, args, kwargs)
        finally:
            _reading.reset(token)

    return wrapped


def _answer(view: Callable, alias: str, request, args: tuple, kwargs: dict):
    """Run ``view`` on ``alias``. A failed server or connection (not a failed query): a connection opened
    by an earlier request may only have been dropped since (the database restarted), so the view runs once
    more on a new one to the same database; then a replica is taken out and the primary answers; then the
    error stands (the outage answer, 503). At most two runs per database."""
    reconnected = False
    while True:
        reused = _checked_by_first_query(alias)
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError):  # the server or the connection failed, not the query
            if reused and not reconnected:
                logger.info("A persistent connection to %s was dropped; reading again on a new one", alias)
                _close(alias)
                reconnected = True
            elif alias != PRIMARY:
                logger.warning("Replica %s failed during a read; reading from the primary", alias, exc_info=True)
                mark_down(alias)
                alias, reconnected = PRIMARY, False
                _reading.set(PRIMARY)
            else:
                raise


# --- the purge side ------------------------------------------------------------------------------


def wait_for_replay(*, timeout: float | None = None, poll: float = 0.05) -> dict[str, str]:
    """Wait until every replica has replayed what the primary has committed so far.

    Call after the change committed (the purge consumers run in a later transaction). A replica still
    behind after ``timeout`` (``REPLICA_MAX_LAG_SECONDS``), or that cannot be asked, is fenced at that
    position in the shared cache; the call then waits ``REPLICA_CHECK_SECONDS`` so that every server
    process has seen the fence before the caller purges. Returns each replica's outcome
    ("replayed", "fenced"); no replicas configured: {} at once."""
    aliases = replica_aliases()
    if not aliases:
        return {}
    timeout = _setting("REPLICA_MAX_LAG_SECONDS", 5.0) if timeout is None else timeout
    target = _primary_lsn()
    deadline = time.monotonic() + timeout
    outcome: dict[str, str] = {}
    waiting = list(aliases)
    while waiting:
        for alias in list(waiting):
            try:
                replayed = _replay_lsn(alias)
            except DatabaseError:
                _close(alias)
                replayed = -1
            if replayed is None or (target is not None and replayed >= target):
                outcome[alias] = "replayed"
                waiting.remove(alias)
        if not waiting or time.monotonic() >= deadline:
            break
        time.sleep(poll)
    if waiting:
        fence_ttl = int(_setting("REPLICA_FENCE_SECONDS", 3600))
        caches["default"].set_many({FENCE_KEY.format(alias=alias): target for alias in waiting}, timeout=fence_ttl)
        for alias in waiting:
            outcome[alias] = "fenced"
        logger.warning("Replicas %s did not replay %s within %.1f s: fenced", waiting, target, timeout)
        time.sleep(_setting("REPLICA_CHECK_SECONDS", 1.0))
    return outcome


def replica_status() -> dict[str, dict]:
    """Per replica: status, lag in bytes and seconds, whether reads use it (``/healthz``)."""
    if not replica_aliases():
        return {}
    refresh()
    return dict(_state.report)
