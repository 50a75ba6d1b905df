"""Two reminder sweeps at the same moment, on real PostgreSQL connections: one email per assignment."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection

from reviewboard.jobs import reminders
from reviewboard.jobs.reminders import ReminderSummary, send_due_reminders
from reviewboard.models import Assignment
from tests.factories import ReviewerFactory
from tests.reviewboard.jobs.conftest import T0, late_assignment, under_review_article

pytestmark = pytest.mark.django_db(transaction=True)


def _race(sweeps: int, *, batch_size: int, meet_before_claiming: bool, monkeypatch) -> list[ReminderSummary]:
    """Run ``sweeps`` sweeps in threads, each on its own database connection.

    With ``meet_before_claiming`` every sweep has read its first batch of candidates (the same
    rows for all) before any of them claims: the worst case for a read-then-write design.
    """
    barrier = threading.Barrier(sweeps, timeout=20)
    claim = reminders.claim
    met = threading.local()

    def claim_after_everyone_read(*args, **kwargs):
        if meet_before_claiming and not getattr(met, "done", False):
            met.done = True
            barrier.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(reminders, "claim", claim_after_everyone_read)
    results: list[ReminderSummary | Exception | None] = [None] * sweeps

    def sweep(index: int) -> None:
        try:
            results[index] = send_due_reminders(now=T0, batch_size=batch_size)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread, which fails on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep, args=(i,)) for i in range(sweeps)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a sweep did not finish"
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def test_two_concurrent_sweeps_send_exactly_one_email_per_late_assignment(chair, mailoutbox, monkeypatch):
    article = under_review_article()
    late = [late_assignment(ReviewerFactory(), article=article) for _ in range(20)]
    escalating = [
        late_assignment(ReviewerFactory(), reminders_sent=2, last_reminded_at=T0 - timedelta(days=1)) for _ in range(5)
    ]
    everyone = sorted(a.pk for a in late + escalating)

    first, second = _race(2, batch_size=100, meet_before_claiming=True, monkeypatch=monkeypatch)

    assert sorted(first.reminded + second.reminded) == everyone  # each claimed by exactly one sweep
    assert first.lost_race + second.lost_race == len(everyone)  # both read them all, one won each
    reminder_mails = [m for m in mailoutbox if m.to != [chair.email]]
    assert sorted(m.to[0] for m in reminder_mails) == sorted(a.reviewer.email for a in late + escalating)
    assert sorted(first.chair_notified + second.chair_notified) == sorted(a.pk for a in escalating)
    chair_mails = [m for m in mailoutbox if m.to == [chair.email]]
    assert 1 <= len(chair_mails) <= 2  # one digest per sweep that escalated something
    for assignment in escalating:
        assert sum(f"/admin/articles/article/{assignment.article_id}/review/" in m.body for m in chair_mails) == 1
    rows = Assignment.objects.filter(pk__in=everyone)
    assert sorted(rows.values_list("reminders_sent", flat=True)) == [1] * 20 + [3] * 5
    assert set(rows.values_list("last_reminded_at", flat=True)) == {T0}


def test_three_sweeps_in_small_batches_still_send_one_each(chair, mailoutbox, monkeypatch):
    late = [late_assignment(ReviewerFactory()) for _ in range(24)]

    results = _race(3, batch_size=5, meet_before_claiming=False, monkeypatch=monkeypatch)

    reminded = sorted(pk for summary in results for pk in summary.reminded)
    assert reminded == sorted(a.pk for a in late)
    assert len(mailoutbox) == 24
    assert set(Assignment.objects.values_list("reminders_sent", flat=True)) == {1}
