"""Issue 19, item 6: faults injected into the real stack (two app servers, a worker, beat; a
PostgreSQL and a Redis of the suite's own). After each: every acknowledged action is present once,
the audit chain verifies, and the read API answers again without restarting anything.

What operators see during each fault, and what heals without them: docs/operations.md ("Faults").
"""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime, timedelta

import pytest
import requests

from tests.reliability.stack import Stack, events, wait_for

pytestmark = pytest.mark.reliability

SLOW_MARKER = "JOBS_SLOW_RENDER_MARKER"


# --- helpers -------------------------------------------------------------------------------------


def live_slug(stack: Stack) -> str:
    """The demo article ``seed_demo_published`` approved (the worker renders it after start-up)."""
    results = wait_for(
        lambda: stack.read(stack.origins[0], "/api/v1/articles/").json()["results"], what="the demo article rendered"
    )
    return results[0]["slug"]


def assert_answer_in_shape(response: requests.Response) -> None:
    """A readable answer, or the outage's 503 in the API's error shape: never an HTML 500."""
    assert response.status_code in (200, 304, 503), (response.status_code, response.text[:300])
    if response.status_code == 503:
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.headers["Cache-Control"] == "no-store"
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["error"]["code"] == "service-unavailable"


def reads_recover(stack: Stack, path: str) -> None:
    for origin in stack.origins:
        wait_for(lambda origin=origin: stack.read(origin, path).status_code == 200, what=f"{origin}{path} answering")


def prepare(stack: Stack, tag: str) -> dict:
    """An article under review whose next sign-off (reviewer2) approves it."""
    return json.loads(stack.python_module("tests.reliability.prepare", tag))


def sign_off(stack: Stack, prepared: dict, token: str, origin: str | None = None) -> requests.Response:
    return requests.post(
        f"{origin or stack.origins[0]}/api/v1/review/articles/{prepared['slug']}/signoffs/",
        json={
            "content_hash": prepared["content_hash"],
            "accept": True,
            "acknowledgements": prepared["acknowledgements"],
        },
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )


def approve(stack: Stack, tag: str) -> str:
    prepared = prepare(stack, tag)
    response = sign_off(stack, prepared, stack.token("reviewer2"))
    assert response.status_code == 201, response.text
    reads_recover(stack, f"/api/v1/articles/{prepared['slug']}/")  # rendered by the worker
    return prepared["slug"]


def retract(stack: Stack, slug: str, token: str) -> requests.Response:
    return requests.post(
        f"{stack.origins[1]}/api/v1/review/articles/{slug}/transitions/retract/",
        json={"reason": "Dose error"},
        headers={"Authorization": f"Token {token}"},
        timeout=30,
    )


def article_id(stack: Stack, slug: str) -> int:
    return stack.postgres.scalar("SELECT id FROM articles_article WHERE slug = %s", [slug])


def versions(stack: Stack, slug: str) -> list[tuple]:
    return stack.postgres.query(
        "SELECT number, rendered_at IS NOT NULL, retracted_at IS NOT NULL FROM articles_publishedversion "
        "WHERE article_id = %s ORDER BY number",
        [article_id(stack, slug)],
    )


def article_events(stack: Stack, type_: str, slug: str) -> list[tuple]:
    ids = {
        row[0]
        for row in stack.postgres.query(
            "SELECT id FROM reviewboard_event WHERE type = %s AND article_id = %s", [type_, article_id(stack, slug)]
        )
    }
    return [row for row in events(stack, type_) if row[0] in ids]


def delivered_once(stack: Stack, type_: str, slug: str) -> list[tuple]:
    """Wait until the article's one event of ``type_`` is delivered to every consumer; returns it."""

    def done():
        rows = article_events(stack, type_, slug)
        return rows if rows and all(row[1] for row in rows) else None

    try:
        rows = wait_for(done, what=f"{type_} of {slug} delivered", timeout=150)  # the sweep runs every minute
    except AssertionError as exc:
        raise AssertionError(f"{exc} Events: {article_events(stack, type_, slug)}; logs in {stack.directory}") from None
    assert len(rows) == 1, rows
    return rows


# --- PostgreSQL ----------------------------------------------------------------------------------


