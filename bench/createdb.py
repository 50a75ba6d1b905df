"""Create the benchmark's PostgreSQL database when it is missing (SQLite needs nothing)."""

from __future__ import annotations

import os
import sys
from urllib.parse import unquote, urlparse

import psycopg
from psycopg import sql


def main() -> None:
    url = urlparse(os.environ["DATABASE_URL"])
    if not url.scheme.startswith("postgres"):
        return
    name = unquote(url.path.lstrip("/"))
    params = {
        "host": url.hostname or "127.0.0.1",
        "port": url.port or 5432,
        "user": unquote(url.username or "postgres"),
        "password": unquote(url.password or ""),
        "dbname": "postgres",
        "autocommit": True,
    }
    try:
        with psycopg.connect(**params) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"created database {name}")
    except psycopg.OperationalError as exc:
        sys.exit(f"PostgreSQL is not reachable at {url.hostname}:{url.port or 5432}: {exc}")


if __name__ == "__main__":
    main()
