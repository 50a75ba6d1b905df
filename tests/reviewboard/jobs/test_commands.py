"""The management commands run one sweep and print what it did."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.models import ReviewState
from tests.factories import ArticleFactory
from tests.reviewboard.jobs.conftest import T0, fresh, late_assignment


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_send_reminders_with_a_fixed_clock(chair, reviewer, mailoutbox):
    assignment = late_assignment(reviewer)

    output = run("send_reminders", "--now", T0.isoformat())

    assert "1 reminder(s) sent, 0 assignment(s) escalated to the chair" in output
    assert f"Reminded assignment(s): {assignment.pk}" in output
    assert fresh(assignment).last_reminded_at == T0
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-45T00:00"])
def test_a_bad_now_is_refused_with_a_message_and_nothing_sent(chair, reviewer, mailoutbox, bad):
    assignment = late_assignment(reviewer)

    with pytest.raises(CommandError, match="ISO 8601"):
        run("send_reminders", "--now", bad)

    assert fresh(assignment).reminders_sent == 0
    assert mailoutbox == []


def test_flag_overdue_reviews_prints_the_flagged_articles(chair, mailoutbox):
    article = ArticleFactory(state=ReviewState.APPROVED, next_review_due=T0 - timedelta(days=1), with_content=False)

    output = run("flag_overdue_reviews", "--now", T0.isoformat())

    assert "1 article(s) flagged for re-review" in output
    assert f"Flagged article(s): {article.pk}" in output


def test_reconcile_published_exits_non_zero_when_an_approved_article_has_no_version(chair, mailoutbox):
    article = ArticleFactory(state=ReviewState.APPROVED, review_hash="e" * 64, approved_at=timezone.now())

    with pytest.raises(CommandError, match="cannot repair"):
        run("reconcile_published")

    assert len(mailoutbox) == 1
    assert article.question in mailoutbox[0].subject


def test_reconcile_published_with_nothing_to_do(db):
    assert run("reconcile_published", "--grace-seconds", "0").strip() == "0 pending published version(s) rendered"
