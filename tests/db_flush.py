"""How the test database is emptied after a transactional test (``transaction=True``, ``live_server``).

Django flushes with one ``TRUNCATE`` of every table, then sends ``post_migrate``, whose receivers make
again what the migrations' receivers made: content types, permissions, the board's groups and their
permissions, the periodic jobs. Two costs, both cut here, with the same tables in the same state after:

- ``TRUNCATE`` gives each of ~70 tables and their indexes new files (0.2-0.4 s on an idle machine). The
  tables of a test hold a few rows, so ``flush_by_delete`` deletes them instead, with the audit log's
  triggers bypassed (reviewboard migration 0004; foreign keys are triggers too, so the order of the
  tables does not matter). Sequences are not reset, as Django's own ``TRUNCATE`` here does not.
- ``post_migrate`` after a flush took 0.4-0.7 s. ``QuickFlush`` does one full flush (with
  ``post_migrate``) in each test process, then notes which tables ``post_migrate`` filled and a
  fingerprint of their rows. A later flush that finds those rows exactly as noted leaves them in place
  and does not send ``post_migrate``; one that finds them changed (a test edited a group or a periodic
  job) does the full flush again and notes the new rows.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.management import call_command
from django.db import connections
from django.test import TransactionTestCase


def _plain_truncate_tables(sql: str) -> list[str] | None:
    """The quoted table names of Django's ``TRUNCATE "a", "b";``, or None for any other form."""
    body = sql.removeprefix("TRUNCATE").strip().removesuffix(";").strip()
    tables = [name.strip() for name in body.split(",")]
    if not tables or not all(len(t) > 2 and t[0] == t[-1] == '"' and '"' not in t[1:-1] for t in tables):
        return None
    return tables


class QuickFlush:
    """What the flush leaves in place (the tables ``post_migrate`` fills), per test process."""

    kept: frozenset[str] = frozenset()  # quoted table names
    fingerprint: str | None = None
    keeping = False  # set while a flush leaves ``kept`` in place

    @classmethod
    def fingerprint_now(cls) -> str:
        parts = " || '|' || ".join(
            f"(SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t::text)), '') FROM {table} t)"  # noqa: S608
            for table in sorted(cls.kept)
        )
        with connections["default"].cursor() as cursor:
            cursor.execute(f"SELECT {parts}")
            return cursor.fetchone()[0]

    @classmethod
    def note_what_post_migrate_made(cls) -> None:
        connection = connections["default"]
        tables = [connection.ops.quote_name(name) for name in connection.introspection.django_table_names(True)]
        union = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM {t})" for t in tables)  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(union)
            cls.kept = frozenset(row[0] for row in cursor.fetchall())
        cls.fingerprint = cls.fingerprint_now() if cls.kept else None

    @classmethod
    def may_keep(cls) -> bool:
        return bool(cls.kept) and cls.fingerprint_now() == cls.fingerprint


def flush_by_delete(execute: Callable, sql: str, params, many: bool, context) -> object:
    """An execute wrapper: Django's flush ``TRUNCATE`` becomes a ``DELETE`` of each table (but those
    ``QuickFlush`` keeps), as the superuser bypassing triggers for the flush's own transaction, as only a
    superuser can. A ``TRUNCATE`` with RESTART IDENTITY or CASCADE is run as is (past the triggers too), any
    other statement untouched."""
    if not (sql.startswith("TRUNCATE") and context["connection"].vendor == "postgresql"):
        return execute(sql, params, many, context)
    execute("SET LOCAL session_replication_role = replica", None, False, context)
    tables = _plain_truncate_tables(sql)
    if tables is None:  # RESTART IDENTITY or CASCADE: Django's own statement
        return execute(sql, params, many, context)
    if QuickFlush.keeping:
        tables = [table for table in tables if table not in QuickFlush.kept]
    # The names are Django's own quoted identifiers, from its statement (checked by _plain_truncate_tables).
    deletes = "".join(f"DELETE FROM {table};" for table in tables)  # noqa: S608
    return execute(deletes, None, False, context)


_django_fixture_teardown = TransactionTestCase._fixture_teardown


def fixture_teardown(test_case: TransactionTestCase) -> None:
    """``TransactionTestCase._fixture_teardown`` for the one test database: the quick flush when what
    ``post_migrate`` made is as it was noted, else Django's own (then noted)."""
    plain = (
        list(test_case._databases_names(include_mirrors=False)) == ["default"]
        and test_case.available_apps is None
        and not test_case.serialized_rollback
    )
    if not plain:
        _django_fixture_teardown(test_case)
        return
    if not QuickFlush.may_keep():
        _django_fixture_teardown(test_case)
        QuickFlush.note_what_post_migrate_made()
        return
    QuickFlush.keeping = True
    try:
        call_command(
            "flush",
            verbosity=0,
            interactive=False,
            database="default",
            reset_sequences=False,
            inhibit_post_migrate=True,
        )
    finally:
        QuickFlush.keeping = False