def test_postgres_down_and_restarted_during_reads(healthy):
    stack = healthy
    path = f"/api/v1/articles/{live_slug(stack)}/"
    answers: list[requests.Response] = []
    stop = threading.Event()

    def reader(origin: str) -> None:
        while not stop.is_set():
            try:
                answers.append(stack.read(origin, path))
                answers.append(stack.read(origin, "/api/v1/articles/"))
            except requests.ConnectionError as exc:  # pragma: no cover - the app server itself never drops
                pytest.fail(f"{origin} refused a connection: {exc}")

    readers = [threading.Thread(target=reader, args=(origin,)) for origin in stack.origins]
    for thread in readers:
        thread.start()
    try:
        stack.postgres.restart()  # during reads
        stack.postgres.stop()  # and a longer outage: past every micro-cache
        time.sleep(1.5)
        down = [stack.read(origin, path) for origin in stack.origins]
        stack.postgres.start()
    finally:
        stop.set()
        for thread in readers:
            thread.join()

    for response in [*answers, *down]:
        assert_answer_in_shape(response)
    assert [response.status_code for response in down] == [503, 503]
    reads_recover(stack, path)  # without restarting the app servers
    stack.verify_audit_log()


def test_postgres_restarted_during_an_approval(healthy):
    stack = healthy
    prepared = prepare(stack, "pg-approval")
    token = stack.token("reviewer2")
    restart = threading.Thread(target=stack.postgres.restart)

    restart.start()
    answer = sign_off(stack, prepared, token)
    restart.join()
    while answer.status_code == 503:  # not acknowledged: the client retries, as Retry-After says
        assert_answer_in_shape(answer)
        time.sleep(0.5)
        answer = sign_off(stack, prepared, token)

    assert answer.status_code == 201, answer.text
    assert [(n, retracted) for n, _, retracted in versions(stack, prepared["slug"])] == [(1, False)]
    assert (
        stack.postgres.scalar(
            "SELECT count(*) FROM reviewboard_signoff s JOIN auth_user u ON u.id = s.reviewer_id "
            "WHERE s.article_id = %s AND u.username = 'reviewer2'",
            [article_id(stack, prepared["slug"])],
        )
        == 1
    )
    reads_recover(stack, f"/api/v1/articles/{prepared['slug']}/")
    delivered_once(stack, "version.published", prepared["slug"])
    stack.verify_audit_log()


# --- Redis ---------------------------------------------------------------------------------------


def test_redis_stopped_and_started(healthy, cdn):
    stack = healthy
    slug = approve(stack, "redis")
    chair = stack.token("chair")
    path = f"/api/v1/articles/{slug}/"

    stack.redis.stop()
    try:
        reads = [stack.read(origin, path) for origin in stack.origins]
        health = requests.get(f"{stack.origins[0]}/healthz", timeout=30)
        retracted = retract(stack, slug, chair)  # acknowledged: its events wait in the outbox
    finally:
        stack.redis.start()

    # Celery's worker exits when its broker connection is lost mid-restore ("Unrecoverable error"):
    # its supervisor starts it again (docs/operations.md); beat reconnects by itself.
    time.sleep(2)
    stack.supervise()
    assert [r.status_code for r in reads] == [200, 200]  # reading does not need Redis
    assert health.status_code == 503
    assert health.json()["broker"].startswith("error")
    assert retracted.status_code == 200, retracted.text
    for origin in stack.origins:
        wait_for(lambda origin=origin: stack.read(origin, path).status_code == 410, what=f"410 at {origin}")
    delivered_once(stack, "version.retracted", slug)  # by the sweep, once Redis is back
    assert any(r.headers.get("surrogate-key") == f"article-{slug}" for r in cdn.received)
    stack.verify_audit_log()


# --- the worker killed -----------------------------------------------------------------------------


