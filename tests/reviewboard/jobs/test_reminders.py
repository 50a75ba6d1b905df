"""The reminder sweep on fixed clocks: the 24 h rule, the chair after the third, what stops it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import ReviewState
from reviewboard.delivery import outbox
from reviewboard.jobs import reminders
from reviewboard.jobs.reminders import send_due_reminders
from reviewboard.models import Assignment, EventDelivery, SignOff
from tests.factories import ReviewerFactory, UserFactory
from tests.reviewboard.jobs.conftest import REVIEW_HASH, T0, fresh, late_assignment, under_review_article

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)


def test_a_late_assignment_gets_one_reminder(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer)

    summary = send_due_reminders(now=T0)

    assert summary.reminded == (assignment.pk,)
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assignment = fresh(assignment)
    assert (assignment.reminders_sent, assignment.last_reminded_at, assignment.chair_notified_at) == (1, T0, None)


def test_not_yet_due_gets_nothing(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer, due_at=T0 + HOUR)
    no_due_date = late_assignment(ReviewerFactory(), due_at=None)

    summary = send_due_reminders(now=T0)

    assert summary.reminded == ()
    assert mailoutbox == []
    for untouched in (fresh(assignment), fresh(no_due_date)):
        assert (untouched.reminders_sent, untouched.last_reminded_at) == (0, None)


def test_at_most_one_reminder_per_24_hours(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer)
    send_due_reminders(now=T0)

    for later in (T0 + HOUR, T0 + DAY - timedelta(seconds=1)):
        assert send_due_reminders(now=later).reminded == ()
    assert len(mailoutbox) == 1
    assert fresh(assignment).reminders_sent == 1

    assert send_due_reminders(now=T0 + DAY).reminded == (assignment.pk,)
    assert len(mailoutbox) == 2
    assignment = fresh(assignment)
    assert (assignment.reminders_sent, assignment.last_reminded_at) == (2, T0 + DAY)


def test_the_chair_is_told_once_after_the_third_reminder(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer)

    for day in range(2):
        summary = send_due_reminders(now=T0 + day * DAY)
        assert summary.chair_notified == ()
    assert [m.to for m in mailoutbox] == [[reviewer.email]] * 2
    assert fresh(assignment).chair_notified_at is None

    third = send_due_reminders(now=T0 + 2 * DAY)

    assert third.reminded == (assignment.pk,)
    assert third.chair_notified == (assignment.pk,)
    assert [m.to for m in mailoutbox[2:]] == [[reviewer.email], [chair.email]]
    chair_mail = mailoutbox[3]
    assert assignment.article.question in chair_mail.subject
    assert "Ada Osler" in chair_mail.body
    assert f"/admin/articles/article/{assignment.article_id}/review/" in chair_mail.body
    assert "reminders sent: 3" in chair_mail.body
    assert fresh(assignment).chair_notified_at == T0 + 2 * DAY

    fourth = send_due_reminders(now=T0 + 3 * DAY)

    assert fourth.reminded == (assignment.pk,)
    assert fourth.chair_notified == ()
    assert [m.to for m in mailoutbox[4:]] == [[reviewer.email]]
    assignment = fresh(assignment)
    assert (assignment.reminders_sent, assignment.chair_notified_at) == (4, T0 + 2 * DAY)


def test_chairs_of_one_batch_get_one_digest(chair, mailoutbox):
    assignments = [late_assignment(ReviewerFactory(), reminders_sent=2, last_reminded_at=T0 - DAY) for _ in range(3)]
    second_chair = UserFactory(username="chair2", groups=["Board chair"])
    admin = UserFactory(username="admin", is_superuser=True)  # superusers are chairs (permissions.chairs())

    summary = send_due_reminders(now=T0)

    assert summary.chair_notified == tuple(a.pk for a in assignments)
    digests = [m for m in mailoutbox if chair.email in m.to]
    assert len(digests) == 1
    assert sorted(digests[0].to) == sorted([chair.email, second_chair.email, admin.email])
    assert "3 reviews are late" in digests[0].subject
    for assignment in assignments:
        assert f"/admin/articles/article/{assignment.article_id}/review/" in digests[0].body


def test_an_escalation_waits_for_a_chair_with_an_email_address(reviewer, board_groups, mailoutbox):
    assignment = late_assignment(reviewer, reminders_sent=2, last_reminded_at=T0 - DAY)

    summary = send_due_reminders(now=T0)

    assert summary.reminded == (assignment.pk,)
    assert summary.chair_notified == ()
    assert summary.no_chair == 1
    assert fresh(assignment).chair_notified_at is None

    chair = UserFactory(username="chair", groups=["Board chair"])
    later = send_due_reminders(now=T0 + HOUR)  # no new reminder within 24 h, but the chair is told now

    assert later.reminded == ()
    assert later.chair_notified == (assignment.pk,)
    assert mailoutbox[-1].to == [chair.email]
    assert fresh(assignment).chair_notified_at == T0 + HOUR


def test_signing_off_the_current_hash_stops_reminders(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer)
    send_due_reminders(now=T0)
    SignOff.objects.create(
        article=assignment.article,
        round=assignment.round,
        assignment=assignment,
        reviewer=reviewer,
        content_hash=REVIEW_HASH,
    )

    summary = send_due_reminders(now=T0 + 3 * DAY)

    assert summary.reminded == ()
    assert len(mailoutbox) == 1
    assert fresh(assignment).reminders_sent == 1


def test_a_sign_off_on_another_hash_or_a_change_request_does_not_stop_them(chair, reviewer, mailoutbox):
    stale = late_assignment(reviewer)
    SignOff.objects.create(
        article=stale.article, round=stale.round, assignment=stale, reviewer=reviewer, content_hash="b" * 64
    )
    other = ReviewerFactory()
    asked_changes = late_assignment(other)
    SignOff.objects.create(
        article=asked_changes.article,
        round=asked_changes.round,
        assignment=asked_changes,
        reviewer=other,
        content_hash=REVIEW_HASH,
        decision=SignOff.Decision.REQUEST_CHANGES,
    )

    summary = send_due_reminders(now=T0)

    assert sorted(summary.reminded) == sorted([stale.pk, asked_changes.pk])


@pytest.mark.parametrize(
    "state", [ReviewState.CHANGES_REQUESTED, ReviewState.DRAFT, ReviewState.APPROVED, ReviewState.SUBMITTED]
)
def test_leaving_review_stops_reminders(chair, reviewer, mailoutbox, state):
    assignment = late_assignment(reviewer, article=under_review_article(state=state))

    assert send_due_reminders(now=T0).reminded == ()
    assert mailoutbox == []
    assert fresh(assignment).reminders_sent == 0


def test_a_closed_assignment_gets_nothing(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer, reminders_sent=2, last_reminded_at=T0 - DAY)
    Assignment.objects.filter(pk=assignment.pk).update(closed_at=T0 - HOUR, close_reason="removed")

    summary = send_due_reminders(now=T0)

    assert (summary.reminded, summary.chair_notified) == ((), ())
    assert mailoutbox == []
    assignment = fresh(assignment)
    assert (assignment.reminders_sent, assignment.chair_notified_at) == (2, None)


def test_inactive_or_unreachable_reviewers_are_skipped(chair, mailoutbox):
    inactive = late_assignment(ReviewerFactory(is_active=False))
    no_email = late_assignment(ReviewerFactory(email=""))

    assert send_due_reminders(now=T0).reminded == ()
    assert [fresh(inactive).reminders_sent, fresh(no_email).reminders_sent] == [0, 0]


def test_the_reminder_email_names_the_article_the_due_date_and_the_review_page(chair, reviewer, mailoutbox, settings):
    settings.SITE_URL = "https://board.example.org/"
    article = under_review_article(question="Is ibuprofen & paracetamol <together> safe?")
    assignment = late_assignment(reviewer, article=article, due_at=T0 - 2 * DAY)

    send_due_reminders(now=T0)

    (message,) = mailoutbox
    link = f"https://board.example.org/admin/articles/article/{article.pk}/review/"
    assert message.subject == (
        'Reminder: your review of "Is ibuprofen & paracetamol <together> safe?" was due 28 February 2026'
    )
    assert "Dear Ada Osler" in message.body
    assert "Is ibuprofen & paracetamol <together> safe?" in message.body
    assert "28 February 2026, 09:00 UTC" in message.body
    assert link in message.body
    assert "reminder 1" in message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    assert "Is ibuprofen &amp; paracetamol &lt;together&gt; safe?" in html
    assert f'<a href="{link}">' in html
    assert "28 February 2026, 09:00 UTC" in html
    assert fresh(assignment).reminders_sent == 1


def test_the_third_reminder_tells_the_reviewer_the_chair_knows(chair, reviewer, mailoutbox):
    late_assignment(reviewer, reminders_sent=2, last_reminded_at=T0 - DAY)

    send_due_reminders(now=T0)

    reminder = next(m for m in mailoutbox if m.to == [reviewer.email])
    assert "reminder 3" in reminder.body
    assert "The board chair has been told" in reminder.body


def _sweep_queries(batch_size: int, monkeypatch) -> int:
    """The sweep's own queries; the e-mails it queued are delivered afterwards (one outbox delivery each)."""
    queued: list[int] = []
    monkeypatch.setattr(reminders.outbox, "deliver_now", lambda ids, now=None: queued.extend(ids))
    with CaptureQueriesContext(connection) as queries:
        send_due_reminders(now=T0, batch_size=batch_size)
    monkeypatch.undo()
    outbox.deliver_now(queued, now=T0)
    return len(queries.captured_queries)


