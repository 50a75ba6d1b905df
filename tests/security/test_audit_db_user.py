"""Issue 13, item 8: the audit log against a database user.

On PostgreSQL, triggers refuse UPDATE, DELETE and TRUNCATE of audit entries to any role that
cannot switch triggers off; signed checkpoints of the chain head, kept in their own table, let
``verify_audit_log`` prove that nothing up to the last checkpoint was removed from the end.
"""

from __future__ import annotations

import io
import logging
import os

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from reviewboard.audit.chain import audit_append, entry_hash
from reviewboard.audit.checkpoints import audit_checkpoint_create
from reviewboard.models import AuditEntry
from reviewboard.schedules import JOBS
from tests.factories import UserFactory
from tests.security.production import run_with_production_settings

TABLE = AuditEntry._meta.db_table
CHECKPOINTS = "reviewboard_auditcheckpoint"


def checkpoints():
    from reviewboard.models import AuditCheckpoint  # imported late: each test here fails on its own before issue 13

    return AuditCheckpoint.objects


def append(count: int, *, start: int = 0) -> list[AuditEntry]:
    actor = UserFactory()
    return [audit_append(action=f"act-{start + i}", actor=actor) for i in range(count)]


def as_superuser_past_the_triggers(sql: str, params=()) -> None:
    """What only a superuser can do: switch triggers off for one transaction, then tamper."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)


def verify() -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify_audit_log", stdout=out)
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


# --- the triggers --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        f"UPDATE {TABLE} SET comment = 'nothing happened'",  # noqa: S608 - our table name
        f"DELETE FROM {TABLE} WHERE seq = 3",  # noqa: S608
    ],
)
def test_the_database_refuses_changing_or_removing_audit_entries(db, sql):
    """(TRUNCATE is refused too: see the next test, outside the test's transaction.)"""
    entries = append(3)

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)

    assert [e.comment for e in AuditEntry.objects.order_by("seq")] == [e.comment for e in entries]
    assert verify()[0] == 0


@pytest.fixture
def app_role(transactional_db):
    """A login role like the service's own: every privilege on the audit tables, not their owner."""
    name = f"audit_app_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP ROLE IF EXISTS {name}")
        cursor.execute(f"CREATE ROLE {name} LOGIN")
        cursor.execute(f"GRANT ALL PRIVILEGES ON {TABLE}, {CHECKPOINTS} TO {name}")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"REVOKE ALL PRIVILEGES ON {TABLE}, {CHECKPOINTS} FROM {name}")
        cursor.execute(f"DROP ROLE {name}")


def test_a_database_user_with_every_privilege_cannot_rewrite_the_log(app_role):
    append(3)
    audit_checkpoint_create()
    settings_dict = connection.settings_dict
    dsn = f"host={settings_dict['HOST']} port={settings_dict['PORT']} dbname={settings_dict['NAME']} user={app_role}"
    statements = [
        f"UPDATE {TABLE} SET comment = 'edited' WHERE seq = 2",  # noqa: S608
        f"DELETE FROM {TABLE} WHERE seq = 3",  # noqa: S608
        f"TRUNCATE {TABLE}",
        "DELETE FROM reviewboard_auditcheckpoint",
        "UPDATE reviewboard_auditcheckpoint SET seq = 1",
        "SET session_replication_role = replica",  # the way past the triggers is for superusers only
    ]
    refusals = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for sql in statements:
            with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
                conn.execute(sql)
            refusals.append(str(refused.value))

    assert all("append-only" in message for message in refusals[:5]), refusals
    assert AuditEntry.objects.count() == 3
    assert verify()[0] == 0


# --- checkpoints ---------------------------------------------------------------------------


def test_deleting_the_newest_entries_is_detected_up_to_the_last_checkpoint(db):
    append(5)
    checkpoint = audit_checkpoint_create()
    assert checkpoint.seq == 5
    assert verify()[0] == 0

    as_superuser_past_the_triggers(f"DELETE FROM {TABLE} WHERE seq >= 4")  # noqa: S608

    status, message = verify()
    assert status == 1
    assert "entries were deleted" in message
    assert "signed entry seq 5" in message
    assert "chain ends at seq 3" in message