def test_worker_killed_during_a_webhook_delivery(healthy, client_app):
    stack = healthy
    endpoint = requests.post(
        f"{stack.origins[0]}/api/v1/webhooks/",
        json={"url": client_app.url, "events": ["version.retracted"]},
        headers={"Authorization": f"Api-Key {stack.api_key}"},
        timeout=30,
    )
    assert endpoint.status_code == 201, endpoint.text
    slug = approve(stack, "kill-webhook")
    client_app.hold, client_app.arrived = 60.0, threading.Event()

    assert retract(stack, slug, stack.token("chair")).status_code == 200
    assert client_app.arrived.wait(60), "the webhook was never sent"
    stack.worker.kill()  # in the middle of the delivery
    client_app.hold = 0.0
    stack.start_worker()

    def delivered():
        rows = stack.postgres.query(
            "SELECT d.status FROM reviewboard_webhookdelivery d JOIN reviewboard_event e ON e.id = d.event_id "
            "WHERE e.article_id = %s",
            [article_id(stack, slug)],
        )
        return rows if rows and all(status == "delivered" for (status,) in rows) else None

    rows = wait_for(delivered, what="the webhook delivered after the restart", timeout=150)
    assert len(rows) == 1  # one delivery for the one event; a redelivery reuses its webhook-id
    ids = {r.headers.get("webhook-id") for r in client_app.received if slug.encode() in r.body}
    assert len(ids) == 1
    delivered_once(stack, "version.retracted", slug)
    stack.verify_audit_log()


def test_worker_killed_during_a_purge(healthy, cdn):
    stack = healthy
    slug = approve(stack, "kill-purge")
    cdn.hold, cdn.arrived = 60.0, threading.Event()

    assert retract(stack, slug, stack.token("chair")).status_code == 200
    assert cdn.arrived.wait(60), "no purge was sent"
    stack.worker.kill()  # in the middle of the purge: its delivery transaction rolls back
    cdn.hold = 0.0
    stack.start_worker()

    delivered_once(stack, "version.retracted", slug)
    purges = [r for r in cdn.received if r.headers.get("surrogate-key") == f"article-{slug}"]
    assert len(purges) >= 2  # the interrupted one, then the purge and its repeat
    for origin in stack.origins:
        assert stack.read(origin, f"/api/v1/articles/{slug}/").status_code == 410
    stack.verify_audit_log()


def test_worker_killed_during_a_publish(healthy, tmp_path):
    stack = healthy
    prepared = prepare(stack, "kill-publish")
    marker = tmp_path / "rendering"
    stack.worker.kill()
    slow = stack.start_worker(module="tests.reviewboard.jobs.slow_worker", env={SLOW_MARKER: str(marker)})

    assert sign_off(stack, prepared, stack.token("reviewer2")).status_code == 201  # acknowledged
    wait_for(marker.exists, what="the render to start")
    slow.kill()  # mid-render: its transaction rolls back, its message is unacknowledged
    stack.start_worker()
    # Beat's reconciliation (every 10 minutes, after a 2-minute grace) renders what the lost task left;
    # run its sweep now, as if that time had passed.
    later = (datetime.now().astimezone() + timedelta(minutes=5)).isoformat()
    stack.manage("reconcile_published", "--now", later)

    assert [(n, rendered) for n, rendered, _ in versions(stack, prepared["slug"])] == [(1, True)]
    reads_recover(stack, f"/api/v1/articles/{prepared['slug']}/")
    delivered_once(stack, "version.published", prepared["slug"])
    stack.verify_audit_log()


# --- the clock -----------------------------------------------------------------------------------


def test_the_clock_moved_across_a_reminder_boundary(healthy):
    stack = healthy
    prepared = prepare(stack, "clock")
    assignment, due_at = stack.postgres.query(
        "SELECT a.id, a.due_at FROM reviewboard_assignment a JOIN auth_user u ON u.id = a.reviewer_id "
        "WHERE a.article_id = %s AND u.username = 'reviewer2'",
        [article_id(stack, prepared["slug"])],
    )[0]

    def sweep(at: datetime) -> None:
        stack.manage("send_reminders", "--now", at.isoformat())

    sweep(due_at - timedelta(minutes=1))
    assert stack.postgres.scalar("SELECT reminders_sent FROM reviewboard_assignment WHERE id = %s", [assignment]) == 0
    across = due_at + timedelta(minutes=1)
    both = [threading.Thread(target=sweep, args=(across,)) for _ in range(2)]  # two sweeps at once
    for thread in both:
        thread.start()
    for thread in both:
        thread.join()
    sweep(across + timedelta(hours=1))

    assert stack.postgres.scalar("SELECT reminders_sent FROM reviewboard_assignment WHERE id = %s", [assignment]) == 1
    stack.verify_audit_log()
