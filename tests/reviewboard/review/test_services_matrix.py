"""Every (role, transition, state): the allowed ones succeed, the rest are refused and change nothing.

The article in each state has everything the transitions out of that state need (a published
version for retract; while submitted or under review, an open round frozen on a clean content
hash with two active reviewers assigned who both signed it), so the only reasons for a refusal
are who acts (NotAllowed, 403) and the state (Conflict "invalid-state", 409).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from articles.content import content_from_article
from articles.models import FROZEN_STATES, Article, PublishedVersion, ReviewState
from articles.publishing import published_version_create
from config.exceptions import Conflict, NotAllowed
from reviewboard.models import Assignment, AuditEntry, SignOff
from reviewboard.review import services
from reviewboard.review.actions import ACTIONS, TRANSITIONS
from tests.factories import ArticleFactory, round_for
from tests.module_world import module_world
from tests.reviewboard.conftest import make_author, make_chair, make_reviewer

pytestmark = pytest.mark.django_db


def transition_sources(name):
    return list(ACTIONS[name].sources)


def transition_target(name):
    return ACTIONS[name].target


ROLES = (
    "author",  # an author of this article (Authors group)
    "other_author",  # in Authors, not an author of this article
    "assigned_reviewer",  # Board reviewers, an open assignment on this article
    "unassigned_reviewer",  # Board reviewers, no assignment here
    "chair",  # Board chair (also the editor permission)
    "anonymous",
    "inactive",  # a deactivated account that is both chair and author of this article
)

WHO_MAY = {
    "submit": {"author", "chair"},
    "withdraw": {"author", "chair"},
    "revise": {"author", "chair"},
    "start_review": {"chair"},
    "request_changes": {"assigned_reviewer", "chair"},
    "approve": {"chair"},
    "retract": {"chair"},
    "archive": {"chair"},
    "reject": {"chair"},  # issue 18: the chair's decision
}


def expected(role: str, transition: str, state: str) -> type[Exception] | None:
    if role == "assigned_reviewer" and state not in FROZEN_STATES:
        role = "unassigned_reviewer"  # assignments are open only while a round is (submitted, under review)
    if role not in WHO_MAY[transition]:
        return NotAllowed
    if state not in transition_sources(transition):
        return Conflict
    return None


BECAUSE = {"comment": "Because.", "reason": "Because.", "change_summary": "Because."}


def test_the_table_matches_the_brief():
    assert {t: transition_sources(t) for t in TRANSITIONS} == {
        "submit": ["draft", "changes_requested"],
        "withdraw": ["submitted", "under_review"],
        "start_review": ["submitted"],
        "request_changes": ["under_review"],
        "approve": ["under_review"],
        "revise": ["approved", "retracted"],
        "retract": ["draft", "submitted", "under_review", "changes_requested", "approved"],
        "archive": ["draft", "submitted", "under_review", "changes_requested", "retracted"],
        "reject": ["under_review"],
    }


def article_in(state: str, *, author, reviewers, chair, signed: bool = True) -> Article:
    """An article in ``state`` whose conditions for every transition out of it hold: a published
    version (retract needs one; the working copy is a revision of it unless approved), and while
    submitted or under review an open round with ``reviewers`` assigned (and signed)."""
    article = ArticleFactory(authors=[author])
    content = content_from_article(article)
    now = timezone.now()
    version = published_version_create(article=article, content=content, reviewers=[], approved_at=now)
    # Test set-up only: the state is placed directly, the way a finished workflow would leave it.
    fields = {"state": state, "approved_at": now}
    if state == ReviewState.RETRACTED:
        fields.update(retracted_at=now, retraction_reason="Outdated dosing.")
        PublishedVersion.objects.filter(pk=version.pk).update(retracted_at=now, retraction_reason="Outdated dosing.")
    Article.objects.filter(pk=article.pk).update(**fields)
    if state in FROZEN_STATES:
        review_round = round_for(article)
        Article.objects.filter(pk=article.pk).update(review_hash=review_round.content_hash)
        for reviewer in reviewers:
            # Accepted (issue 18: a sign-off counts only from a reviewer who accepted the assignment).
            assignment = Assignment.objects.create(
                article=article, round=review_round, reviewer=reviewer, assigned_by=chair, accepted_at=now
            )
            if signed:
                SignOff.objects.create(
                    article=article,
                    round=review_round,
                    assignment=assignment,
                    reviewer=reviewer,
                    content_hash=review_round.content_hash,
                )
    return Article.objects.get(pk=article.pk)


def user_for(role: str, cast: dict):
    if role == "anonymous":
        return AnonymousUser()
    return cast[role]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The cast and one ready article per state (and one under review nobody signed yet), built once for the
    module (tests/module_world.py): what a test changes is undone before the next one."""
    with module_world(django_db_blocker):
        author = make_author("m-author")
        cast = {
            "author": author,
            "other_author": make_author("m-other-author"),
            "assigned_reviewer": make_reviewer("m-assigned"),
            "second_reviewer": make_reviewer("m-second"),
            "unassigned_reviewer": make_reviewer("m-unassigned"),
            "chair": make_chair("m-chair"),
            "inactive": make_chair("m-inactive", is_active=False),
        }
        reviewers = [cast["assigned_reviewer"], cast["second_reviewer"]]
        articles = {}
        for state in ReviewState.values:
            articles[state] = article_in(state, author=author, reviewers=reviewers, chair=cast["chair"]).pk
        articles["unsigned"] = article_in(
            ReviewState.UNDER_REVIEW, author=author, reviewers=reviewers, chair=cast["chair"], signed=False
        ).pk
        for pk in articles.values():
            Article.objects.get(pk=pk).authors.add(cast["inactive"])
        yield {"cast": cast, "articles": articles}


