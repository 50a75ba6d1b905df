"""Benchmark of creating one article with many references through the review API.

    .venv/bin/python bench/bench_article_create.py [--sizes 250,500,1000,2000] [--code DIR]

Creates the PostgreSQL database ``reviewboard_bench_create`` (``BENCH_CREATE_DATABASE_URL`` to use
another), migrates it and, for each size, empties the tables, then sends one
``POST /api/v1/review/articles/`` (in-process, DRF's test client) with that many references, half of
them with a DOI and half identified by title and year only (the slower library look-up), cited from
sections of 50 markers. It prints the wall time and the SQL queries (counted by an execute
wrapper) of each request. ``--code`` runs the same requests against another checkout of the
project (a baseline, in the same go).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/reviewboard_bench_create"


def payload(n: int, *, with_doi: bool | None = None) -> dict:
    """An article citing ``n`` references: with a DOI each, none, or (None) every other one.

    Also used by tests/security/test_input_limits.py (query counts)."""
    references = []
    for i in range(1, n + 1):
        reference = {"number": i, "kind": "trial", "title": f"Back pain trial number {i}", "year": 2000 + i % 20}
        if with_doi or (with_doi is None and i % 2):
            reference["doi"] = f"10.1000/bench.{i}"
        references.append(reference)
    sections = [
        {
            "heading": f"Part {k + 1}",
            "body": " ".join(f"Back pain claim [{i}]." for i in range(k * 50 + 1, k * 50 + 51)),
        }
        for k in range(n // 50)
    ]
    return {"question": "What are the treatment options for back pain?", "sections": sections, "references": references}


def _token(user) -> str:
    """A review-API token in whichever form the code under test issues them (knox since issue 13)."""
    try:
        from accounts.services import api_token_issue
    except ImportError:  # the code before issue 13: DRF's own tokens
        from rest_framework.authtoken.models import Token

        return Token.objects.create(user=user).key
    return api_token_issue(user=user, device="bench")[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="250,500,1000,2000")
    parser.add_argument("--code", default=str(Path(__file__).resolve().parent.parent))
    args = parser.parse_args()
    root = Path(args.code).resolve()
    url = os.environ.get("BENCH_CREATE_DATABASE_URL", DEFAULT_URL)
    sys.path.insert(0, str(root))
    os.environ.update(
        DATABASE_URL=url, REDIS_URL="", DJANGO_SETTINGS_MODULE="config.settings.test", LOG_LEVEL="WARNING"
    )
    os.environ["ARTICLE_MAX_REFERENCES"] = "100000"
    import subprocess

    subprocess.run([sys.executable, str(Path(__file__).with_name("createdb.py"))], check=True, env=os.environ)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from rest_framework.test import APIClient

    call_command("migrate", verbosity=0, interactive=False)
    print(f"code: {root}; python {platform.python_version()}; {platform.processor() or platform.machine()}")
    print("| references | status | seconds | queries |")
    print("|---:|---:|---:|---:|")
    for n in (int(size) for size in args.sizes.split(",")):
        call_command("flush", verbosity=0, interactive=False)
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_superuser("bench", "bench@example.org", "bench-password")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {_token(user)}")
        body = payload(n)
        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            start = time.perf_counter()
            response = client.post("/api/v1/review/articles/", body, format="json")
            seconds = time.perf_counter() - start
        print(f"| {n} | {response.status_code} | {seconds:.2f} | {len(queries)} |", flush=True)


if __name__ == "__main__":
    main()
