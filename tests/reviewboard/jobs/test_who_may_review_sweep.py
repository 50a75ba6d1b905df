"""The who-may-review sweep on fixed clocks: expiring declarations (30 and 7 days before) and
assignments nobody answered, each told once, through the outbox."""

from __future__ import annotations

import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import ReviewState
from reviewboard.delivery import outbox
from reviewboard.jobs import who_may_review
from reviewboard.jobs.who_may_review import sweep_who_may_review
from reviewboard.models import Assignment, Declaration, Event
from tests.factories import ReviewerFactory, UserFactory
from tests.reviewboard.jobs.conftest import T0, fresh, late_assignment, under_review_article

DAY = timedelta(days=1)


def declaration_expiring(member, *, in_days: float, **fields) -> Declaration:
    Declaration.objects.filter(member=member).delete()
    expires = T0 + timedelta(days=in_days)
    return Declaration.objects.create(
        member=member, nothing_to_declare=True, signed_at=expires - timedelta(days=365), expires_at=expires, **fields
    )


def deliver_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
        assert outbox.deliver(event_id, now=T0) == "delivered"


def unanswered(reviewer, *, assigned_days_ago: float = 4, **fields) -> Assignment:
    assignment = late_assignment(reviewer, due_at=T0 + 5 * DAY, **fields)
    Assignment.objects.filter(pk=assignment.pk).update(assigned_at=T0 - timedelta(days=assigned_days_ago))
    return fresh(assignment)


# --- expiring declarations --------------------------------------------------------------------


@pytest.mark.django_db
def test_thirty_days_before_then_seven_days_before_one_email_each(mailoutbox):
    member = ReviewerFactory(email="ada@example.org")
    declaration = declaration_expiring(member, in_days=29)

    summary = sweep_who_may_review(now=T0)
    assert summary.reminded == ((declaration.pk, 30),)
    assert sweep_who_may_review(now=T0 + DAY).reminded == ()  # once
    deliver_all()
    assert [m.to for m in mailoutbox] == [["ada@example.org"]]
    assert "expires in 30 days" in mailoutbox[0].subject
    assert "/api/v1/review/declarations/" in mailoutbox[0].body

    later = T0 + 22 * DAY  # 7 days before expiry
    assert sweep_who_may_review(now=later).reminded == ((declaration.pk, 7),)
    assert sweep_who_may_review(now=later + DAY).reminded == ()
    deliver_all()
    assert len(mailoutbox) == 2
    assert "expires in 7 days" in mailoutbox[1].subject
    declaration.refresh_from_db()
    assert (declaration.reminded_30_at, declaration.reminded_7_at) == (T0, later)


@pytest.mark.django_db
def test_a_declaration_first_seen_within_seven_days_gets_only_the_seven_day_reminder(mailoutbox):
    declaration = declaration_expiring(ReviewerFactory(), in_days=5)

    assert sweep_who_may_review(now=T0).reminded == ((declaration.pk, 7),)
    assert sweep_who_may_review(now=T0 + DAY).reminded == ()
    declaration.refresh_from_db()
    assert declaration.reminded_30_at == declaration.reminded_7_at == T0


@pytest.mark.django_db
def test_not_reminded_far_from_expiry_after_expiry_replaced_or_inactive(mailoutbox):
    far = declaration_expiring(ReviewerFactory(), in_days=31)
    expired = declaration_expiring(ReviewerFactory(), in_days=-1)
    inactive = declaration_expiring(ReviewerFactory(is_active=False), in_days=20)
    renewed_member = ReviewerFactory()
    old = declaration_expiring(renewed_member, in_days=20)
    Declaration.objects.create(
        member=renewed_member, nothing_to_declare=True, signed_at=T0 - DAY, expires_at=T0 + 364 * DAY
    )

    assert sweep_who_may_review(now=T0).reminded == ()
    for declaration in (far, expired, inactive, old):
        declaration.refresh_from_db()
        assert (declaration.reminded_30_at, declaration.reminded_7_at) == (None, None)
    assert not Event.objects.filter(type="declaration.expiring").exists()


@pytest.mark.django_db
def test_a_declaration_signed_after_the_sweep_cancels_the_queued_email(mailoutbox):
    member = ReviewerFactory()
    declaration_expiring(member, in_days=10)
    sweep_who_may_review(now=T0)
    Declaration.objects.create(member=member, nothing_to_declare=True, signed_at=T0 + DAY, expires_at=T0 + 366 * DAY)

    deliver_all()
    assert mailoutbox == []