@pytest.fixture
def cast(world, db):
    return world["cast"]


def ready_article(world, state: str) -> Article:
    return Article.objects.get(pk=world["articles"][state])


@pytest.mark.parametrize("state", ReviewState.values)
@pytest.mark.parametrize("transition", TRANSITIONS)
@pytest.mark.parametrize("role", ROLES)
def test_role_transition_state(world, cast, role, transition, state, unchanged):
    article = ready_article(world, state)
    user = user_for(role, cast)
    refusal = expected(role, transition, state)

    if refusal is None:
        assert transition in services.available_transitions(article=article, user=user)
        audit_before = AuditEntry.objects.count()
        result = services.article_transition(article=article, user=user, name=transition, **BECAUSE)
        assert result.state == transition_target(transition)
        assert Article.objects.get(pk=article.pk).state == transition_target(transition)
        assert list(AuditEntry.objects.filter(seq__gt=audit_before).values_list("action", flat=True)) == [transition]
    else:
        assert transition not in services.available_transitions(article=article, user=user)
        with unchanged(article), pytest.raises(refusal) as exc:  # unchanged: the snapshot before and after
            services.article_transition(article=article, user=user, name=transition, **BECAUSE)
        if refusal is Conflict:
            assert exc.value.code == "invalid-state"
            assert exc.value.detail["state"] == state
        else:
            assert exc.value.code == "permission-denied"
            assert exc.value.detail["transition"] == transition


ACTIONS_UNDER_REVIEW = {
    "sign_off": {"assigned_reviewer"},
    "comment": {"author", "assigned_reviewer", "chair"},
    "blocking_comment": {"assigned_reviewer", "chair"},
}


def run_action(action: str, article: Article, user, cast: dict):
    if action == "sign_off":
        assignment = Assignment.objects.get(article=article, reviewer=cast["assigned_reviewer"])
        return services.assignment_sign_off(assignment=assignment, reviewer=user, content_hash=article.review_hash)
    return services.comment_create(article=article, user=user, body="A remark.", blocking=action == "blocking_comment")


@pytest.mark.parametrize("action", ACTIONS_UNDER_REVIEW)
@pytest.mark.parametrize("role", ROLES)
def test_role_action_under_review(world, cast, role, action, unchanged):
    article = ready_article(world, "unsigned")
    user = user_for(role, cast)

    if role in ACTIONS_UNDER_REVIEW[action]:
        audit_before = AuditEntry.objects.count()
        run_action(action, article, user, cast)
        assert AuditEntry.objects.filter(seq__gt=audit_before).count() == 1
    else:
        with unchanged(article), pytest.raises(NotAllowed) as exc:
            run_action(action, article, user, cast)
        assert exc.value.code == "permission-denied"
