"""reviewboard.reading: within one read-only pass a marked read answers once; outside, every time."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviewboard.board import permissions
from reviewboard.reading import reads_kept
from reviewboard.review import selectors

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


def asked(read) -> int:
    with CaptureQueriesContext(connection) as queries:
        read()
    return len(queries)


def test_outside_a_pass_every_read_reads(under_review, reviewers):
    reviewers[0].has_perm(permissions.REVIEWER_PERM)  # the instance's permission cache warm: only the rule reads

    assert asked(lambda: [permissions.is_assigned_reviewer(under_review, reviewers[0]) for _ in range(3)]) == 3


def test_within_a_pass_a_read_answers_once_per_arguments(under_review, reviewers):
    for reviewer in reviewers:
        reviewer.has_perm(permissions.REVIEWER_PERM)  # each instance's permission cache warm: only the rule reads

    def screen():
        with reads_kept():
            answers = [permissions.is_assigned_reviewer(under_review, reviewer) for reviewer in reviewers * 2]
            with reads_kept():  # a nested pass keeps the outer one's answers
                answers.append(permissions.is_assigned_reviewer(under_review, reviewers[2]))
        assert answers == [True, True, False] * 2 + [False]

    assert asked(screen) == 3  # one per reviewer


def test_a_pass_after_a_write_sees_it(under_review, reviewers, chair):
    from reviewboard.review import services

    with reads_kept():
        assert not permissions.is_assigned_reviewer(under_review, reviewers[2])
    services.assignment_create(article=under_review, reviewer=reviewers[2], user=chair)
    with reads_kept():
        assert permissions.is_assigned_reviewer(under_review, reviewers[2])
        assert selectors.open_round(under_review) is selectors.open_round(under_review)
