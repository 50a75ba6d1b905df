"""The service on several nodes (scripts/cluster): a primary and a streaming replica that applies each
commit late on purpose (CLUSTER_REPLICA_DELAY, 3 s: without the purge waiting for the replica, the first
test fails), two app servers reading from the replica, two workers, beat, Redis.

Kept small for a shared 2-core machine: a few hundred requests per test, every wait bounded. The tests
run in this order: the failover leaves the rig promoted (the session then destroys it)."""

from __future__ import annotations

import http.client
import json
import time
import uuid

import pytest

from tests.cluster.conftest import Readers, poll

pytestmark = pytest.mark.cluster


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_no_reader_gets_a_retracted_body_after_the_retractions_purge(cluster):
    slug = unique("rig-retract")
    cluster.publish(slug)
    for port in cluster.app_ports:  # the servers read from the (late) replica when the retraction comes
        poll(lambda port=port: cluster.healthz(port)["replicas"]["replica0"]["in_use"], what="the replica in use")

    retraction = cluster.start_action("retract", slug)
    with Readers(cluster, slug) as readers:
        poll(lambda: len(readers.readings) >= 40, what="readers to be reading")
        retraction.stdin.write("go\n")
        retraction.stdin.close()
        event_id = int(retraction.stdout.readline())
        assert retraction.wait() == 0
        # The purge is the outbox's last consumer of version.retracted: once the event is dispatched,
        # the purge has been done (after the replica replayed the retraction).
        poll(
            lambda: cluster.sql(
                cluster.primary_port,
                "SELECT dispatched_at IS NOT NULL FROM reviewboard_event WHERE id = %s",
                (event_id,),
            )[0][0],
            what="the retraction's purge",
        )
        purged = time.monotonic()
        poll(lambda: len(readers.since(purged)) >= 100, what="readers to read after the purge")

    before, after = [r for r in readers.readings if r.started < purged], readers.since(purged)
    assert {reading.status for reading in before} <= {200, 410}
    assert any(reading.status == 200 for reading in before)
    stale = [(r.port, r.status) for r in after if r.status != 410]
    assert stale == []  # not one retracted body (nor an error) after the purge, on either server
    assert json.loads(after[-1].body)["error"]["code"] == "retracted"


def retract(cluster, slug: str) -> int:
    retraction = cluster.start_action("retract", slug)
    retraction.stdin.write("go\n")
    retraction.stdin.close()
    event_id = int(retraction.stdout.readline())
    assert retraction.wait() == 0
    return event_id


def undelivered(cluster, *slugs: str) -> int:
    query = (
        "SELECT count(*) FROM reviewboard_event e JOIN articles_article a ON a.id = e.article_id "
        "WHERE a.slug = ANY(%s) AND e.dispatched_at IS NULL"
    )
    return cluster.sql(cluster.primary_port, query, (list(slugs),))[0][0]


def test_a_point_in_time_restore_serves_what_was_live_keeps_the_audit_chain_and_the_outbox(cluster):
    live, kept, unsent, later = (unique(f"rig-pitr-{name}") for name in ("live", "kept", "unsent", "later"))
    cluster.publish(live)
    cluster.publish(unsent)
    cluster.script("backup")
    cluster.publish(kept)  # after the base backup: it comes back from the archived WAL
    # An event still pending at the target: no worker runs while unsent is retracted.
    cluster.script("stop-node", "worker1")
    cluster.script("stop-node", "worker2")
    retract(cluster, unsent)
    poll(lambda: undelivered(cluster, live, kept) == 0, what="the deliveries before the target")
    target = cluster.sql(cluster.primary_port, "SELECT now()::text")[0][0]
    cluster.script("start-node", "worker1")
    cluster.script("start-node", "worker2")
    poll(lambda: undelivered(cluster, unsent) == 0, what="the pending event delivered after the target")
    cluster.publish(later)  # after the target: must not come back
    retract(cluster, live)  # nor this
    switched = cluster.sql(cluster.primary_port, "SELECT pg_walfile_name(pg_switch_wal())")[0][0]
    poll(
        lambda: (
            (cluster.sql(cluster.primary_port, "SELECT last_archived_wal FROM pg_stat_archiver")[0][0] or "")
            >= switched
        ),
        what="the WAL archived past the target",
    )

    started = time.monotonic()
    cluster.script("restore", target)
    recovery_seconds = time.monotonic() - started
    restored = {
        **cluster.env(),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{cluster.restore_port}/reviewboard",
        "DATABASE_REPLICA_URLS": "",
    }

    reads = dict(word.split(":") for word in cluster.action("read", live, kept, unsent, later, env=restored))
    assert reads == {live: "200", kept: "200", unsent: "410", later: "404"}  # what was live at the target
    verify = cluster.manage("verify_audit_log", env=restored)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    # Delivered before the target: not sent again. Pending at the target (unsent's retraction): still due.
    before = cluster.action("outbox", live, kept, env=restored)
    assert before
    assert all(event.endswith(":delivered") for event in before)
    pending = [event for event in cluster.action("outbox", unsent, env=restored) if not event.endswith(":delivered")]
    assert "version.retracted:due" in pending
    assert all(event.endswith(":due") for event in pending)
    print(f"restore drill: point-in-time recovery took {recovery_seconds:.1f} s")  # docs/operations.md


