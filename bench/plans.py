"""EXPLAIN (ANALYZE, BUFFERS) of the read API's hot queries, as the app issues them.

    python -m bench.plans --slug bench-article-100 --cursor <last page cursor>

Prints the plans of the list's first page, its last page (from the cursor), a filtered page
(topic + updated_since) and the detail query. Run with DJANGO_SETTINGS_MODULE=bench.settings.
"""

from __future__ import annotations

import argparse
from datetime import timedelta

import django

django.setup()

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles import selectors  # noqa: E402
from articles.api.listing import decode_cursor  # noqa: E402
from articles.models import ReviewState  # noqa: E402


def explain(title: str, sql: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    seq = [line.strip() for line in plan.splitlines() if "Seq Scan" in line]
    print(f"-- {title}: {'sequential scans: ' + '; '.join(seq) if seq else 'no sequential scan'}")
    print(plan, end="\n\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--slug", required=True)
    parser.add_argument("--cursor", required=True)
    args = parser.parse_args()
    base = {"topic": "", "since": None, "q": "", "after_at": None, "after_id": None}
    page = selectors._listing_sql(full=False, after=False, topic=False, since=False, q=False, limit=21)
    explain("list, first page", page, base)
    at, article_id = decode_cursor(args.cursor)
    last = selectors._listing_sql(full=False, after=True, topic=False, since=False, q=False, limit=21)
    explain("list, last page (cursor)", last, {**base, "after_at": at, "after_id": article_id})
    full = selectors._listing_sql(full=True, after=False, topic=False, since=False, q=False, limit=21)
    explain("list, expand=full", full, base)
    filtered = selectors._listing_sql(full=False, after=False, topic=True, since=True, q=False, limit=21)
    since = timezone.now() - timedelta(days=1)
    explain("list, topic + updated_since", filtered, {**base, "topic": "back pain", "since": since})
    explain("detail", selectors._live_sql(), [ReviewState.RETRACTED.value, "", args.slug])


if __name__ == "__main__":
    main()
