"""The defects the rounds/registry/outbox redesign fixes, one test each (each failed on 5f92933).

Given / when / then, through the services (the one runner), with e-mail delivered from the outbox.
"""

from __future__ import annotations

import pytest

from articles.models import Article, PublishedVersion, ReviewState
from config.exceptions import Conflict, InvalidInput
from reviewboard.delivery import outbox
from reviewboard.models import AuditEntry, Event, ReviewRound
from reviewboard.review import services
from reviewboard.review.services.library import reference_correct, reference_mark_status
from tests.factories import UserFactory
from tests.reviewboard.conftest import sign, start_review

# Real commits: the outbox's deliveries and the renders run after each action commits, as in production.
# About issue 8's defects, not who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("board_groups", "quorum_approves")]


def _approve(article, author, chair, reviewers):
    article = start_review(article, author, chair, reviewers[:2])
    sign(article, reviewers[0])
    signoff = sign(Article.objects.get(pk=article.pk), reviewers[1])
    assert signoff.article.state == ReviewState.APPROVED
    return Article.objects.get(pk=article.pk)


def test_resolving_a_blocking_comment_never_publishes(under_review, chair, reviewers, mailoutbox):
    # given: quorum met, then a blocking comment by reviewer1 holds approval back
    services.comment_create(article=under_review, user=reviewers[1], body="Dose?", blocking=False)
    blocking = services.comment_create(article=under_review, user=reviewers[0], body="Wrong dose", blocking=True)
    sign(under_review, reviewers[1])
    # when: the chair resolves it without a note
    with pytest.raises(InvalidInput) as refused:
        services.comment_resolve(comment=blocking, user=chair)
    assert refused.value.code == "note-required"
    mailoutbox.clear()
    # when: with a note
    services.comment_resolve(comment=blocking, user=chair, note="Dose corrected in section 2")
    # then: nothing was approved or published, and the comment's author was told with the note
    article = Article.objects.get(pk=under_review.pk)
    assert article.state == ReviewState.UNDER_REVIEW
    assert not PublishedVersion.objects.filter(article=article).exists()
    told = [m for m in mailoutbox if reviewers[0].email in m.to]
    assert len(told) == 1
    assert "Dose corrected in section 2" in told[0].body


def test_a_reviewer_cannot_sign_off_over_their_own_open_blocking_comment(under_review, reviewers):
    services.comment_create(article=under_review, user=reviewers[0], body="Wrong dose", blocking=True)
    with pytest.raises(Conflict) as refused:
        sign(under_review, reviewers[0])
    assert refused.value.code == "own-blocking-comment"
    assert not under_review.signoffs.exists()


def test_approval_after_resolution_comes_with_the_next_sign_off(under_review, reviewers):
    comment = services.comment_create(article=under_review, user=reviewers[0], body="Wrong dose", blocking=True)
    sign(under_review, reviewers[1])
    services.comment_resolve(comment=comment, user=reviewers[0])  # its own author: no note needed
    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW
    signoff = sign(Article.objects.get(pk=under_review.pk), reviewers[0])
    assert signoff.article.state == ReviewState.APPROVED


def test_a_live_version_is_retracted_while_a_revision_is_in_review(article, author, chair, reviewers, client):
    approved = _approve(article, author, chair, reviewers)
    revising = services.article_revise(article=approved, user=author, change_summary="Updated the dose.")
    services.article_submit(article=revising, user=author)
    # when: the chair retracts the dangerous live version while the revision is submitted
    retracted = services.article_retract(article=revising, user=chair, reason="Dosing error in v1")
    # then: readers get 410 with the reason; the version says retracted; the open round ended
    assert retracted.state == ReviewState.RETRACTED
    version = PublishedVersion.objects.get(article=article)
    assert version.retracted_at is not None
    assert version.retraction_reason == "Dosing error in v1"
    assert not ReviewRound.objects.filter(article=article, closed_at__isnull=True).exists()


def test_archiving_a_retracted_article_keeps_the_410_and_its_reason(article, author, chair, reviewers, settings):
    settings.API_PUBLIC_READ = True
    settings.API_DETAIL_CACHE_SECONDS = 0
    approved = _approve(article, author, chair, reviewers)
    services.article_retract(article=approved, user=chair, reason="Withdrawn guideline")
    services.article_archive(article=Article.objects.get(pk=article.pk), user=chair)
    from rest_framework.test import APIClient

    response = APIClient().get(f"/api/v1/articles/{article.slug}/")
    assert response.status_code == 410
    assert response.json()["error"]["detail"]["reason"] == "Withdrawn guideline"


def test_a_retracted_article_can_be_revised_into_a_new_draft(article, author, chair, reviewers):
    approved = _approve(article, author, chair, reviewers)
    retracted = services.article_retract(article=approved, user=chair, reason="Wrong")
    draft = services.article_revise(article=retracted, user=author, change_summary="Corrected after retraction.")
    assert draft.state == ReviewState.DRAFT
    assert draft.retracted_at is not None  # readers keep the 410 until a new version is approved


