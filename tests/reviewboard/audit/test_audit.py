"""The audit log: append-only through the ORM, chained, and verify_audit_log catches tampering."""

from __future__ import annotations

import itertools
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from reviewboard.audit.chain import audit_append, audit_verify, entry_hash
from reviewboard.models import AuditEntry, AuditLogIsAppendOnly
from reviewboard.review import services
from tests.command_line import command_line
from tests.factories import UserFactory
from tests.reviewboard.conftest import sign

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quorum_approves")]

TABLE = AuditEntry._meta.db_table
COLUMNS = [f.column for f in AuditEntry._meta.concrete_fields if f.column != "id"]


@pytest.fixture
def entries(db):
    """Five chained entries, ids and seqs 1..5 in order."""
    actor = UserFactory(username="auditor")
    return [
        audit_append(action=f"action-{i}", actor=actor, comment=f"entry {i}", data={"n": i, "tags": ["a", "b"]})
        for i in range(1, 6)
    ]


def verify() -> tuple[int, str]:
    try:
        call_command("verify_audit_log", stdout=(out := _Buffer()))
    except CommandError as error:
        return error.returncode, str(error)
    return 0, out.text


class _Buffer:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def raw(sql: str, params=()):
    """Tamper as a superuser who switched the append-only triggers off (only one can): what the chain must show."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


# --- append-only --------------------------------------------------------------------------


def test_entries_are_chained(entries):
    assert entries[0].prev_hash == "0" * 64
    for before, after in itertools.pairwise(entries):
        assert after.prev_hash == before.entry_hash
        assert after.seq == before.seq + 1
    assert all(e.entry_hash == entry_hash(AuditEntry.objects.get(pk=e.pk)) for e in entries)


def test_queryset_update_and_delete_raise(entries):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entries[0].pk).update(comment="rewritten")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.bulk_create([AuditEntry(action="x")])
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.bulk_update(entries, ["comment"])

    assert AuditEntry.objects.count() == 5
    assert AuditEntry.objects.get(pk=entries[0].pk).comment == "entry 1"


def test_instance_save_of_an_existing_row_and_delete_raise(entries):
    entry = AuditEntry.objects.get(pk=entries[2].pk)
    entry.comment = "rewritten"

    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()

    assert AuditEntry.objects.get(pk=entries[2].pk).comment == "entry 3"
    assert verify()[0] == 0


def test_every_action_of_a_review_writes_one_entry(under_review, author, reviewers, chair):
    services.comment_create(article=under_review, user=reviewers[0], body="Dose?", blocking=True)
    comment = under_review.review_comments.get()
    services.comment_resolve(comment=comment, user=reviewers[0])
    sign(under_review, reviewers[0])
    sign(under_review, reviewers[1])

    actions = list(AuditEntry.objects.filter(article=under_review).values_list("action", "actor__username"))
    assert actions == [
        ("submit", "author"),
        ("assign", "chair"),
        ("assign", "chair"),
        ("start_review", "chair"),
        ("accept_assignment", "reviewer1"),  # issue 18: the reviewers accept before judging
        ("accept_assignment", "reviewer2"),
        ("comment", "reviewer1"),
        ("resolve_comment", "reviewer1"),
        ("sign_off", "reviewer1"),
        ("sign_off", "reviewer2"),
        ("approve", "reviewer2"),
    ]
    transitions = AuditEntry.objects.filter(article=under_review, action__in=["submit", "start_review", "approve"])
    assert [(e.from_state, e.to_state) for e in transitions] == [
        ("draft", "submitted"),
        ("submitted", "under_review"),
        ("under_review", "approved"),
    ]
    assert all(e.content_hash == under_review.review_hash for e in transitions)
    assert audit_verify() is None


def test_an_entry_is_written_in_its_actions_transaction_without_a_savepoint_of_its_own(under_review, reviewers):
    """A savepoint around each append cost every action two round trips and undid nothing the action's own
    transaction does not: a failed append fails the action."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        services.comment_create(article=under_review, user=reviewers[0], body="Dose?")
    savepoints = [q["sql"] for q in queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 1, savepoints  # the action's own transaction (a savepoint inside the test's)


# --- verify_audit_log ---------------------------------------------------------------------


def test_verify_an_empty_log(db):
    assert verify() == (0, "0 entries, chain intact\n")


def test_verify_an_intact_chain(entries):
    code, text = verify()

    assert code == 0
    assert text.startswith("5 entries, chain intact")
    assert entries[-1].entry_hash in text


def test_verify_names_an_edited_row(entries):
    raw(f"UPDATE {TABLE} SET comment = %s WHERE id = %s", ["nothing happened", entries[2].pk])  # noqa: S608 - table and column names are ours

    code, message = verify()

    assert code == 1
    assert f"entry id={entries[2].pk} (seq 3)" in message
    assert "edited" in message


def test_verify_names_an_edited_data_field(entries):
    raw(f"""UPDATE {TABLE} SET data = '{{"n": 99, "tags": ["a", "b"]}}' WHERE id = %s""", [entries[1].pk])  # noqa: S608 - table and column names are ours

    code, message = verify()

    assert code == 1
    assert f"entry id={entries[1].pk} (seq 2)" in message


def test_verify_catches_an_edit_that_recomputed_its_own_hash(entries):
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.comment = "forged"
    raw(
        f"UPDATE {TABLE} SET comment = %s, entry_hash = %s WHERE id = %s",  # noqa: S608 - table and column names are ours
        ["forged", entry_hash(forged), entries[1].pk],
    )

    code, message = verify()

    assert code == 1
    assert f"entry id={entries[2].pk} (seq 3)" in message  # the next entry no longer links to it
    assert "broken link" in message


def test_verify_names_a_deleted_row(entries):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [entries[2].pk])  # noqa: S608 - table and column names are ours

    code, message = verify()

    assert code == 1
    assert f"entry id={entries[3].pk} (seq 4)" in message
    assert "seq 3 was deleted" in message


