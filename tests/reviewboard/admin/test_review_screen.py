"""The review screen: threads (reply, addressed, resolved), the bar's progress in words and actions,
comparing versions, reading a published version, and plain words instead of codes and usernames."""

from __future__ import annotations

import re

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import strip_tags

from articles.models import Article, ReviewState, Section
from config.exceptions import Conflict, InvalidInput, NotAllowed
from reviewboard.board import permissions
from reviewboard.models import AuditEntry, Comment
from reviewboard.review import services
from reviewboard.review.actions.catalog import ACTIONS, audit_label
from tests.logins import logged_in
from tests.reviewboard.conftest import sign, start_review

# About the review screen, not who ends a review: "the quorum approves" (issue 18's board setting; default: the chair).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world", "quorum_approves")]

RAW_STATE_CODES = ("under_review", "changes_requested", "sign_off", "request_changes", "start_review")


def review_url(article) -> str:
    return reverse("admin:articles_article_review", args=[article.pk])


def url(view: str, article, *args) -> str:
    return reverse(f"admin:articles_article_{view}", args=[article.pk, *args])


def said(response, level=messages.SUCCESS) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == level]


def text_of(html: str) -> str:
    """What a person reads: the page without its tags, scripts and attribute values."""
    body = html.split("<body", 1)[1]
    return strip_tags(re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S))


@pytest.fixture
def blocking(under_review, reviewers):
    section = Section.objects.get(article=under_review, position=2)
    return services.comment_create(
        article=under_review, user=reviewers[0], body="Give the dose range.", section=section, blocking=True
    )


# --- threads: reply and addressed are registry actions run by the runner ---------------------------


def test_the_new_actions_are_declared_once_with_their_audit_labels():
    assert ACTIONS["reply"].on == ACTIONS["mark_addressed"].on == "comment"
    assert audit_label("reply") == "Replied to a comment"
    assert audit_label("mark_addressed") == "Comment marked addressed"


