"""Assigning reviewers: who may, to which articles, which reviewers, and the audit entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from articles.models import ReviewState
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.models import Assignment, AuditEntry, ReviewRound
from reviewboard.review import services
from tests.factories import UserFactory
from tests.reviewboard.conftest import make_reviewer

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


def test_chair_assigns_a_reviewer_to_a_submitted_article(submitted, chair, reviewers, mailoutbox):
    assignment = services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    assert (assignment.article_id, assignment.reviewer, assignment.assigned_by) == (submitted.pk, reviewers[0], chair)
    assert assignment.due_at is None  # set when the review starts
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor, entry.data["reviewer"], entry.data["assignment_id"]) == (
        "assign",
        chair,
        "reviewer1",
        assignment.pk,
    )
    assert mailoutbox == []


def test_assigning_while_under_review_sets_the_default_due_date_and_emails(
    under_review, chair, reviewers, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = services.assignment_create(article=under_review, reviewer=reviewers[2], user=chair)

    assert timezone.now() + timedelta(days=6) < assignment.due_at <= timezone.now() + timedelta(days=7)
    assert [m.to for m in mailoutbox] == [[reviewers[2].email]]


def test_explicit_due_date_is_kept(submitted, chair, reviewers):
    due = timezone.now() + timedelta(days=2)
    assert services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair, due_at=due).due_at == due


@pytest.mark.parametrize(
    "due_at", [timezone.now() - timedelta(days=1), timezone.now().replace(tzinfo=None) + timedelta(days=1)]
)
def test_past_or_naive_due_date_is_invalid(submitted, chair, reviewers, unchanged, due_at):
    with unchanged(submitted), pytest.raises(InvalidInput) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair, due_at=due_at)

    assert exc.value.detail == {"field": "due_at"}


def test_only_the_chair_assigns(submitted, author, reviewers, unchanged):
    with unchanged(submitted), pytest.raises(NotAllowed) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=reviewers[1])
    assert "chair" in exc.value.message

    with unchanged(submitted), pytest.raises(NotAllowed):
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=author)


def test_an_author_can_never_review_their_own_article(submitted, author, chair, unchanged):
    # Even an author who is also a board reviewer.
    author.groups.add(*reviewers_group())
    make_profile(author)
    author = type(author).objects.get(pk=author.pk)  # fresh permission cache

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=author, user=chair)

    assert exc.value.code == "conflict-of-interest"


def reviewers_group():
    from django.contrib.auth.models import Group

    return [Group.objects.get(name="Board reviewers")]


def make_profile(user):
    from reviewboard.models import ReviewerProfile

    ReviewerProfile.objects.create(user=user, credentials="MD")


@pytest.mark.parametrize("how", ["no-group", "no-profile", "inactive-profile", "inactive-user"])
def test_only_active_board_reviewers_can_be_assigned(submitted, chair, unchanged, how):
    if how == "no-group":
        candidate = UserFactory(username="nogroup")
        make_profile(candidate)
    elif how == "no-profile":
        candidate = UserFactory(username="noprofile", groups=["Board reviewers"])
    elif how == "inactive-profile":
        candidate = make_reviewer("retired", active=False)
    else:
        candidate = make_reviewer("left")
        candidate.is_active = False
        candidate.save()

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=candidate, user=chair)

    assert exc.value.code == "reviewer-inactive"


def test_one_open_assignment_per_reviewer(submitted, chair, reviewers, unchanged):
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    assert exc.value.code == "already-assigned"


def test_the_unique_constraint_backs_the_check(submitted, chair, reviewers, monkeypatch):
    # A lost race: the existence check saw nothing, the constraint still refuses the second row.
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)
    # The check reads the round's open assignments (``round.assignments``): blind that manager.
    round_manager = ReviewRound.assignments.related_manager_cls
    real_filter = round_manager.filter

    class Blind:
        def exists(self):
            return False

    def filter_(self, *args, **kwargs):
        if kwargs.get("reviewer") == reviewers[0] and "closed_at__isnull" in kwargs:
            return Blind()
        return real_filter(self, *args, **kwargs)

    monkeypatch.setattr(round_manager, "filter", filter_)
    audit_before = AuditEntry.objects.count()

    with pytest.raises(Conflict) as exc:
        services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    monkeypatch.undo()
    assert exc.value.code == "already-assigned"
    assert isinstance(exc.value.__cause__, IntegrityError)
    assert Assignment.objects.filter(article=submitted, reviewer=reviewers[0]).count() == 1
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("state", ["draft", "changes_requested", "approved", "retracted", "archived"])
def test_assignments_only_while_submitted_or_under_review(article, chair, reviewers, unchanged, state):
    from articles.models import Article

    Article.objects.filter(pk=article.pk).update(state=state)

    with unchanged(article), pytest.raises(Conflict) as exc:
        services.assignment_create(article=article, reviewer=reviewers[0], user=chair)

    assert exc.value.code == "invalid-state"


def test_a_new_round_may_assign_the_same_reviewer_again(under_review, author, chair, reviewers):
    # Withdrawn (not changes requested): the new round starts without the previous reviewers.
    services.article_withdraw(article=under_review, user=author, comment="Fix")
    services.article_submit(article=under_review, user=author)

    again = services.assignment_create(article=under_review, reviewer=reviewers[0], user=chair)

    assert Assignment.objects.filter(article=under_review, reviewer=reviewers[0]).count() == 2
    assert again.closed_at is None


def test_chair_removes_an_assignment(submitted, chair, reviewers, unchanged):
    assignment = services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    removed = services.assignment_remove(assignment=assignment, user=chair, comment="Unavailable")

    assert (removed.close_reason, removed.closed_at is not None) == ("removed", True)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.comment) == ("unassign", "Unavailable")
    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.assignment_remove(assignment=assignment, user=chair)
    assert exc.value.code == "assignment-closed"


def test_reviewer_cannot_remove_an_assignment(submitted, chair, reviewers, unchanged):
    assignment = services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    with unchanged(submitted), pytest.raises(NotAllowed):
        services.assignment_remove(assignment=assignment, user=reviewers[0])

    assert submitted.state == ReviewState.SUBMITTED


def test_an_actions_assignment_lock_reads_its_reviewer_and_locks_only_the_assignment(submitted, chair, reviewers):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reviewboard.review.lock_objects import lock_assignment

    assignment = services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    with CaptureQueriesContext(connection) as queries:
        locked = lock_assignment(assignment.pk)
        assert (locked.reviewer.username, locked.reviewer.reviewer_profile.active) == ("reviewer1", True)

    assert len(queries) == 1
    assert queries[0]["sql"].endswith('FOR UPDATE OF "reviewboard_assignment"')
