"""Sign-offs: bound to the frozen content hash, one per assignment and hash, approval at the quorum."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article, PublishedVersion, ReviewState, Section
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.models import AuditEntry, SignOff
from reviewboard.review import services
from tests.factories import ArticleFactory
from tests.reviewboard.conftest import assignment_of, content_hash, reads_of, sign, start_review

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]


def test_sign_off_records_reviewer_hash_comment_and_audit(under_review, reviewers):
    signoff = sign(under_review, reviewers[0], comment="Accurate and well cited.")

    assert (signoff.reviewer, signoff.content_hash, signoff.decision, signoff.comment) == (
        reviewers[0],
        under_review.review_hash,
        "approve",
        "Accurate and well cited.",
    )
    assert signoff.article.state == ReviewState.UNDER_REVIEW  # 1 of 2
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.actor, entry.content_hash) == ("sign_off", reviewers[0], under_review.review_hash)
    assert (entry.data["signed"], entry.data["required"]) == (1, 2)


def test_accepting_and_signing_off_record_the_declaration_their_conflict_check_read(article, author, chair, reviewers):
    # One read of the reviewer's declaration for the check and the record: a second read could return a
    # declaration signed in between, recorded as the one this reviewer accepted or signed under unchecked.
    under_review = start_review(article, author, chair, reviewers[:2], accept=False)
    with CaptureQueriesContext(connection) as accepting:
        services.assignment_accept(
            assignment=assignment_of(under_review, reviewers[0]), user=reviewers[0], no_conflict=True
        )
    with CaptureQueriesContext(connection) as signing:
        signoff = sign(under_review, reviewers[0])

    assert reads_of(accepting.captured_queries, "reviewboard_declaration") == 1
    assert reads_of(signing.captured_queries, "reviewboard_declaration") == 1
    newest = reviewers[0].declarations.order_by("-signed_at", "-id").first()
    assert assignment_of(under_review, reviewers[0]).accepted_declaration == newest
    assert signoff.declaration == newest


def test_the_last_needed_sign_off_approves_in_the_same_transaction(
    under_review, reviewers, django_capture_on_commit_callbacks
):
    sign(under_review, reviewers[0])

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        signoff = sign(under_review, reviewers[1])

    assert signoff.article.state == ReviewState.APPROVED
    assert Article.objects.get(pk=under_review.pk).state == ReviewState.APPROVED
    assert PublishedVersion.objects.filter(article=under_review).count() == 1
    actions = list(AuditEntry.objects.filter(article=under_review).values_list("action", flat=True))
    assert actions[-2:] == ["sign_off", "approve"]
    assert callbacks  # the render of the published version is enqueued after commit


def test_stale_hash_is_refused_and_not_recorded(under_review, reviewers, unchanged):
    stale = "0" * 64

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        sign(under_review, reviewers[0], content_hash_=stale)

    assert exc.value.code == "stale-content-hash"
    assert exc.value.detail == {
        "signed": stale,
        "under_review": under_review.review_hash,
        "round": 1,
    }
    assert f"you signed {stale[:12]}" in exc.value.message.lower()


def test_sign_off_binds_to_the_rounds_snapshot_not_the_working_copy(under_review, reviewers, unchanged):
    frozen = under_review.review_hash
    # Rows changed behind the freeze (no service can): the round still reviews what was submitted.
    Section.objects.filter(article=under_review, position=1).update(body="Edited behind the freeze [1].")
    live = content_hash(under_review)
    assert live != frozen

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        sign(under_review, reviewers[0], content_hash_=live)
    assert exc.value.code == "stale-content-hash"
    assert exc.value.detail == {"signed": live, "under_review": frozen, "round": 1}

    assert sign(under_review, reviewers[0], content_hash_=frozen).content_hash == frozen


def test_a_sign_off_from_an_earlier_round_does_not_count(under_review, author, chair, reviewers):
    first_hash = under_review.review_hash
    sign(under_review, reviewers[0])
    services.article_request_changes(article=under_review, user=reviewers[1], comment="Cite [2] better")
    old_assignment = SignOff.objects.get(reviewer=reviewers[0], decision="approve").assignment
    services.article_submit(article=under_review, user=author)  # same content, same hash; reviewers kept
    article = services.review_start(article=Article.objects.get(pk=under_review.pk), user=chair)
    assert article.review_hash == first_hash

    with pytest.raises(Conflict) as exc:
        services.assignment_sign_off(assignment=old_assignment, reviewer=reviewers[0], content_hash=first_hash)
    assert exc.value.code == "assignment-closed"
    assert "round 1 (ended: changes requested)" in exc.value.message
    assert (exc.value.detail["round"], exc.value.detail["round_outcome"]) == (1, "changes_requested")

    signoff = sign(article, reviewers[1])

    # reviewer1's approval of the same hash was made through a closed assignment: 1 of 2, not approved.
    assert signoff.article.state == ReviewState.UNDER_REVIEW
    assert services.transition_refusal(article=article, user=chair, name="approve").code == "quorum-not-met"


def test_one_approval_per_assignment_and_hash(under_review, reviewers, unchanged):
    sign(under_review, reviewers[0])

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        sign(under_review, reviewers[0])

    assert exc.value.code == "already-signed"


def test_only_the_assignments_reviewer_signs(under_review, reviewers, chair, author, unchanged):
    assignment = assignment_of(under_review, reviewers[0])
    for intruder in (reviewers[1], reviewers[2], chair, author):
        with unchanged(under_review), pytest.raises(NotAllowed) as exc:
            services.assignment_sign_off(
                assignment=assignment, reviewer=intruder, content_hash=under_review.review_hash
            )
        assert exc.value.code == "permission-denied"


def test_sign_off_needs_the_article_under_review(submitted, chair, reviewers, unchanged):
    assignment = services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)

    with unchanged(submitted), pytest.raises(Conflict) as exc:
        services.assignment_sign_off(assignment=assignment, reviewer=reviewers[0], content_hash=submitted.review_hash)

    assert exc.value.code == "invalid-state"


def test_sign_off_on_a_removed_assignment_is_refused(under_review, chair, reviewers, unchanged):
    assignment = assignment_of(under_review, reviewers[0])
    services.assignment_remove(assignment=assignment, user=chair)

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        services.assignment_sign_off(
            assignment=assignment, reviewer=reviewers[0], content_hash=under_review.review_hash
        )

    assert exc.value.code == "assignment-closed"


def test_sign_off_by_a_deactivated_reviewer_is_refused(under_review, reviewers, unchanged):
    reviewers[0].reviewer_profile.active = False
    reviewers[0].reviewer_profile.save()

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        sign(under_review, reviewers[0])

    assert exc.value.code == "reviewer-inactive"


def test_sign_off_needs_a_hash(under_review, reviewers, unchanged):
    with unchanged(under_review), pytest.raises(InvalidInput) as exc:
        services.assignment_sign_off(
            assignment=assignment_of(under_review, reviewers[0]), reviewer=reviewers[0], content_hash=""
        )

    assert (exc.value.code, exc.value.detail) == ("content-hash-required", {"field": "content_hash"})


def test_quorum_counts_distinct_reviewers_on_the_current_hash(author, chair, reviewers):
    article = ArticleFactory(authors=[author], quorum=3)
    article = start_review(article, author, chair, reviewers)

    sign(article, reviewers[0])
    sign(article, reviewers[1])
    assert Article.objects.get(pk=article.pk).state == ReviewState.UNDER_REVIEW

    assert sign(article, reviewers[2]).article.state == ReviewState.APPROVED
    assert SignOff.objects.filter(article=article, decision="approve").count() == 3


def test_an_open_blocking_comment_holds_approval_back(under_review, chair, reviewers):
    services.comment_create(article=under_review, user=chair, body="Check the dose", blocking=True)
    sign(under_review, reviewers[0])

    signoff = sign(under_review, reviewers[1])

    assert signoff.article.state == ReviewState.UNDER_REVIEW
    assert not PublishedVersion.objects.filter(article=under_review).exists()
