"""Review comments: who comments, anchoring to a section, blocking, and who resolves."""

from __future__ import annotations

import pytest

from articles.models import Article, ReviewState, Section
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.models import AuditEntry, Comment
from reviewboard.review import services
from tests.factories import ArticleFactory
from tests.reviewboard.conftest import content_hash, sign

# Not about who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]


def test_reviewer_comments_on_a_section(under_review, reviewers):
    section = Section.objects.get(article=under_review, position=2)

    comment = services.comment_create(
        article=under_review, user=reviewers[0], body="Name the NSAID.", section=section, blocking=True
    )

    assert (comment.section, comment.section_heading, comment.blocking) == (section, "Medication", True)
    assert comment.content_hash == content_hash(under_review)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.comment, entry.data["comment_id"], entry.data["blocking"]) == (
        "comment",
        "Name the NSAID.",
        comment.pk,
        True,
    )


def test_section_may_be_given_by_id(under_review, reviewers):
    section = Section.objects.get(article=under_review, position=1)

    comment = services.comment_create(article=under_review, user=reviewers[0], body="Fine.", section=section.pk)

    assert comment.section == section


def test_section_of_another_article_is_invalid(under_review, reviewers, author, unchanged):
    elsewhere = Section.objects.filter(article=ArticleFactory(authors=[author])).first()

    with unchanged(under_review), pytest.raises(InvalidInput) as exc:
        services.comment_create(article=under_review, user=reviewers[0], body="Hm", section=elsewhere)

    assert (exc.value.code, exc.value.detail) == ("invalid-section", {"field": "section"})


def test_empty_body_is_invalid(under_review, reviewers, unchanged):
    with unchanged(under_review), pytest.raises(InvalidInput) as exc:
        services.comment_create(article=under_review, user=reviewers[0], body=" \n")

    assert exc.value.detail == {"field": "body"}


def test_authors_and_chair_comment_others_do_not(under_review, author, other_author, chair, reviewers, unchanged):
    assert services.comment_create(article=under_review, user=author, body="Reply").author == author
    assert services.comment_create(article=under_review, user=chair, body="Note").author == chair

    for outsider in (other_author, reviewers[2]):
        with unchanged(under_review), pytest.raises(NotAllowed):
            services.comment_create(article=under_review, user=outsider, body="Drive-by")


def test_an_author_cannot_make_a_blocking_comment(under_review, author, unchanged):
    with unchanged(under_review), pytest.raises(NotAllowed) as exc:
        services.comment_create(article=under_review, user=author, body="Block my own", blocking=True)

    assert "blocking" in exc.value.message


def test_no_comments_on_archived_articles(article, chair, unchanged):
    article = services.article_archive(article=article, user=chair)

    with unchanged(article), pytest.raises(Conflict) as exc:
        services.comment_create(article=article, user=chair, body="Late")

    assert exc.value.code == "invalid-state"


@pytest.fixture
def blocking(under_review, reviewers):
    return services.comment_create(article=under_review, user=reviewers[0], body="Dose is wrong", blocking=True)


def test_the_reviewer_who_raised_a_blocking_comment_resolves_it(blocking, reviewers):
    resolved = services.comment_resolve(comment=blocking, user=reviewers[0])

    assert resolved.resolved_by == reviewers[0]
    assert resolved.resolved_at is not None
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data) == ("resolve_comment", {"comment_id": blocking.pk, "blocking": True})


def test_the_chair_resolves_any_comment_with_a_note_and_its_author_is_told(
    blocking, chair, reviewers, under_review, unchanged, django_capture_on_commit_callbacks, mailoutbox
):
    with unchanged(under_review), pytest.raises(InvalidInput) as exc:
        services.comment_resolve(comment=blocking, user=chair)
    assert (exc.value.code, exc.value.detail) == ("note-required", {"field": "note"})

    with django_capture_on_commit_callbacks(execute=True):
        resolved = services.comment_resolve(comment=blocking, user=chair, note="Dose checked against [2].")

    assert (resolved.resolved_by, resolved.resolution_note) == (chair, "Dose checked against [2].")
    assert [m.to for m in mailoutbox] == [[reviewers[0].email]]
    assert "Dose checked against [2]." in mailoutbox[0].body


def test_the_article_author_cannot_resolve_a_blocking_comment(blocking, author, reviewers, under_review, unchanged):
    for user in (author, reviewers[1]):
        with unchanged(under_review), pytest.raises(NotAllowed):
            services.comment_resolve(comment=blocking, user=user)


def test_the_article_author_resolves_a_non_blocking_comment(under_review, reviewers, author):
    comment = services.comment_create(article=under_review, user=reviewers[0], body="Typo in heading")

    assert services.comment_resolve(comment=comment, user=author).resolved_by == author


def test_resolving_twice_is_a_conflict(blocking, reviewers, under_review, unchanged):
    services.comment_resolve(comment=blocking, user=reviewers[0])

    with unchanged(under_review), pytest.raises(Conflict) as exc:
        services.comment_resolve(comment=blocking, user=reviewers[0])

    assert exc.value.code == "already-resolved"


def test_resolving_the_last_blocking_comment_never_approves(blocking, under_review, reviewers):
    sign(under_review, reviewers[1])

    services.comment_resolve(comment=blocking, user=reviewers[0])

    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW
    assert AuditEntry.objects.order_by("-seq").first().action == "resolve_comment"
    # The approval comes with the next sign-off, which completes the quorum.
    assert sign(under_review, reviewers[0]).article.state == ReviewState.APPROVED
    approve = AuditEntry.objects.order_by("-seq").first()
    assert (approve.action, approve.data["automatic"], approve.data["trigger"]) == (
        "approve",
        True,
        f"sign_off by {reviewers[0]}",
    )


def test_resolving_one_of_two_blocking_comments_does_not_approve(blocking, under_review, reviewers, chair):
    services.comment_create(article=under_review, user=chair, body="Also this", blocking=True)
    sign(under_review, reviewers[1])
    services.comment_resolve(comment=blocking, user=reviewers[0])

    sign(under_review, reviewers[0])

    assert Article.objects.get(pk=under_review.pk).state == ReviewState.UNDER_REVIEW
    assert Comment.objects.filter(article=under_review, blocking=True, resolved_at__isnull=True).count() == 1