# --- unanswered assignments -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_chair_is_told_once_about_an_assignment_not_answered_in_time(chair, mailoutbox, settings):
    settings.ASSIGNMENT_ANSWER_WITHIN = timedelta(days=3)
    reviewer = ReviewerFactory(first_name="Ada", last_name="Osler")
    silent = unanswered(reviewer, assigned_days_ago=3)
    recent = unanswered(ReviewerFactory(), assigned_days_ago=2)
    accepted = unanswered(ReviewerFactory(), accepted_at=T0 - DAY)
    closed = unanswered(ReviewerFactory(), closed_at=T0 - DAY, close_reason="removed")

    summary = sweep_who_may_review(now=T0)
    assert summary.unanswered == (silent.pk,)
    assert sweep_who_may_review(now=T0 + DAY).unanswered == (recent.pk,)  # its own 3 days, once
    assert sweep_who_may_review(now=T0 + 2 * DAY).unanswered == ()
    assert fresh(silent).answer_chased_at == T0
    assert (fresh(accepted).answer_chased_at, fresh(closed).answer_chased_at) == (None, None)

    deliver_all()
    assert [m.to for m in mailoutbox] == [[chair.email], [chair.email]]
    assert "No answer from Ada Osler" in mailoutbox[0].subject
    assert "neither accepted nor declined within 3 day(s)" in mailoutbox[0].body
    event = Event.objects.filter(type="assignment.unanswered").earliest("pk")
    assert (event.article_id, event.payload["assignment_id"]) == (silent.article_id, silent.pk)


@pytest.mark.django_db
def test_no_chase_outside_review_and_none_sent_when_answered_before_delivery(chair, mailoutbox):
    draft = unanswered(ReviewerFactory(), article=under_review_article(state=ReviewState.DRAFT))
    answered_meanwhile = unanswered(ReviewerFactory())

    assert sweep_who_may_review(now=T0).unanswered == (answered_meanwhile.pk,)
    Assignment.objects.filter(pk=answered_meanwhile.pk).update(accepted_at=T0 + timedelta(minutes=1))
    deliver_all()

    assert mailoutbox == []
    assert fresh(draft).answer_chased_at is None


# --- both sweeps at once, the command ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_queue_one_event_per_declaration_and_assignment(chair, monkeypatch):
    declarations = [declaration_expiring(ReviewerFactory(), in_days=20) for _ in range(8)]
    assignments = [unanswered(ReviewerFactory()) for _ in range(8)]
    monkeypatch.setattr(outbox, "enqueue_after_commit", lambda task, *args: None)  # counting rows is the point
    barrier = threading.Barrier(2, timeout=20)
    claim = who_may_review.claim
    met = threading.local()

    def claim_after_both_read(*args, **kwargs):
        if not getattr(met, "done", False):
            met.done = True
            barrier.wait()
        return claim(*args, **kwargs)

    monkeypatch.setattr(who_may_review, "claim", claim_after_both_read)
    results: list[object] = [None, None]

    def run(index: int) -> None:
        try:
            results[index] = sweep_who_may_review(now=T0)
        except Exception as exc:  # noqa: BLE001 - handed to the test thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(isinstance(r, Exception) or r is None for r in results), results

    reminded = sorted(pk for summary in results for pk, _ in summary.reminded)
    chased = sorted(pk for summary in results for pk in summary.unanswered)
    assert reminded == sorted(d.pk for d in declarations)
    assert chased == sorted(a.pk for a in assignments)
    assert Event.objects.filter(type="declaration.expiring").count() == 8
    assert Event.objects.filter(type="assignment.unanswered").count() == 8


@pytest.mark.django_db
def test_the_command_runs_the_sweep_with_a_fixed_clock(chair):
    declaration = declaration_expiring(ReviewerFactory(), in_days=6)
    assignment = unanswered(ReviewerFactory())
    out = StringIO()

    call_command("sweep_who_may_review", "--now", T0.isoformat(), stdout=out)

    text = out.getvalue()
    assert "1 declaration reminder(s) queued, 1 unanswered assignment(s) reported to the chair" in text
    assert f"Declarations reminded: {declaration.pk} (7 days)" in text
    assert f"Unanswered assignments reported: {assignment.pk}" in text
    with pytest.raises(CommandError, match="ISO 8601"):
        call_command("sweep_who_may_review", "--now", "next tuesday", stdout=StringIO())


@pytest.mark.django_db
def test_the_task_is_scheduled_and_returns_counts(chair):
    from reviewboard.schedules import JOBS
    from reviewboard.tasks import sweep_who_may_review as task

    assert "reviewboard.sweep_who_may_review" in {job.task for job in JOBS}
    declaration_expiring(UserFactory(), in_days=25)
    assert task.run(now=T0.isoformat()) == {
        "declarations_reminded": 1,
        "reminded_30": 1,
        "reminded_7": 0,
        "unanswered_reported": 0,
    }
