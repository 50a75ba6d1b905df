"""The review transitions through the services: each rule, and that a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.content import ArticleContent, SectionData, content_from_article
from articles.models import Article, PublishedVersion, ReviewState, Section
from config.exceptions import Conflict, InvalidInput, NotAllowed
from references.models import Citation
from reviewboard.models import Assignment, AuditEntry, Comment, ReviewRound, SignOff
from reviewboard.review import services
from reviewboard.review.services.content import content_update
from tests.factories import ArticleFactory, SpecialtyFactory
from tests.reviewboard.conftest import (
    assignment_of,
    content_hash,
    make_reviewer,
    reads_of,
    sign,
    submit,
)

# About the transitions, not who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]


def last_audit() -> AuditEntry:
    return AuditEntry.objects.order_by("-seq").first()


# --- submit -------------------------------------------------------------------------------


def test_submit_freezes_the_content_hash_and_is_audited(
    article, author, chair, django_capture_on_commit_callbacks, mailoutbox
):
    expected = content_hash(article)

    with django_capture_on_commit_callbacks(execute=True):
        result = services.article_submit(article=article, user=author)

    assert result.state == ReviewState.SUBMITTED
    assert Article.objects.get(pk=article.pk).review_hash == expected
    entry = last_audit()
    assert (entry.action, entry.actor, entry.article_id) == ("submit", author, article.pk)
    assert (entry.from_state, entry.to_state, entry.content_hash) == ("draft", "submitted", expected)
    assert [m.to for m in mailoutbox] == [[chair.email]]
    assert "Submitted for review" in mailoutbox[0].subject


def test_submit_with_integrity_errors_is_refused_naming_the_findings(article, author, unchanged):
    Citation.objects.filter(article=article, number=2).delete()  # marker [2] now points nowhere

    with unchanged(article), pytest.raises(Conflict) as exc:
        services.article_submit(article=article, user=author)

    assert exc.value.code == "integrity-errors"
    assert "unresolved-citation" in {f["code"] for f in exc.value.detail["errors"]}


def test_submit_by_another_author_is_not_allowed(article, other_author, unchanged):
    with unchanged(article), pytest.raises(NotAllowed) as exc:
        services.article_submit(article=article, user=other_author)

    assert exc.value.code == "permission-denied"
    assert "an author of this article" in exc.value.message
    assert "articles." not in exc.value.message  # no permission codename


def test_submit_twice_is_a_conflict_naming_the_state(submitted, author, unchanged):
    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.article_submit(article=submitted, user=author)

    assert exc.value.code == "invalid-state"
    assert exc.value.detail["state"] == "submitted"
    assert exc.value.detail["allowed_from"] == ["draft", "changes_requested"]


def test_permission_is_checked_before_the_state(submitted, other_author):
    with pytest.raises(NotAllowed):
        services.article_submit(article=submitted, user=other_author)


def test_an_editor_may_submit_any_article(article, chair):
    assert services.article_submit(article=article, user=chair).state == ReviewState.SUBMITTED


def test_content_is_frozen_while_submitted_and_under_review(under_review, author):
    content = ArticleContent(question="Another question?", sections=(SectionData(heading="H", body="Body."),))

    with pytest.raises(Conflict) as exc:
        content_update(article=under_review, user=author, content=content)

    assert exc.value.code == "content-frozen"
    assert Article.objects.get(pk=under_review.pk).question != "Another question?"


# --- withdraw -----------------------------------------------------------------------------


def test_withdraw_needs_a_comment(submitted, author, unchanged):
    with unchanged(submitted), pytest.raises(InvalidInput) as exc:
        services.article_withdraw(article=submitted, user=author, comment="  ")

    assert exc.value.code == "comment-required"
    assert exc.value.detail == {"field": "comment"}


def test_withdraw_under_review_closes_open_assignments(under_review, author):
    result = services.article_withdraw(article=under_review, user=author, comment="Found a mistake")

    assert result.state == ReviewState.DRAFT
    assert result.review_hash == ""
    assert set(Assignment.objects.filter(article=under_review).values_list("close_reason", flat=True)) == {"withdrawn"}
    assert not Assignment.objects.filter(article=under_review, closed_at__isnull=True).exists()
    entry = last_audit()
    assert (entry.action, entry.comment, entry.from_state, entry.to_state) == (
        "withdraw",
        "Found a mistake",
        "under_review",
        "draft",
    )
    assert len(entry.data["closed_assignments"]) == 2


def test_content_is_editable_again_after_withdraw(under_review, author):
    article = services.article_withdraw(article=under_review, user=author, comment="Fixing")
    content = content_from_article(article)
    changed = ArticleContent(
        question=content.question,
        topic=content.topic,
        sections=(
            *content.sections[:1],
            SectionData(heading="Medication", body="NSAIDs help some patients with back pain [2]. Lowest dose [1]."),
        ),
        citations=content.citations,
    )

    content_update(article=article, user=author, content=changed)

    assert content_hash(article) != content.content_hash


# --- start_review -------------------------------------------------------------------------


def test_start_review_sets_due_dates_and_emails_the_reviewers(
    submitted, chair, reviewers, django_capture_on_commit_callbacks, mailoutbox
):
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    before = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        result = services.review_start(article=submitted, user=chair)

    assert result.state == ReviewState.UNDER_REVIEW
    for assignment in Assignment.objects.filter(article=submitted):
        assert (
            before + timedelta(days=7) - timedelta(minutes=1) < assignment.due_at <= timezone.now() + timedelta(days=7)
        )
    assert sorted(m.to[0] for m in mailoutbox) == sorted(r.email for r in reviewers[:2])
    mail = mailoutbox[0]
    assert submitted.question in mail.subject
    assert result.review_hash in mail.body
    assert mail.alternatives
    assert result.review_hash in mail.alternatives[0][0]
    assert last_audit().action == "start_review"


def test_start_review_keeps_a_due_date_the_chair_chose(submitted, chair, reviewers):
    chosen = timezone.now() + timedelta(days=3)
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair, due_at=chosen)
    services.assignment_create(article=submitted, reviewer=reviewers[1], user=chair)

    services.review_start(article=submitted, user=chair)

    assert assignment_of(submitted, reviewers[0]).due_at == chosen


def test_submitting_and_starting_read_what_their_checks_and_body_share_once(article, author, chair, reviewers):
    with CaptureQueriesContext(connection) as submitting:
        submitted = services.article_submit(article=article, user=author)
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    with CaptureQueriesContext(connection) as starting:
        services.review_start(article=submitted, user=chair)

    # the integrity check and the round's snapshot: one read of the sections
    assert reads_of(submitting.captured_queries, "articles_section") == 1
    # the quorum, the specialty and the due dates: one read of the active assignments; the conflicts' one more
    assert reads_of(starting.captured_queries, "reviewboard_assignment") == 2


def test_start_review_needs_the_quorum_of_active_reviewers(submitted, chair, reviewers, unchanged):
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.review_start(article=submitted, user=chair)

    assert exc.value.code == "not-enough-reviewers"
    assert exc.value.detail["required"] == 2
    assert exc.value.detail["assigned_active"] == 1


def test_start_review_quorum_is_per_article(author, chair, reviewers):
    article = ArticleFactory(authors=[author], quorum=3)
    submit(article, author)
    for reviewer in reviewers[:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)

    with pytest.raises(Conflict) as exc:
        services.review_start(article=article, user=chair)
    assert exc.value.detail["required"] == 3

    services.assignment_create(article=article, reviewer=reviewers[2], user=chair)
    assert services.review_start(article=article, user=chair).state == ReviewState.UNDER_REVIEW


def test_start_review_does_not_count_a_reviewer_deactivated_after_assignment(submitted, chair, reviewers, unchanged):
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    reviewers[1].reviewer_profile.active = False
    reviewers[1].reviewer_profile.save()

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.review_start(article=submitted, user=chair)

    assert exc.value.code == "not-enough-reviewers"


def test_start_review_refuses_a_reviewer_who_became_an_author(submitted, chair, reviewers, unchanged):
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)
    submitted.authors.add(reviewers[0])

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.review_start(article=submitted, user=chair)

    assert exc.value.code == "conflict-of-interest"
    assert exc.value.detail["reviewers"] == ["reviewer1"]


def test_start_review_needs_the_required_specialty(author, chair):
    spine = SpecialtyFactory(code="spine", name="Spine surgery")
    article = ArticleFactory(authors=[author], required_specialty=spine)
    generalists = [make_reviewer(f"gp{i}") for i in (1, 2)]
    submit(article, author)
    for reviewer in generalists:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)

    with pytest.raises(Conflict) as exc:
        services.review_start(article=article, user=chair)
    assert exc.value.code == "specialty-missing"
    assert exc.value.detail["specialty"] == "spine"
    assert Article.objects.get(pk=article.pk).state == ReviewState.SUBMITTED

    services.assignment_create(article=article, reviewer=make_reviewer("spine-md", specialties=[spine]), user=chair)
    assert services.review_start(article=article, user=chair).state == ReviewState.UNDER_REVIEW


def test_start_review_by_a_reviewer_is_not_allowed(submitted, chair, reviewers, unchanged):
    for reviewer in reviewers[:2]:
        services.assignment_create(article=submitted, reviewer=reviewer, user=chair)

    with unchanged(submitted), pytest.raises(NotAllowed) as exc:
        services.review_start(article=submitted, user=reviewers[0])

    assert "the board chair" in exc.value.message
    assert "chair_review" not in exc.value.message  # no permission codename in what people read


# --- request_changes ----------------------------------------------------------------------


def test_reviewer_requests_changes_with_a_comment(
    under_review, reviewers, author, django_capture_on_commit_callbacks, mailoutbox
):
    frozen = under_review.review_hash

    with django_capture_on_commit_callbacks(execute=True):
        result = services.article_request_changes(
            article=under_review, user=reviewers[0], comment="Cite the dose in section 2."
        )

    assert result.state == ReviewState.CHANGES_REQUESTED
    assert not Assignment.objects.filter(article=under_review, closed_at__isnull=True).exists()
    assert set(Assignment.objects.filter(article=under_review).values_list("close_reason", flat=True)) == {
        "changes_requested"
    }
    signoff = SignOff.objects.get(article=under_review)
    assert (signoff.decision, signoff.content_hash, signoff.reviewer) == ("request_changes", frozen, reviewers[0])
    entry = last_audit()
    assert (entry.action, entry.content_hash, entry.comment) == (
        "request_changes",
        frozen,
        "Cite the dose in section 2.",
    )
    # The authors learn what must change; the round's reviewers that their round ended.
    # the authors, and the other reviewer of the round (not the one who ended it)
    assert sorted(m.to[0] for m in mailoutbox) == sorted([author.email, reviewers[1].email])
    to_author = [m for m in mailoutbox if m.to == [author.email]]
    assert len(to_author) == 1
    assert "Cite the dose" in to_author[0].body


def test_request_changes_needs_a_comment(under_review, reviewers, unchanged):
    with unchanged(under_review), pytest.raises(InvalidInput) as exc:
        services.article_request_changes(article=under_review, user=reviewers[0], comment="")

    assert exc.value.detail == {"field": "comment"}


def test_unassigned_reviewer_cannot_request_changes(under_review, reviewers, unchanged):
    with unchanged(under_review), pytest.raises(NotAllowed):
        services.article_request_changes(article=under_review, user=reviewers[2], comment="No")


def test_resubmission_after_changes_keeps_the_reviewers_in_a_new_round(under_review, author, chair, reviewers):
    services.article_request_changes(article=under_review, user=chair, comment="Please fix")
    article = submit(under_review, author)

    rounds = list(ReviewRound.objects.filter(article=article).order_by("number"))
    assert [(r.number, r.outcome, r.closed_at is None) for r in rounds] == [
        (1, "changes_requested", False),
        (2, "", True),
    ]
    carried = Assignment.objects.filter(round=rounds[1], closed_at__isnull=True)
    assert sorted(a.reviewer.username for a in carried) == ["reviewer1", "reviewer2"]
    assert all(a.due_at is None for a in carried)
    assert set(rounds[0].assignments.values_list("close_reason", flat=True)) == {"changes_requested"}
    assert last_audit().data["reviewers_carried_over"] == ["reviewer1", "reviewer2"]

    started = services.review_start(article=article, user=chair)
    assert started.state == ReviewState.UNDER_REVIEW
    assert not Assignment.objects.filter(round=rounds[1], due_at__isnull=True).exists()


# --- approve ------------------------------------------------------------------------------


def test_chair_cannot_approve_without_the_quorum(under_review, chair, reviewers, unchanged):
    sign(under_review, reviewers[0])

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        services.article_approve(article=under_review, user=chair)

    assert exc.value.code == "quorum-not-met"
    assert (exc.value.detail["signed"], exc.value.detail["required"]) == (1, 2)


def test_resolving_a_blocking_comment_after_the_quorum_does_not_approve(under_review, chair, reviewers):
    comment = services.comment_create(article=under_review, user=chair, body="Dose?", blocking=True)
    sign(under_review, reviewers[0])
    sign(under_review, reviewers[1])
    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW

    with pytest.raises(Conflict) as exc:
        services.article_approve(article=under_review, user=chair)
    assert exc.value.code == "blocking-comments"
    assert exc.value.detail["comments"] == [comment.pk]

    # Resolving never approves: the chair approves explicitly afterwards.
    services.comment_resolve(comment=comment, user=chair)
    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW
    assert services.article_approve(article=under_review, user=chair).state == ReviewState.APPROVED


def test_a_reviewer_cannot_sign_off_over_their_own_open_blocking_comment(under_review, reviewers, unchanged):
    comment = services.comment_create(article=under_review, user=reviewers[0], body="Dose?", blocking=True)
    sign(under_review, reviewers[1])

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        sign(under_review, reviewers[0])
    assert exc.value.code == "own-blocking-comment"
    assert exc.value.detail == {"comments": [comment.pk]}

    services.comment_resolve(comment=comment, user=reviewers[0])
    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW
    # The next sign-off completes the quorum and approves.
    assert sign(under_review, reviewers[0]).article.state == ReviewState.APPROVED


def test_chair_approve_after_quorum_when_automatic_approval_did_not_run(under_review, chair, reviewers):
    # The quorum signed while a blocking comment was open; the chair resolves and approves explicitly.
    comment = services.comment_create(article=under_review, user=chair, body="Wait for me", blocking=True)
    sign(under_review, reviewers[0])
    sign(under_review, reviewers[1])
    Comment.objects.filter(pk=comment.pk).update(resolved_at=timezone.now(), resolved_by=chair)

    result = services.article_approve(article=under_review, user=chair, comment="Approved by the chair")

    assert result.state == ReviewState.APPROVED
    entry = last_audit()
    assert (entry.action, entry.actor, entry.data["automatic"]) == ("approve", chair, False)
    assert PublishedVersion.objects.filter(article=under_review).count() == 1


def test_approval_sets_dates_closes_assignments_and_publishes(under_review, reviewers):
    sign(under_review, reviewers[0])
    before = timezone.now()

    signoff = sign(under_review, reviewers[1])

    article = Article.objects.get(pk=under_review.pk)
    assert signoff.article.state == article.state == ReviewState.APPROVED
    assert before <= article.approved_at <= timezone.now()
    assert article.next_review_due == article.approved_at + timedelta(days=365)
    assert set(Assignment.objects.filter(article=article).values_list("close_reason", flat=True)) == {"approved"}
    version = PublishedVersion.objects.get(article=article)
    review_round = ReviewRound.objects.get(article=article)
    assert (review_round.outcome, review_round.closed_at) == ("approved", article.approved_at)
    assert version.content_hash == review_round.content_hash == signoff.content_hash
    assert article.review_hash == ""
    assert [r["name"] for r in version.reviewers] == [reviewers[0].get_full_name(), reviewers[1].get_full_name()]
    assert {r["credentials"] for r in version.reviewers} == {"MD, FACP"}
    approve = last_audit()
    assert (approve.action, approve.actor, approve.data["automatic"], approve.data["version"]) == (
        "approve",
        reviewers[1],
        True,
        1,
    )


def test_approval_publishes_the_round_snapshot_not_the_working_copy(under_review, reviewers):
    frozen = under_review.review_hash
    sign(under_review, reviewers[0])
    # Rows changed behind the freeze (no service does this): what is published is what was signed.
    Section.objects.filter(article=under_review, position=1).update(body="Changed behind the freeze [1].")

    article = sign(under_review, reviewers[1]).article

    assert article.state == ReviewState.APPROVED
    version = PublishedVersion.objects.get(article=article)
    assert version.content_hash == frozen
    assert "Changed behind the freeze" not in str(version.source)
    assert "Stay active and avoid bed rest" in str(version.source)


# --- revise, retract, archive -------------------------------------------------------------


@pytest.fixture
def approved(under_review, reviewers):
    sign(under_review, reviewers[0])
    return sign(under_review, reviewers[1]).article


def test_revise_starts_a_new_working_copy_and_keeps_the_published_version(approved, author):
    version = PublishedVersion.objects.get(article=approved)

    result = services.article_revise(article=approved, user=author, change_summary="Updated the dose.")

    assert result.state == ReviewState.DRAFT
    assert result.review_hash == ""
    assert PublishedVersion.objects.get(article=approved) == version
    assert last_audit().action == "revise"


def test_retract_needs_a_reason_and_records_it(approved, chair, unchanged):
    with unchanged(approved), pytest.raises(InvalidInput) as exc:
        services.article_retract(article=approved, user=chair, reason="")
    assert exc.value.code == "reason-required"

    result = services.article_retract(article=approved, user=chair, reason="Superseded guidance")

    assert (result.state, result.retraction_reason) == (ReviewState.RETRACTED, "Superseded guidance")
    assert result.retracted_at is not None
    assert last_audit().comment == "Superseded guidance"


def test_author_cannot_retract(approved, author, unchanged):
    with unchanged(approved), pytest.raises(NotAllowed):
        services.article_retract(article=approved, user=author, reason="Mine")


def test_archive_is_refused_for_an_approved_article(approved, chair, unchanged):
    with unchanged(approved), pytest.raises(Conflict) as exc:
        services.article_archive(article=approved, user=chair)
    assert exc.value.code == "invalid-state"


def test_archive_closes_open_assignments(submitted, chair, reviewers):
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    result = services.article_archive(article=submitted, user=chair, comment="Duplicate topic")

    assert result.state == ReviewState.ARCHIVED
    assert Assignment.objects.get(article=submitted).close_reason == "archived"


# --- dispatcher and available transitions -------------------------------------------------


def test_article_transition_dispatches_by_name(article, author, chair):
    article = services.article_transition(article=article, user=author, name="submit")
    assert article.state == ReviewState.SUBMITTED
    article = services.article_transition(article=article, user=author, name="withdraw", comment="Oops")
    assert article.state == ReviewState.DRAFT


def test_article_transition_retract_takes_the_comment_as_reason(approved, chair):
    result = services.article_transition(article=approved, user=chair, name="retract", comment="Wrong dose")
    assert result.retraction_reason == "Wrong dose"


def test_unknown_transition_is_invalid_input(article, author, unchanged):
    with unchanged(article), pytest.raises(InvalidInput) as exc:
        services.article_transition(article=article, user=author, name="publish")

    assert exc.value.code == "unknown-transition"
    assert "submit" in exc.value.detail["allowed"]


def test_available_transitions_follow_role_state_and_conditions(article, author, other_author, chair, reviewers):
    assert services.available_transitions(article=article, user=author) == ["submit"]
    assert services.available_transitions(article=article, user=other_author) == []
    assert services.available_transitions(article=article, user=chair) == ["submit", "archive"]
    assert services.available_transitions(article=article, user=AnonymousUser()) == []
    assert services.available_transitions(article=article, user=None) == []

    article = submit(article, author)
    # start_review is not offered until the quorum is assigned.
    assert services.available_transitions(article=article, user=chair) == ["withdraw", "archive"]
    for reviewer in reviewers[:2]:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    assert services.available_transitions(article=article, user=chair) == ["withdraw", "start_review", "archive"]

    article = services.review_start(article=article, user=chair)
    assert services.available_transitions(article=article, user=reviewers[0]) == ["request_changes"]
    assert services.available_transitions(article=article, user=reviewers[2]) == []
    assert services.available_transitions(article=article, user=author) == ["withdraw"]
    assert "approve" not in services.available_transitions(article=article, user=chair)


def test_transition_refusal_says_why(article, author):
    refusal = services.transition_refusal(article=article, user=author, name="start_review")
    assert isinstance(refusal, NotAllowed)
    assert services.transition_refusal(article=article, user=author, name="submit") is None


def test_services_lock_and_reread_a_stale_instance(article, author):
    stale = Article.objects.get(pk=article.pk)
    services.article_submit(article=article, user=author)

    with pytest.raises(Conflict) as exc:
        services.article_submit(article=stale, user=author)

    assert exc.value.code == "invalid-state"
    assert AuditEntry.objects.filter(article=article, action="submit").count() == 1