def test_the_author_replies_in_the_thread_and_its_raiser_is_told(
    blocking, author, reviewers, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.comment_reply(comment=blocking, user=author, body="Is 400 mg three times a day enough?")

    assert (reply.parent, reply.section_id, reply.blocking) == (blocking, blocking.section_id, False)
    entry = AuditEntry.objects.order_by("-seq").first()
    assert (entry.action, entry.data["thread"]) == ("reply", blocking.pk)
    assert [m.to for m in mailoutbox] == [[reviewers[0].email]]
    assert "Is 400 mg three times a day enough?" in mailoutbox[0].body
    # a reply to a reply joins the same thread
    again = services.comment_reply(comment=reply, user=reviewers[0], body="Yes, for up to 10 days.")
    assert again.parent == blocking


def test_replying_to_a_resolved_comment_or_as_an_outsider_is_refused(
    blocking, reviewers, other_author, under_review, unchanged
):
    with unchanged(under_review), pytest.raises(NotAllowed):
        services.comment_reply(comment=blocking, user=other_author, body="Me too.")
    services.comment_resolve(comment=blocking, user=reviewers[0])
    with unchanged(under_review), pytest.raises(Conflict) as exc:
        services.comment_reply(comment=blocking, user=reviewers[0], body="Late.")
    assert exc.value.code == "already-resolved"
    assert Comment.objects.filter(parent=blocking).count() == 0


def test_the_author_marks_a_comment_addressed_it_stays_open_and_its_raiser_is_told(
    blocking, author, reviewers, under_review, unchanged, django_capture_on_commit_callbacks, mailoutbox
):
    with unchanged(under_review), pytest.raises(NotAllowed):
        services.comment_mark_addressed(comment=blocking, user=reviewers[1])

    with django_capture_on_commit_callbacks(execute=True):
        done = services.comment_mark_addressed(comment=blocking, user=author, note="Dose range added to Medication.")

    assert (done.addressed_by, done.resolved_at) == (author, None)  # addressing is not resolving
    assert Comment.objects.get(parent=blocking).body == "Dose range added to Medication."
    assert [m.to for m in mailoutbox] == [[reviewers[0].email]]
    assert "stays open until you resolve it" in mailoutbox[0].body
    with unchanged(under_review), pytest.raises(Conflict) as exc:
        services.comment_mark_addressed(comment=blocking, user=author)
    assert exc.value.code == "already-addressed"
    reply = Comment.objects.get(parent=blocking)
    with pytest.raises(InvalidInput):
        services.comment_mark_addressed(comment=reply, user=author)


def test_thread_actions_through_the_screen_return_to_the_thread(blocking, author, reviewers, under_review):
    client = logged_in(author)

    response = client.post(url("comment_addressed", under_review, blocking.pk), {"note": "Added."})

    assert response.url == review_url(under_review) + f"#comment-{blocking.pk}"
    assert said(response) == [
        f"Marked as addressed. {permissions.display_name(reviewers[0])} is asked to check it and resolve it."
    ]
    refused = client.post(url("comment_reply", under_review, blocking.pk), {"body": "  "})
    assert said(refused, messages.ERROR)[0].startswith("Reply not added:")
    html = logged_in(reviewers[0]).get(review_url(under_review)).content.decode()
    thread = html.split(f'id="comment-{blocking.pk}"')[1].split('class="new-comment"')[0]
    assert "Addressed" in thread
    assert f"{permissions.display_name(author)} marked this addressed" in thread
    assert f'data-resolve="{blocking.pk}"' in thread
    assert f'data-reply="{blocking.pk}"' in thread


# --- the bar: where the review stands, in words; only the actions open now -----------------------


def test_the_bar_says_quorum_met_but_waiting_on_a_blocking_comment(blocking, chair, reviewers, under_review):
    services.comment_resolve(comment=blocking, user=reviewers[0])
    late = services.comment_create(article=under_review, user=chair, body="Check the age limit.", blocking=True)
    sign(Article.objects.get(pk=under_review.pk), reviewers[0])
    sign(Article.objects.get(pk=under_review.pk), reviewers[1])

    html = logged_in(chair).get(review_url(under_review)).content.decode()

    words = html.split('id="review-progress-words">')[1].split("</span>")[0]
    assert words == f"Quorum met - waiting on 1 blocking comment from {permissions.display_name(chair)}."
    assert 'data-transition="approve"' not in html
    assert "Approve and publish</strong> is not possible yet" in html
    assert late.pk


def test_the_bar_names_who_has_not_signed_yet(under_review, reviewers):
    sign(under_review, reviewers[0])

    html = logged_in(reviewers[1]).get(review_url(under_review)).content.decode()

    words = html.split('id="review-progress-words">')[1].split("</span>")[0]
    assert words == f"1 of 2 sign-offs - waiting on {permissions.display_name(reviewers[1])}."
    assert 'id="sign-off-button"' in html


def test_changes_requested_shows_the_reason_and_who_asked(under_review, author, reviewers):
    services.article_request_changes(article=under_review, user=reviewers[0], comment="Cite the NSAID guideline.")

    html = logged_in(author).get(review_url(under_review)).content.decode()

    assert f"Changes requested by {permissions.display_name(reviewers[0])}: “Cite the NSAID guideline.”" in html
    assert 'data-transition="submit"' in html
    assert 'id="edit-content-link"' in html


def test_a_screen_shows_no_raw_state_codes_usernames_or_permission_codenames(blocking, author, chair, reviewers):
    services.comment_reply(comment=blocking, user=author, body="Done?")
    for user in (author, chair, reviewers[0]):
        text = text_of(logged_in(user).get(review_url(blocking.article)).content.decode())
        for raw in (*RAW_STATE_CODES, "reviewer1", "reviewer2", "articles.", "Django administration"):
            assert raw not in text, (user.username, raw)
        assert "Medical Advisory Board" in text


# --- compare and read versions ----------------------------------------------------------------------


def test_a_resubmission_is_compared_with_the_round_before_word_by_word(under_review, author, chair, reviewers):
    services.article_request_changes(article=under_review, user=reviewers[0], comment="Give the dose.")
    Section.objects.filter(article=under_review, position=2).update(
        body="- Take 400 mg ibuprofen three times a day [2]"
    )
    article = services.article_submit(article=Article.objects.get(pk=under_review.pk), user=author)
    assert article.state == ReviewState.SUBMITTED

    response = logged_in(reviewers[0]).get(url("compare", article))

    html = response.content.decode()
    assert response.context["old_key"] == "round-1"
    assert response.context["new_key"] == "round-2"
    assert "<ins>Take 400 mg ibuprofen three times a day</ins> [2]" in html
    assert "Round 1 as submitted (changes requested)" in html


def test_an_unknown_version_to_compare_is_a_message_not_a_500(under_review, reviewers):
    response = logged_in(reviewers[0]).get(url("compare", under_review) + "?old=round-9&new=working")

    assert response.status_code == 200
    assert "There is no “round-9” to compare" in response.content.decode()


def test_a_published_version_reads_as_readers_get_it(article, author, chair, reviewers):
    article = start_review(article, author, chair, reviewers[:2])
    sign(article, reviewers[0])
    sign(Article.objects.get(pk=article.pk), reviewers[1])
    client = logged_in(chair)

    response = client.get(url("version", article, 1))

    html = response.content.decode()
    assert "<h1>What are the treatment options for back pain?</h1>" in html
    assert 'id="ref-1"' in html
    assert "reviewed by" in html
    missing = client.get(url("version", article, 7))
    assert said(missing, messages.ERROR) == ["Version 7 of this article was never published."]


# --- findings in words ----------------------------------------------------------------------------


def test_the_seed_pages_findings_read_as_problems_with_places_to_go():
    from pathlib import Path

    from articles.importing import parse_document
    from references.explain import explain
    from references.integrity import check_content

    seed = Path(__file__).resolve().parents[2] / "fixtures" / "corpus" / "seed-back-pain.txt"
    problems = explain(check_content(parse_document(seed.read_text())).findings)

    first = problems[0]
    assert first.is_error
    assert first.sentence.startswith("Markers 2, 3 and 4 have no reference: add the missing references")
    assert [p.link_text for p in first.places] == ["marker 2", "marker 3", "marker 4"]
    warnings = [p for p in problems if not p.is_error]
    assert warnings
    assert "Reference 1 has no DOI, PubMed ID or link" in warnings[0].sentence
    assert warnings[0].places[0].link_text == "reference 1"


@pytest.mark.parametrize("page", ["review screen", "review API detail", "home page"])
@pytest.mark.parametrize("who", ["chair", "assigned reviewer", "author"])
def test_drawing_a_page_runs_no_query_twice(under_review, author, chair, reviewers, who, page):
    """Each panel and each button asks the same rules (the open round, whether the user is assigned, their
    own assignment, the sign-off progress, the declaration): one pass over the page keeps each answer
    (``reviewboard.reading``), where a reviewer's review screen used to ask some of them four times."""
    from collections import Counter

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.reviewboard.api.clients import client_for

    user = {"chair": chair, "assigned reviewer": reviewers[0], "author": author}[who]
    client, path = {
        "review screen": (logged_in, review_url(under_review)),
        "review API detail": (client_for, f"/api/v1/review/articles/{under_review.slug}/"),
        "home page": (logged_in, "/admin/"),
    }[page]
    client = client(user)
    client.get(path)  # the session and permission caches warm

    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)

    assert response.status_code == 200
    asked = Counter(q["sql"] for q in queries if q["sql"].startswith("SELECT"))
    assert {sql[:160]: times for sql, times in asked.items() if times > 1} == {}
