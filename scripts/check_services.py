"""Fail fast, with a clear message, when the PostgreSQL or Redis that the tests need is down."""

import os
import shutil
import sys
from urllib.parse import urlparse

problems = []
db_url = os.environ.get("DATABASE_URL", "")
if not db_url.startswith(("postgres://", "postgresql://")):
    problems.append(f"DATABASE_URL must point at PostgreSQL for the test suite (got {db_url!r}).")
else:
    import psycopg
    import psycopg.sql

    parsed = urlparse(db_url)
    try:
        with psycopg.connect(
            host=parsed.hostname,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password,
            dbname="postgres",
            connect_timeout=3,
            autocommit=True,
        ) as conn:
            # The suite makes test_<name>; the database itself is made here too, for commands run against it.
            name = parsed.path.lstrip("/")
            if name and not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    except psycopg.Error as exc:
        problems.append(f"PostgreSQL at {parsed.hostname}:{parsed.port or 5432} is not reachable: {exc}")

import redis  # noqa: E402

try:
    redis.Redis.from_url(os.environ["REDIS_URL"], socket_connect_timeout=3).ping()
except redis.RedisError as exc:
    problems.append(f"Redis at {os.environ['REDIS_URL']} is not reachable: {exc}")

if not (shutil.which("chromium") or os.path.exists("/usr/bin/chromium")):
    problems.append("Chromium is missing (the browser tests need it): apt-get install chromium")

if problems:
    print("Cannot run the tests:", *problems, sep="\n  - ", file=sys.stderr)
    sys.exit(1)