def test_queries_grow_with_batches_not_with_assignments(chair, mailoutbox, monkeypatch):
    reviewers = [ReviewerFactory() for _ in range(30)]
    article = under_review_article()
    for reviewer in reviewers[:5]:
        late_assignment(reviewer, article=article)
    few = _sweep_queries(batch_size=100, monkeypatch=monkeypatch)
    Assignment.objects.update(last_reminded_at=None, reminders_sent=0)
    for reviewer in reviewers[5:]:
        late_assignment(reviewer, article=article)
    not_due = [late_assignment(r, article=under_review_article(), due_at=T0 + DAY) for r in reviewers]

    many = _sweep_queries(batch_size=100, monkeypatch=monkeypatch)
    # one batch either way: read the candidates; then, in a savepoint, claim them and write their events and
    # the events' deliveries
    assert few == many == 6
    assert len(mailoutbox) == 5 + 30

    Assignment.objects.update(last_reminded_at=None, reminders_sent=0)
    in_batches_of_ten = _sweep_queries(batch_size=10, monkeypatch=monkeypatch)
    assert in_batches_of_ten == 3 * 6 + 1  # three full batches, then one read that finds nothing
    assert all(a.reminders_sent == 0 for a in Assignment.objects.filter(pk__in=[a.pk for a in not_due]))