def test_verify_reports_the_checkpoints_and_the_entries_since_the_last(db):
    append(3)
    audit_checkpoint_create()
    append(2, start=3)

    status, output = verify()

    assert status == 0
    assert "5 entries, chain intact" in output
    assert "1 checkpoints verified; the last, at seq 3" in output
    assert "2 entries since" in output


def test_a_forged_or_altered_checkpoint_is_detected(db):
    append(3)
    audit_checkpoint_create()
    as_superuser_past_the_triggers("UPDATE reviewboard_auditcheckpoint SET signature = %s", ["0" * 64])

    status, message = verify()

    assert status == 1
    assert "no configured key" in message


def test_a_rewritten_chain_does_not_match_its_checkpoint(db):
    entries = append(3)
    audit_checkpoint_create()
    # Rewrite entry 3 with a recomputed, self-consistent hash: the chain alone would pass.
    entry = AuditEntry.objects.get(pk=entries[2].pk)
    entry.comment = "rewritten"
    new_hash = entry_hash(entry)
    as_superuser_past_the_triggers(
        f"UPDATE {TABLE} SET comment = %s, entry_hash = %s WHERE id = %s",  # noqa: S608
        ["rewritten", new_hash, entry.pk],
    )

    status, message = verify()

    assert status == 1
    assert "is not the one checkpointed" in message


def test_a_checkpoint_is_made_only_when_the_head_moved_and_announced_after_commit(
    db, django_capture_on_commit_callbacks, caplog
):
    assert audit_checkpoint_create() is None  # empty log
    append(2)
    with caplog.at_level(logging.INFO), django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = audit_checkpoint_create()
    again = audit_checkpoint_create()

    assert again.pk == first.pk
    assert checkpoints().count() == 1
    assert len(callbacks) == 1
    assert f"audit checkpoint seq=2 entry_hash={first.entry_hash}" in caplog.text


def test_the_periodic_task_and_the_command_create_checkpoints(db):
    from reviewboard.tasks import checkpoint_audit_log

    assert "reviewboard.checkpoint_audit_log" in {job.task for job in JOBS}
    append(2)
    assert checkpoint_audit_log.run() == {"seq": 2}
    append(1, start=2)
    out = io.StringIO()

    call_command("checkpoint_audit_log", stdout=out)

    assert out.getvalue().startswith("Checkpoint at seq 3")
    assert list(checkpoints().values_list("seq", flat=True)) == [2, 3]


def test_key_rotation_keeps_old_checkpoints_verifiable_and_resign_moves_them_to_the_new_key(db, settings):
    settings.AUDIT_CHECKPOINT_KEY = "old-key-" + "o" * 32
    append(2)
    audit_checkpoint_create()

    settings.AUDIT_CHECKPOINT_KEY = "new-key-" + "n" * 32
    assert "no configured key" in verify()[1]  # the old key is gone: say so
    settings.AUDIT_CHECKPOINT_KEY_FALLBACKS = ["old-key-" + "o" * 32]
    assert verify()[0] == 0

    call_command("checkpoint_audit_log", "--resign", stdout=io.StringIO())
    settings.AUDIT_CHECKPOINT_KEY_FALLBACKS = []

    assert verify()[0] == 0


def test_resign_refuses_a_checkpoint_no_configured_key_signed(db, settings):
    append(1)
    audit_checkpoint_create()
    settings.AUDIT_CHECKPOINT_KEY = "unrelated-" + "u" * 30

    with pytest.raises(CommandError, match="Not re-signed"):
        call_command("checkpoint_audit_log", "--resign", stdout=io.StringIO())


def test_production_needs_a_checkpoint_key():
    out = run_with_production_settings("pass", without=("AUDIT_CHECKPOINT_KEY",))

    assert out.returncode != 0
    assert "AUDIT_CHECKPOINT_KEY" in out.stderr
