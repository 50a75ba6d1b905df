"""Benchmark of ``import_retractions``: 10,000 and 50,000 generated rows in the Retraction Watch layout.

    .venv/bin/python bench/bench_retractions.py [--rows 10000,50000] [--library 5000]

Uses the PostgreSQL database ``reviewboard_bench_jobs`` (``BENCH_JOBS_DATABASE_URL`` to use
another; created and migrated if missing, like ``bench_reminders.py``). Fills the reference
library with ``--library`` records, writes a CSV per size (one row in 50 names a library record
by DOI or PMID; one in ten is an expression of concern or a correction), and for each size, from
an empty retraction table: reads the file, loads it (``retractions_import``), then loads it again
(nothing changes). Prints time and SQL queries of each step, and the ratio of the largest size to
the smallest: linear time means the ratio follows the number of rows.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_reminders import DEFAULT_URL, ensure_database, machine, setup_django

HEADER = (
    "Record ID,Title,Subject,Institution,Journal,Publisher,Country,Author,URLS,ArticleType,RetractionDate,"
    "RetractionDOI,RetractionPubMedID,OriginalPaperDate,OriginalPaperDOI,OriginalPaperPubMedID,RetractionNature,"
    "Reason,Paywalled,Notes,"
)
NATURES = ["Retraction"] * 9 + ["Expression of concern", "Correction"]


def write_csv(path: Path, rows: int, library: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        for n in range(rows):
            if n % 50 == 0:  # names a library record (alternately by DOI and by PMID)
                k = (n // 50) % library
                doi, pmid = (f"10.5555/bench-{k}", "0") if k % 2 else ("unavailable", str(90000000 + k))
            else:
                doi, pmid = f"10.9999/other-{n}", "0"
            nature = NATURES[n % len(NATURES)]
            out.write(
                f'{n + 1},"Generated paper {n}, a study",(HSC) Medicine;,Inst,J Bench,Bench Press,US,A Author,,'
                f"Research Article;,{1 + n % 12}/{1 + n % 28}/2023 0:00,10.5555/notice-{n},0,1/1/2019 0:00,"
                f"{doi},{pmid},{nature},+Concerns/Issues About Data;+Error in Data;,No,,\n"
            )


def fill_library(size: int) -> None:
    from django.db import connection

    from references.models import Reference

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE references_retraction, references_reference RESTART IDENTITY CASCADE")
    Reference.objects.bulk_create(
        [
            Reference(
                title=f"Bench reference {k}",
                year=2019,
                doi=f"10.5555/bench-{k}" if k % 2 else "",
                pmid="" if k % 2 else str(90000000 + k),
            )
            for k in range(size)
        ],
        batch_size=5000,
    )


def reset() -> None:
    from django.db import connection

    from references.models import Reference

    Reference.objects.update(status=Reference.Status.CURRENT, retraction=None)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM references_retraction")


def timed(step):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = step()
        seconds = time.perf_counter() - started
    return result, seconds, len(queries.captured_queries)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="10000,50000")
    parser.add_argument("--library", type=int, default=5000)
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",")]
    url = os.environ.get("BENCH_JOBS_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    setup_django(url)
    from references.retractions import read_retractions, retractions_import

    fill_library(args.library)
    print(f"machine: {machine()}")
    print(f"library: {args.library} references")
    print("| rows | read s | load s | load queries | withdrawn | re-run s | re-run queries | changed on re-run |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    totals = {}
    with tempfile.TemporaryDirectory() as folder:
        for rows in sizes:
            path = Path(folder) / f"rw-{rows}.csv"
            write_csv(path, rows, args.library)
            reset()
            read, read_s, _ = timed(lambda path=path: read_retractions(path))
            assert not read.problems, read.problems[:3]
            first, load_s, load_q = timed(lambda read=read: retractions_import(notices=read.notices))
            again, rerun_s, rerun_q = timed(lambda read=read: retractions_import(notices=read.notices))
            changed = again.created + again.updated + again.linked
            totals[rows] = read_s + load_s
            print(
                f"| {rows:,} | {read_s:.2f} | {load_s:.2f} | {load_q} | {len(first.withdrawn)} | {rerun_s:.2f} "
                f"| {rerun_q} | {changed} |"
            )
    small, large = min(sizes), max(sizes)
    if small != large:
        print(
            f"time ratio {large:,}/{small:,} rows: {totals[large] / totals[small]:.2f} (rows ratio {large / small:.1f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