def board_articles(cluster, port: int, token: str) -> tuple[int, dict]:
    status, body = cluster.get(port, "/api/v1/review/articles/", {"Authorization": f"Token {token}"})
    return status, json.loads(body)


def chair_token(cluster) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", cluster.app_ports[0], timeout=30)
    try:
        credentials = json.dumps({"username": "chair", "password": "cluster-demo"})
        connection.request("POST", "/api/v1/auth/token/", credentials, {"Content-Type": "application/json"})
        response = connection.getresponse()
        status, body = response.status, response.read()
    finally:
        connection.close()
    assert status == 200, body
    return json.loads(body)["token"]


def test_reads_survive_losing_either_copy_the_board_gets_503_without_the_primary_and_failover_loses_nothing(
    cluster,
):
    slug = unique("rig-failover")
    cluster.publish(slug)
    token = chair_token(cluster)
    acknowledged = cluster.action("drafts", unique("rig-before"), "3")

    with Readers(cluster, slug, threads=2, pause=0.2) as readers:
        # The replica goes: reads carry on from the primary.
        cluster.script("stop-node", "replica")
        stopped_replica = time.monotonic()
        poll(lambda: len(readers.since(stopped_replica)) >= 20, what="reads without the replica")
        assert board_articles(cluster, cluster.app_ports[0], token)[0] == 200
        acknowledged += cluster.action("drafts", unique("rig-no-replica"), "3")

        # It comes back and catches up; then the primary goes: reads carry on from the replica.
        cluster.script("start-node", "replica")
        for port in cluster.app_ports:
            poll(
                lambda port=port: cluster.healthz(port).get("replicas", {}).get("replica0", {}).get("in_use"),
                what="the replica back in use",
            )
        cluster.script("stop-node", "primary")
        stopped_primary = time.monotonic()
        poll(lambda: len(readers.since(stopped_primary)) >= 30, what="reads without the primary")

        # The board needs the primary: a clear 503 in the API's error shape, on every app server.
        for port in cluster.app_ports:
            status, body = board_articles(cluster, port, token)
            assert status == 503
            assert body["error"]["code"] == "service-unavailable"

    failed = [(r.port, r.status, r.body[:200]) for r in readers.readings if r.status != 200]
    assert failed == []  # every read answered while one copy was up
    assert readers.since(stopped_primary)

    # Failover: the replica is promoted and every process pointed at it (a configuration change).
    cluster.script("promote")
    assert cluster.env()["DATABASE_URL"].endswith(f":{cluster.replica_port}/reviewboard")
    for port in cluster.app_ports:
        assert cluster.read(port, slug)[0] == 200
        assert board_articles(cluster, port, token)[0] == 200  # the token written before the failover
    present = cluster.action("present", *acknowledged)
    assert sorted(present) == sorted(acknowledged)  # nothing acknowledged was lost
    # The service carries on: a new article through the whole workflow, rendered by a worker.
    cluster.publish(unique("rig-after"))
    verify = cluster.manage("verify_audit_log")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "chain intact" in verify.stdout