def test_a_mail_server_that_is_down_leaves_the_reminders_to_the_outbox_never_a_second_claim(
    chair, mailoutbox, settings
):
    settings.EMAIL_BACKEND = "tests.reviewboard.jobs.helpers.AlwaysFailBackend"
    late = [late_assignment(ReviewerFactory(), last_reminded_at=T0 - 2 * DAY, reminders_sent=1) for _ in range(3)]

    summary = send_due_reminders(now=T0)  # does not raise: each e-mail waits for its retry

    assert summary.reminded == tuple(a.pk for a in late)
    assert mailoutbox == []
    for assignment in late:
        assert (fresh(assignment).reminders_sent, fresh(assignment).last_reminded_at) == (2, T0)
    waiting = EventDelivery.objects.filter(consumer="email.review_reminder", delivered_at__isnull=True)
    assert [(d.attempts, d.failed_at) for d in waiting] == [(1, None)] * 3

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due_reminders(now=T0 + HOUR).reminded == ()  # claimed already: no second reminder
    assert outbox.deliver_pending(now=T0 + HOUR) == {"delivered": 3}

    assert sorted(m.to[0] for m in mailoutbox) == sorted(a.reviewer.email for a in late)
    assert outbox.deliver_pending(now=T0 + 2 * HOUR) == {}


def test_an_email_that_cannot_be_built_is_given_up_not_retried_every_sweep(chair, reviewer, mailoutbox, monkeypatch):
    assignment = late_assignment(reviewer)

    def broken(*args, **kwargs):
        raise ValueError("template error")

    monkeypatch.setattr(reminders, "_reminder_email", broken)
    assert send_due_reminders(now=T0).reminded == (assignment.pk,)

    assert mailoutbox == []
    assert (fresh(assignment).reminders_sent, fresh(assignment).last_reminded_at) == (1, T0)
    (delivery,) = EventDelivery.objects.filter(consumer="email.review_reminder")
    assert (delivery.state, delivery.last_error) == ("failed", "ValueError: template error")
    assert send_due_reminders(now=T0 + HOUR).reminded == ()