def test_verify_names_the_first_deleted_row_of_several(entries):
    raw(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [entries[1].pk, entries[2].pk])  # noqa: S608 - table and column names are ours

    code, message = verify()

    assert code == 1
    assert "seq 2-3 was deleted" in message


def _swap(a: int, b: int) -> None:
    """Swap the whole content of rows ``a`` and ``b`` (every column but id), as someone with SQL access could."""
    cols = ", ".join(COLUMNS)
    assignments = ", ".join(f"{c} = %s" for c in COLUMNS)

    def params(row):
        # The raw cursor returns jsonb as its text (Django parses it in JSONField.from_db_value).
        return [
            json.dumps(v) if c == "data" and not isinstance(v, str) else v for c, v in zip(COLUMNS, row, strict=True)
        ]

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # past the append-only triggers
        cursor.execute(f"SELECT {cols} FROM {TABLE} WHERE id = %s", [a])  # noqa: S608 - table and column names are ours
        row_a = cursor.fetchone()
        cursor.execute(f"SELECT {cols} FROM {TABLE} WHERE id = %s", [b])  # noqa: S608 - table and column names are ours
        row_b = cursor.fetchone()
        # seq, prev_hash and entry_hash are unique: park row a on placeholders first.
        cursor.execute(
            f"UPDATE {TABLE} SET seq = %s, prev_hash = %s, entry_hash = %s WHERE id = %s",  # noqa: S608 - table and column names are ours
            [10**12, "p" * 64, "e" * 64, a],
        )
        cursor.execute(f"UPDATE {TABLE} SET {assignments} WHERE id = %s", [*params(row_a), b])  # noqa: S608 - table and column names are ours
        cursor.execute(f"UPDATE {TABLE} SET {assignments} WHERE id = %s", [*params(row_b), a])  # noqa: S608 - table and column names are ours


def test_verify_names_swapped_rows(entries):
    _swap(entries[1].pk, entries[3].pk)

    code, message = verify()

    assert code == 1
    assert f"entry id={entries[1].pk} (seq 4)" in message
    assert "reordered" in message


def test_verify_names_swapped_adjacent_rows(entries):
    _swap(entries[2].pk, entries[3].pk)

    code, message = verify()

    assert code == 1
    assert f"entry id={entries[2].pk}" in message
    assert "reordered" in message


@pytest.mark.django_db(transaction=True)
def test_manage_py_exit_status(board_groups):
    """The command line: exit 0 on an intact chain, 1 naming the entry after tampering."""
    actor = UserFactory(username="cli-auditor")
    for i in range(3):
        audit_append(action=f"cli-{i}", actor=actor)

    ok = command_line("verify_audit_log")
    assert (ok.returncode, ok.stdout.split(" (")[0]) == (0, "3 entries, chain intact"), ok.stderr

    second = AuditEntry.objects.get(seq=2)
    raw(f"UPDATE {TABLE} SET action = %s WHERE id = %s", ["nothing", second.pk])  # noqa: S608 - table and column names are ours
    bad = command_line("verify_audit_log")
    assert bad.returncode == 1
    assert f"entry id={second.pk} (seq 2)" in bad.stderr
    assert bad.stderr.startswith("CommandError: ")
