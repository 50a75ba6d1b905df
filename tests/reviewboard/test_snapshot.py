"""``snapshot`` (what ``unchanged`` compares around every refused action) sees each thing it guards."""

from __future__ import annotations

import pytest
from django.utils import timezone

from articles.models import Article
from reviewboard.models import Assignment, Comment, SignOff
from reviewboard.review import services
from tests.articles.publishing_helpers import approve
from tests.reviewboard.conftest import assignment_of, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


def test_the_snapshot_changes_with_each_thing_it_guards(under_review, reviewers, chair):
    changes = [
        lambda: Article.objects.filter(pk=under_review.pk).update(retraction_reason="x"),
        lambda: Assignment.objects.filter(pk=assignment_of(under_review, reviewers[0]).pk).update(
            due_at=timezone.now()
        ),
        lambda: services.comment_create(article=under_review, user=chair, body="A remark."),
        lambda: Comment.objects.filter(article=under_review).update(resolved_at=timezone.now()),
        lambda: SignOff.objects.create(
            article=under_review,
            round=assignment_of(under_review, reviewers[1]).round,
            assignment=assignment_of(under_review, reviewers[1]),
            reviewer=reviewers[1],
            content_hash=under_review.review_hash,
        ),
        lambda: approve(under_review, render=False),  # a version, the state, the approval date
    ]
    for change in changes:
        before = snapshot(under_review)
        change()
        assert snapshot(under_review) != before


def test_the_snapshot_counts_audit_entries(under_review, chair):
    before = snapshot(under_review)
    services.comment_create(article=under_review, user=chair, body="A remark.")  # one comment, one entry
    after = snapshot(under_review)
    assert after["audit"] == before["audit"] + 1
    assert len(after["comments"]) == len(before["comments"]) + 1