def test_editing_a_shared_reference_does_not_change_a_frozen_review(under_review, reviewers, make_article):
    # given: another author's draft cites the same record as the article under review
    reference = under_review.citations.first().reference
    frozen = Article.objects.get(pk=under_review.pk).review_hash
    editor = UserFactory(username="editor-x", groups=["Board chair"])
    editor.user_permissions.add(*_perms("articles.edit_any_article", "references.change_reference"))
    # when: the record is corrected
    reference_correct(reference=reference, user=editor, title=reference.title + " (corrected)")
    # then: the round still reviews what was submitted; sign-offs on it count; the correction is audited
    assert Article.objects.get(pk=under_review.pk).review_hash == frozen
    sign(under_review, reviewers[0])
    assert AuditEntry.objects.filter(action="reference_correct").count() == 1


def test_correcting_a_published_reference_keeps_the_approved_payload_and_flags_rereview(
    article, author, chair, reviewers, mailoutbox
):
    approved = _approve(article, author, chair, reviewers)
    version = PublishedVersion.objects.get(article=approved)
    before = version.source["citations"][0]["reference"]["title"]
    editor = UserFactory(username="editor-y", groups=["Board chair"])
    editor.user_permissions.add(*_perms("articles.edit_any_article", "references.change_reference"))
    mailoutbox.clear()
    reference = approved.citations.get(number=1).reference
    reference_mark_status(reference=reference, user=editor, status="withdrawn")
    version.refresh_from_db()
    import json

    payload = json.loads(version.payload_json)
    assert payload["content_hash"] == version.content_hash
    assert payload["references"][0]["title"] == before
    assert payload["references"][0]["notice"]["kind"] == "withdrawn"
    flagged = Article.objects.get(pk=approved.pk)
    assert flagged.review_overdue is True
    assert any("re-review" in m.subject.lower() for m in mailoutbox)
    assert AuditEntry.objects.filter(action="reference_status").exists()


def test_a_bad_email_is_a_failed_delivery_never_a_lost_action(under_review, reviewers, author):
    # given: the author's address cannot be put in a header
    type(author).objects.filter(pk=author.pk).update(email="author@example.org\nBcc: x@example.org")
    # when: a blocking comment is made (its event e-mails the authors)
    comment = services.comment_create(article=under_review, user=reviewers[0], body="Stop", blocking=True)
    # then: the comment exists, and its event failed with a reason, not retried forever
    assert comment.pk is not None
    event = Event.objects.get(type="comment.blocking")
    assert event.failed_at is not None
    assert event.dispatched_at is None
    assert "email.comment_blocking: " in event.last_error
    assert outbox.deliver(event.pk) == "skipped"


def test_resubmission_opens_the_next_round_with_the_same_reviewers(under_review, author, chair, reviewers):
    services.article_request_changes(article=under_review, user=reviewers[0], comment="Cite the trial")
    article = services.article_submit(article=Article.objects.get(pk=under_review.pk), user=author)
    rounds = list(ReviewRound.objects.filter(article=article).order_by("number"))
    assert [(r.number, r.outcome) for r in rounds] == [(1, "changes_requested"), (2, "")]
    assert sorted(a.reviewer.username for a in rounds[1].assignments.all()) == ["reviewer1", "reviewer2"]
    # a sign-off with the first round's assignment names the real reason
    old = rounds[0].assignments.get(reviewer=reviewers[0])
    services.review_start(article=article, user=chair)
    with pytest.raises(Conflict) as refused:
        services.assignment_sign_off(assignment=old, reviewer=reviewers[0], content_hash=rounds[0].content_hash)
    assert "round 1 (ended: changes requested)" in refused.value.message


def _perms(*names):
    from django.contrib.auth.models import Permission

    found = []
    for name in names:
        app, codename = name.split(".")
        found.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    return found


def test_resubmission_carries_each_reviewer_once_and_not_the_removed(submitted, author, chair, reviewers):
    # given: in round 1 reviewer1 is assigned, removed and assigned again; reviewer3 is assigned and removed
    first = services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)
    services.assignment_remove(assignment=first, user=chair)
    services.assignment_create(article=submitted, reviewer=reviewers[0], user=chair)
    services.assignment_create(article=submitted, reviewer=reviewers[1], user=chair)
    removed = services.assignment_create(article=submitted, reviewer=reviewers[2], user=chair)
    services.assignment_remove(assignment=removed, user=chair)
    article = services.review_start(article=Article.objects.get(pk=submitted.pk), user=chair)
    mine = article.assignments.get(reviewer=reviewers[0], closed_at__isnull=True)
    services.assignment_accept(assignment=mine, user=reviewers[0], no_conflict=True)  # issue 18: accept first
    services.article_request_changes(article=article, user=reviewers[0], comment="Cite the trial")
    # when: the author resubmits
    article = services.article_submit(article=Article.objects.get(pk=article.pk), user=author)
    # then: round 2 has reviewer1 and reviewer2, once each, and not the removed reviewer3
    second = ReviewRound.objects.get(article=article, number=2)
    assert sorted(second.assignments.values_list("reviewer__username", flat=True)) == ["reviewer1", "reviewer2"]
