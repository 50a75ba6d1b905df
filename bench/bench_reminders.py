"""Benchmark of the reviewer-reminder sweep: 100,000 assignments, 10,000 of them late.

    .venv/bin/python bench/bench_reminders.py [--assignments 100000] [--late 10000] [--batch-sizes 500,2000]

Creates the PostgreSQL database ``reviewboard_bench_jobs`` (``BENCH_JOBS_DATABASE_URL`` to use
another), migrates it, fills it with bulk_create (reviewers x articles under review; one late
assignment in ten, spread over the whole id range; one late assignment in ten of those already
reminded twice, so the sweep also escalates to the chair), and runs
``reviewboard.jobs.reminders.send_due_reminders`` once per batch size, from the same starting
state, with the in-memory email backend. It prints the time and the SQL queries of each run
(CaptureQueriesContext) and checks that the queries follow the number of batches, not the
number of assignments. Nothing else on the machine is touched.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reviewboard_bench_jobs"


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    with psycopg.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname="postgres",
        autocommit=True,
        connect_timeout=5,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = url
    os.environ["REDIS_URL"] = ""  # tasks in-process; the sweep is called directly anyway
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"  # locmem email backend
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def build(*, assignments: int, late: int, now) -> list[int]:
    """Fresh data; returns the ids of the late assignments already reminded twice."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group
    from django.db import connection

    from articles.models import Article, ReviewState
    from reviewboard.models import Assignment

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE reviewboard_signoff, reviewboard_assignment, articles_article, auth_user RESTART IDENTITY CASCADE"
        )
    User = get_user_model()
    no_login = make_password(None)  # unusable: nobody logs in to the benchmark database
    reviewers_n = 1000
    articles_n = -(-assignments // reviewers_n)
    users = User.objects.bulk_create(
        [
            User(
                username=f"reviewer{i}",
                email=f"reviewer{i}@example.org",
                first_name="Dr",
                last_name=f"R{i}",
                password=no_login,
            )
            for i in range(reviewers_n)
        ]
    )
    chair = User.objects.create(username="chair", email="chair@example.org", password=no_login)
    chair.groups.add(Group.objects.get(name="Board chair"))
    articles = Article.objects.bulk_create(
        [
            Article(
                slug=f"bench-article-{i}",
                question=f"What are the treatment options for condition {i}?",
                state=ReviewState.UNDER_REVIEW,
                review_hash=f"{i:064x}",
            )
            for i in range(articles_n)
        ]
    )
    every = max(1, assignments // late)
    rows, escalating_positions = [], []
    for position in range(assignments):
        is_late = position % every == 0 and position // every < late
        rows.append(
            Assignment(
                article=articles[position // reviewers_n],
                reviewer=users[position % reviewers_n],
                due_at=now - timedelta(days=2) if is_late else now + timedelta(days=5),
            )
        )
        if is_late and (position // every) % 10 == 0:
            escalating_positions.append(position)
    created = Assignment.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what autovacuum does after a bulk load; the plans depend on it
    return [created[p].pk for p in escalating_positions]


def reset(escalating: list[int], *, now) -> None:
    from reviewboard.models import Assignment

    Assignment.objects.update(reminders_sent=0, last_reminded_at=None, chair_notified_at=None)
    Assignment.objects.filter(pk__in=escalating).update(reminders_sent=2, last_reminded_at=now - timedelta(hours=25))


def run(batch_size: int, *, now) -> dict[str, float]:
    from django.core import mail
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviewboard.jobs.reminders import send_due_reminders

    mail.outbox = []
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        summary = send_due_reminders(now=now, batch_size=batch_size)
        seconds = time.perf_counter() - started
    return {
        "batch_size": batch_size,
        "batches": summary.batches,
        "queries": len(queries.captured_queries),
        "seconds": seconds,
        "sql_seconds": sum(float(q["time"]) for q in queries.captured_queries),
        "reminded": len(summary.reminded),
        "escalated": len(summary.chair_notified),
        "emails": len(mail.outbox),
    }


def machine() -> str:
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    return f"{cpu}, {os.cpu_count()} cores; Python {platform.python_version()}; PostgreSQL {pg}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--late", type=int, default=10_000)
    parser.add_argument("--batch-sizes", default="500,2000")
    args = parser.parse_args()
    batch_sizes = [int(b) for b in args.batch_sizes.split(",")]
    url = os.environ.get("BENCH_JOBS_DATABASE_URL", DEFAULT_URL)

    ensure_database(url)
    setup_django(url)
    from django.utils import timezone

    from reviewboard.models import Assignment

    now = timezone.now()
    started = time.perf_counter()
    escalating = build(assignments=args.assignments, late=args.late, now=now)
    print(
        f"built {Assignment.objects.count():,} assignments ({args.late:,} late, {len(escalating):,} of them "
        f"due for the chair) in {time.perf_counter() - started:.1f} s on {urlparse(url).path.lstrip('/')}"
    )
    print(f"machine: {machine()}; {timezone.now():%Y-%m-%d}")

    results = []
    for batch_size in batch_sizes:
        reset(escalating, now=now)
        results.append(run(batch_size, now=now))
    print()
    print(
        "batch size | batches | SQL queries | queries/batch | time (s) | of which SQL (s) | reminders | escalated "
        "| emails"
    )
    for r in results:
        print(
            f"{r['batch_size']:>10} | {r['batches']:>7} | {r['queries']:>11} | "
            f"{r['queries'] / r['batches']:>13.2f} | {r['seconds']:>8.2f} | {r['sql_seconds']:>16.2f} | "
            f"{r['reminded']:>9} | {r['escalated']:>9} | {r['emails']:>6}"
        )

    # Per batch: read + claim (+ one escalation claim when the batch escalates), plus the chairs once
    # and at most one final empty read: the count follows the batches, never the assignments.
    ok = True
    for r in results:
        if not r["batches"] * 2 <= r["queries"] <= r["batches"] * 3 + 2:
            ok = False
            print(f"FAIL: {r['queries']} queries for {r['batches']} batches of {r['batch_size']}")
        if (r["reminded"], r["escalated"]) != (args.late, len(escalating)) or r["emails"] <= args.late:
            ok = False
            print(f"FAIL: {r['reminded']} reminders, {r['escalated']} escalations, {r['emails']} emails")
    print("queries follow the batches, not the assignments" if ok else "unexpected figures")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
