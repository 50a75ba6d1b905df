"""Replica-aware reads (config/replicas.py): the router, the choice of a replica, lag, fences, failover
to the primary, and the purge's wait. The replicas' positions are simulated here (the test database
has no replica); the multi-node suite (tests/cluster) runs the same code against real streaming
replication."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import OperationalError, ProgrammingError

from articles.models import Article
from config import replicas

PRIMARY = "default"


class FakeCluster:
    """The primary's WAL position and each replica's replayed position (None: cannot be reached)."""

    def __init__(self, monkeypatch, *aliases: str) -> None:
        self.primary = 1000
        self.replayed: dict[str, int | None] = dict.fromkeys(aliases, 1000)
        self.clock = 100.0
        monkeypatch.setattr(replicas, "replica_aliases", lambda: list(aliases))
        monkeypatch.setattr(replicas, "_primary_lsn", lambda: self.primary)
        self.replay_age: dict[str, float | None] = dict.fromkeys(aliases)  # the last replayed commit's age
        monkeypatch.setattr(replicas, "_replay_lsn", self._replay)
        monkeypatch.setattr(replicas, "_replay_position", lambda alias: (self._replay(alias), self.replay_age[alias]))
        monkeypatch.setattr(replicas, "_close", lambda alias: None)
        monkeypatch.setattr(replicas.time, "monotonic", lambda: self.clock)
        monkeypatch.setattr(replicas.time, "sleep", self.sleep)

    def _replay(self, alias: str) -> int | None:
        position = self.replayed[alias]
        if position is None:
            raise OperationalError(f"{alias} is down")
        return position

    def sleep(self, seconds: float) -> None:
        self.clock += seconds

    def tick(self, seconds: float = 1.0) -> None:
        self.clock += seconds


@pytest.fixture(autouse=True)
def _fresh(settings):
    settings.REPLICA_MAX_LAG_SECONDS = 5.0
    settings.REPLICA_CHECK_SECONDS = 1.0
    settings.REPLICA_RETRY_SECONDS = 5.0
    replicas.reset()
    cache.clear()
    yield
    replicas.reset()
    cache.clear()


def test_the_router_sends_writes_and_reads_outside_the_read_api_to_the_primary():
    router = replicas.ReadReplicaRouter()

    assert router.db_for_read(Article) is None  # Django then uses "default"
    assert router.db_for_write(Article) == PRIMARY
    assert router.allow_migrate(PRIMARY, "articles") is True
    assert router.allow_migrate("replica0", "articles") is False


def test_a_read_api_view_reads_from_a_caught_up_replica_and_writes_still_go_to_the_primary(monkeypatch):
    FakeCluster(monkeypatch, "replica0")
    router = replicas.ReadReplicaRouter()
    seen = {}

    def view(request):
        seen["read"], seen["write"], seen["raw"] = (
            router.db_for_read(Article),
            router.db_for_write(Article),
            replicas.read_alias(),
        )
        return "answer"

    assert replicas.read_view(view)(None) == "answer"

    assert seen == {"read": "replica0", "write": PRIMARY, "raw": "replica0"}
    assert router.db_for_read(Article) is None  # nothing leaks out of the request


def test_a_replica_lagging_beyond_the_bound_is_not_read_from(monkeypatch):
    cluster = FakeCluster(monkeypatch, "replica0", "replica1")
    assert sorted(replicas.refresh()) == ["replica0", "replica1"]

    cluster.primary = 2000  # a commit: replica1 replays it, replica0 does not
    cluster.replayed["replica1"] = 2000
    for _ in range(4):
        cluster.tick()
        assert sorted(replicas.refresh()) == ["replica0", "replica1"]  # behind less than 5 s: still read
    cluster.tick()

    assert replicas.refresh() == ["replica1"]
    assert replicas.replica_status()["replica0"]["status"] == "lagging"
    assert replicas.replica_status()["replica0"]["lag_bytes"] == 1000


def test_after_a_quiet_spell_lag_is_the_age_of_the_last_replayed_commit_not_the_time_since_the_last_check(
    monkeypatch,
):
    cluster = FakeCluster(monkeypatch, "replica0")
    replicas.refresh()
    cluster.tick(600)  # nobody read for ten minutes: no check
    cluster.primary = 2000  # then a burst of writes, replayed one second late
    cluster.replayed["replica0"] = 1900
    cluster.replay_age["replica0"] = 1.0

    assert replicas.refresh() == ["replica0"]
    assert replicas.replica_status()["replica0"]["lag_seconds"] == 1.0


def test_every_replica_down_means_the_primary(monkeypatch):
    cluster = FakeCluster(monkeypatch, "replica0", "replica1")
    cluster.replayed["replica0"] = cluster.replayed["replica1"] = None

    assert replicas.choose() == PRIMARY
    status = replicas.replica_status()
    assert {alias: entry["in_use"] for alias, entry in status.items()} == {"replica0": False, "replica1": False}


def test_a_replica_failing_during_a_request_is_answered_again_from_the_primary(monkeypatch):
    FakeCluster(monkeypatch, "replica0")
    used = []

    def view(request):
        used.append(replicas.read_alias())
        if replicas.read_alias() != PRIMARY:
            raise OperationalError("server closed the connection unexpectedly")
        return "answer"

    assert replicas.read_view(view)(None) == "answer"

    assert used == ["replica0", PRIMARY]
    assert replicas.choose() == PRIMARY  # taken out for REPLICA_RETRY_SECONDS


def _dropped_once(monkeypatch, fails: dict[str, int]):
    """A view whose first ``fails[alias]`` runs on ``alias`` fail as a connection the server dropped does;
    every alias's connection was opened by an earlier request (what ``_checked_by_first_query`` reports)."""
    used = []
    monkeypatch.setattr(replicas, "_checked_by_first_query", lambda alias: True)

    def view(request):
        alias = replicas.read_alias()
        used.append(alias)
        if used.count(alias) <= fails.get(alias, 0):
            raise OperationalError("server closed the connection unexpectedly")
        return "answer"

    return view, used


