"""The conflict-of-interest rule honours the chair's override the same way on every path: at assignment, at
the start of review, at sign-off, and when a resubmission carries the reviewers over to the new round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from reviewboard.models import Assignment, AuditEntry, Declaration, ReviewRound
from reviewboard.review import services
from tests.reviewboard.conftest import make_reviewer, sign, submit

pytestmark = pytest.mark.django_db

REASON = "Only spine surgeon available; declaration being renewed."


def expire_declaration(user) -> None:
    past = timezone.now() - timedelta(days=1)
    Declaration.objects.filter(member=user).update(signed_at=past - timedelta(days=365), expires_at=past)


@pytest.fixture
def overridden_round(article, author, chair, reviewers):
    """Round 1 under review: reviewer1 assigned over an expired declaration with the chair's override,
    reviewer2 without conflict; then the chair asked for changes."""
    submitted = submit(article, author)
    expire_declaration(reviewers[0])
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair, override_reason=REASON)
    services.assignment_create(article=submitted, reviewer=reviewers[1], user=chair)
    under_review = services.review_start(article=submitted, user=chair)
    services.article_request_changes(article=under_review, user=chair, comment="Please fix the dose")
    return under_review


def test_resubmission_carries_over_a_reviewer_the_chair_assigned_with_an_override(overridden_round, author, reviewers):
    article = submit(overridden_round, author)

    round_2 = ReviewRound.objects.get(article=article, number=2)
    carried = {a.reviewer.username: a for a in Assignment.objects.filter(round=round_2, closed_at__isnull=True)}
    assert sorted(carried) == ["reviewer1", "reviewer2"]
    assert carried["reviewer1"].override_reason == REASON
    assert "expired" in carried["reviewer1"].override_conflict
    assert carried["reviewer2"].override_reason == ""
    entry = AuditEntry.objects.filter(action="submit").latest("seq")
    assert entry.data["reviewers_carried_over"] == ["reviewer1", "reviewer2"]


def test_the_carried_over_override_holds_at_the_start_of_review_and_at_sign_off(
    overridden_round, author, chair, reviewers
):
    article = submit(overridden_round, author)

    started = services.review_start(article=article, user=chair)  # the override still covers the conflict
    signoff = sign(started, reviewers[0])

    assert signoff.reviewer == reviewers[0]


def test_resubmission_does_not_carry_over_a_conflict_nobody_overrode(overridden_round, author, reviewers):
    expire_declaration(reviewers[1])  # arose after the assignment: no override covers it

    article = submit(overridden_round, author)

    round_2 = ReviewRound.objects.get(article=article, number=2)
    carried = Assignment.objects.filter(round=round_2, closed_at__isnull=True)
    assert sorted(a.reviewer.username for a in carried) == ["reviewer1"]


def _resubmission_queries(article, author, chair, reviewers) -> int:
    submitted = submit(article, author)
    for reviewer in reviewers:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    under_review = services.review_start(article=submitted, user=chair)
    services.article_request_changes(article=under_review, user=chair, comment="Please fix the dose")
    with CaptureQueriesContext(connection) as queries:
        resubmitted = submit(under_review, author)
    assert resubmitted.assignments.filter(round__number=2).count() == len(reviewers)
    return len(queries)


def test_the_carry_over_reads_the_reviewers_once_for_all_of_them(make_cast, make_article):
    """Whether each is active, their conflicts and their declarations: one read for all of them, not one
    per reviewer carried over."""
    small, large = make_cast("small"), make_cast("large")
    large["reviewers"] += [make_reviewer(f"large-reviewer{i}") for i in (4, 5, 6)]

    two = _resubmission_queries(make_article(small["author"]), small["author"], small["chair"], small["reviewers"][:2])
    six = _resubmission_queries(make_article(large["author"]), large["author"], large["chair"], large["reviewers"])

    assert six == two
