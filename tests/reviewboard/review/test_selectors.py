"""The SQL annotations in reviewboard.review.selectors give what their Python rules give, row for row."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.utils import timezone

from articles.models import Article
from reviewboard.board import selectors as board_selectors
from reviewboard.models import Assignment, SignOff
from reviewboard.review import selectors
from tests.factories import ReviewerProfileFactory, UserFactory, round_for
from tests.reviewboard.conftest import assignment_of, make_reviewer, sign

pytestmark = pytest.mark.django_db


def annotated(article: Article, **annotations) -> Article:
    return Article.objects.annotate(**annotations).get(pk=article.pk)


def test_signed_count_counts_what_signoff_progress_counts(under_review, reviewers, chair):
    reviewer1, reviewer2, reviewer3 = reviewers
    sign(under_review, reviewer1)
    # reviewer2 asks for changes: a sign-off, not an approval
    review_round = round_for(under_review)
    SignOff.objects.create(
        article=under_review,
        round=review_round,
        assignment=assignment_of(under_review, reviewer2),
        reviewer=reviewer2,
        content_hash=under_review.review_hash,
        decision=SignOff.Decision.REQUEST_CHANGES,
    )
    # reviewer3 approved the frozen hash through an assignment that is closed now
    closed = Assignment.objects.create(
        article=under_review, round=review_round, reviewer=reviewer3, closed_at=timezone.now()
    )
    SignOff.objects.create(
        article=under_review,
        round=review_round,
        assignment=closed,
        reviewer=reviewer3,
        content_hash=under_review.review_hash,
    )
    # reviewer2 approved another hash
    SignOff.objects.create(
        article=under_review,
        round=review_round,
        assignment=assignment_of(under_review, reviewer2),
        reviewer=reviewer2,
        content_hash="0" * 64,
    )

    progress = selectors.signoff_progress(under_review)
    assert progress.signed == 1
    assert annotated(under_review, n=selectors.signed_count()).n == progress.signed
    from_assignment = Assignment.objects.annotate(
        n=selectors.signed_count(article="article_id", review_hash="article__review_hash")
    ).get(pk=assignment_of(under_review, reviewer2).pk)
    assert from_assignment.n == progress.signed


def test_signed_count_is_zero_without_a_counting_signoff(article):
    assert annotated(article, n=selectors.signed_count()).n == 0 == selectors.signoff_progress(article).signed


def test_next_pending_due_is_the_earliest_open_unsigned_assignment(under_review, reviewers):
    reviewer1, reviewer2, reviewer3 = reviewers
    now = timezone.now()
    Assignment.objects.filter(pk=assignment_of(under_review, reviewer1).pk).update(due_at=now + timedelta(days=1))
    Assignment.objects.filter(pk=assignment_of(under_review, reviewer2).pk).update(due_at=now + timedelta(days=5))
    Assignment.objects.create(
        article=under_review, round=round_for(under_review), reviewer=reviewer3, due_at=now, closed_at=now
    )
    assert annotated(under_review, due=selectors.next_pending_due()).due == now + timedelta(days=1)

    sign(under_review, reviewer1)  # signed on the frozen hash: no longer pending

    assert annotated(under_review, due=selectors.next_pending_due()).due == now + timedelta(days=5)


def test_active_reviewers_are_the_users_reviewer_is_active_accepts():
    review_perm = Permission.objects.get(codename="review_article", content_type__app_label="articles")
    direct = UserFactory(username="direct")
    direct.user_permissions.add(review_perm)
    ReviewerProfileFactory(user=direct)
    superuser = UserFactory(username="super", is_superuser=True)
    ReviewerProfileFactory(user=superuser)
    no_perm = UserFactory(username="no-perm")
    ReviewerProfileFactory(user=no_perm)
    users = [
        make_reviewer("in-group"),
        direct,
        superuser,
        no_perm,
        make_reviewer("profile-inactive", active=False),
        make_reviewer("user-inactive", is_active=False),
        UserFactory(username="no-profile", groups=["Board reviewers"]),
    ]
    fresh = {u.pk: type(u).objects.get(pk=u.pk) for u in users}  # no permission cache carried over

    in_sql = set(board_selectors.active_reviewers().filter(pk__in=fresh).values_list("username", flat=True))
    in_python = {u.username for u in fresh.values() if board_selectors.reviewer_is_active(u)}

    assert in_sql == in_python == {"in-group", "direct", "super"}


def test_a_reviewer_holding_the_permission_several_ways_is_listed_once():
    review_perm = Permission.objects.get(codename="review_article", content_type__app_label="articles")
    second_group = Group.objects.create(name="Guest reviewers")
    second_group.permissions.add(review_perm)
    reviewer = make_reviewer("three-ways")
    reviewer.groups.add(second_group)
    reviewer.user_permissions.add(review_perm)

    assert list(board_selectors.active_reviewers().values_list("username", flat=True)) == ["three-ways"]


def test_the_reviewer_list_is_planned_cheap_enough_not_to_set_off_jit_compilation():
    """Joined through users' groups and permissions with a DISTINCT, the list was estimated at over a
    million rows for a board of twenty: PostgreSQL compiled it with JIT, 0.5-0.9 s a query."""
    for name in ("in-group", "other"):
        make_reviewer(name)
    sql, params = board_selectors.active_reviewers().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit_above_cost')::float")
        (jit_above_cost,) = cursor.fetchone()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        (plan,) = cursor.fetchone()
    if isinstance(plan, str):
        plan = json.loads(plan)

    assert plan[0]["Plan"]["Total Cost"] < jit_above_cost


def test_active_open_assignments_are_those_of_active_reviewers_in_one_query(article, chair, django_assert_num_queries):
    review_round = round_for(article)
    reviewers = [
        make_reviewer("active-1"),
        make_reviewer("profile-inactive", active=False),
        make_reviewer("user-inactive", is_active=False),
        make_reviewer("active-2"),
        UserFactory(username="no-profile", groups=["Board reviewers"]),
        UserFactory(username="left-the-group"),
    ]
    ReviewerProfileFactory(user=reviewers[-1])
    for reviewer in reviewers:
        Assignment.objects.create(article=article, round=review_round, reviewer=reviewer, assigned_by=chair)
    closed = make_reviewer("closed")
    Assignment.objects.create(
        article=article, round=review_round, reviewer=closed, assigned_by=chair, closed_at=timezone.now()
    )

    with django_assert_num_queries(1):
        active = selectors.active_open_assignments(article)

    assert [a.reviewer.username for a in active] == ["active-1", "active-2"]
    fresh = [type(u).objects.get(pk=u.pk) for u in reviewers]
    assert [u.username for u in fresh if board_selectors.reviewer_is_active(u)] == ["active-1", "active-2"]


@pytest.mark.parametrize(("quorum", "required"), [(None, 2), (0, 2), (3, 3)])
def test_quorum_of_is_article_quorum(article, settings, quorum, required):
    settings.REVIEW_DEFAULT_QUORUM = 2
    Article.objects.filter(pk=article.pk).update(quorum=quorum)
    article.refresh_from_db()

    assert selectors.article_quorum(article) == required
    assert annotated(article, q=selectors.quorum_of()).q == required