def test_a_replica_connection_dropped_by_a_replica_restart_reconnects_and_keeps_the_replica(monkeypatch):
    # The replica restarted: every server thread's persistent connection to it is dead, the replica is up.
    # Taking the replica out for it sent each such thread's next read to the primary: with the primary
    # down (a failover), a 503 for REPLICA_RETRY_SECONDS per thread (seen in tests/cluster).
    FakeCluster(monkeypatch, "replica0")
    view, used = _dropped_once(monkeypatch, {"replica0": 1, PRIMARY: 9})

    assert replicas.read_view(view)(None) == "answer"

    assert used == ["replica0", "replica0"]  # once more on a new connection, the primary never asked
    assert replicas.choose() == "replica0"  # still in use


def test_a_replica_that_fails_on_a_new_connection_too_is_taken_out(monkeypatch):
    FakeCluster(monkeypatch, "replica0")
    view, used = _dropped_once(monkeypatch, {"replica0": 2})

    assert replicas.read_view(view)(None) == "answer"

    assert used == ["replica0", "replica0", PRIMARY]
    assert replicas.choose() == PRIMARY  # taken out for REPLICA_RETRY_SECONDS


def test_a_replica_and_a_primary_both_down_is_an_error_after_one_new_connection_each(monkeypatch):
    FakeCluster(monkeypatch, "replica0")
    view, used = _dropped_once(monkeypatch, {"replica0": 9, PRIMARY: 9})

    with pytest.raises(OperationalError):
        replicas.read_view(view)(None)

    assert used == ["replica0", "replica0", PRIMARY, PRIMARY]  # bounded: no loop


def test_a_failing_query_is_not_taken_for_a_replica_down(monkeypatch):
    FakeCluster(monkeypatch, "replica0")

    def view(request):
        raise ProgrammingError("column does not exist")

    with pytest.raises(ProgrammingError):
        replicas.read_view(view)(None)
    assert replicas.choose() == "replica0"


def test_the_primary_down_leaves_reads_on_the_replica(monkeypatch):
    FakeCluster(monkeypatch, "replica0")

    def primary_down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(replicas, "_primary_lsn", primary_down)

    assert replicas.choose() == "replica0"


def test_the_purge_waits_until_the_replicas_have_replayed_the_change(monkeypatch):
    cluster = FakeCluster(monkeypatch, "replica0")
    cluster.primary = 5000
    replays = iter([1000, 3000, 5000])
    monkeypatch.setattr(replicas, "_replay_lsn", lambda alias: next(replays))
    monkeypatch.setattr(replicas, "_replay_position", lambda alias: (next(replays), None))

    assert replicas.wait_for_replay() == {"replica0": "replayed"}
    assert cache.get(replicas.FENCE_KEY.format(alias="replica0")) is None


def test_a_replica_that_does_not_replay_in_time_is_fenced_until_it_has(monkeypatch):
    cluster = FakeCluster(monkeypatch, "replica0", "replica1")
    replicas.refresh()
    cluster.primary = 5000  # the retraction's commit
    cluster.replayed["replica1"] = 5000
    start = cluster.clock

    assert replicas.wait_for_replay() == {"replica0": "fenced", "replica1": "replayed"}

    # bounded: the lag bound, then one check interval so that every server has seen the fence
    assert cluster.clock - start == pytest.approx(5.0 + 1.0, abs=0.1)
    assert cache.get(replicas.FENCE_KEY.format(alias="replica0")) == 5000
    replicas.reset()  # another server process, which never saw the lag itself
    assert replicas.refresh() == ["replica1"]
    assert replicas.replica_status()["replica0"]["status"] == "fenced"
    cluster.replayed["replica0"] = 5000
    cluster.tick()
    assert sorted(replicas.refresh()) == ["replica0", "replica1"]


def test_without_replicas_nothing_waits_and_views_read_from_the_primary(settings):
    from articles.models import Article

    router = replicas.ReadReplicaRouter()

    def view(request):
        return replicas.read_alias(), router.db_for_read(Article)

    assert replicas.replica_aliases() == []
    assert replicas.wait_for_replay() == {}
    assert replicas.read_view(view)(None) == (PRIMARY, None)
    assert replicas.replica_status() == {}


@pytest.mark.django_db
def test_healthz_reports_each_replicas_lag_and_degrades_when_one_is_out(client, monkeypatch):
    cluster = FakeCluster(monkeypatch, "replica0", "replica1")
    cluster.replayed["replica1"] = None

    body = client.get("/healthz").json()

    assert body["status"] == "degraded"
    assert body["replicas"]["replica0"] == {"status": "ok", "lag_bytes": 0, "lag_seconds": 0.0, "in_use": True}
    assert body["replicas"]["replica1"]["status"].startswith("error: OperationalError")
    assert body["replicas"]["replica1"]["in_use"] is False
