"""The review screen acting in place: an htmx request to a comment action gets its comment column back
(with the messages and the progress words out of band), never a redirect; without htmx nothing changes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviewboard.models import Comment
from reviewboard.review import services
from tests.logins import logged_in
from tests.reviewboard.conftest import start_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]


def url(view: str, article, *args) -> str:
    return reverse(f"admin:articles_article_{view}", args=[article.pk, *args])


def htmx(target: str) -> dict[str, str]:
    return {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": target}


@pytest.fixture
def in_review(article, author, chair, reviewers):
    return start_review(article, author, chair, reviewers[:2])


def test_a_comment_posted_with_htmx_comes_back_as_its_section_column(in_review, reviewers):
    section = in_review.sections.order_by("position")[1]
    target = f"threads-section-{section.pk}"

    response = logged_in(reviewers[0]).post(
        url("comment", in_review),
        {"body": "Give the maximum daily dose.", "section": section.pk, "blocking": "on"},
        **htmx(target),
    )

    html = response.content.decode()
    assert response.status_code == 200  # not a redirect: the page stays where it is
    assert html.lstrip().startswith(f'<aside class="review-threads" id="{target}"')
    assert "Give the maximum daily dose." in html
    assert '<div id="review-messages" hx-swap-oob="true"' in html
    assert "Blocking comment added" in html
    assert 'id="review-progress-words" hx-swap-oob="true">0 of 2 sign-offs' in html
    assert "1 blocking comment from" in html
    assert "<html" not in html  # a fragment, not the whole page
    assert Comment.objects.filter(article=in_review, section=section, blocking=True).count() == 1


def test_reply_and_resolve_with_htmx_redraw_the_thread_and_fold_it_when_resolved(in_review, reviewers):
    comment = services.comment_create(article=in_review, user=reviewers[0], body="Cite the guideline.")
    client = logged_in(reviewers[0])

    replied = client.post(url("comment_reply", in_review, comment.pk), {"body": "See [1]."}, **htmx("threads-article"))
    resolved = client.post(url("comment_resolve", in_review, comment.pk), {"note": ""}, **htmx("threads-article"))

    assert replied.status_code == 200
    assert "See [1]." in replied.content.decode()
    html = resolved.content.decode()
    assert f'<details class="thread-fold" id="comment-{comment.pk}">' in html  # resolved threads fold away
    assert "Comment resolved." in html


def test_a_refusal_with_htmx_says_why_in_place_and_changes_nothing(in_review, author):
    response = logged_in(author).post(url("comment", in_review), {"body": ""}, **htmx("threads-article"))

    assert response.status_code == 200
    assert 'class="error">Comment not added' in response.content.decode()
    assert not Comment.objects.filter(article=in_review).exists()


def test_without_htmx_the_action_still_redirects_to_the_thread(in_review, reviewers):
    comment = services.comment_create(article=in_review, user=reviewers[0], body="Cite the guideline.")

    response = logged_in(reviewers[0]).post(url("comment_resolve", in_review, comment.pk), {"note": ""})

    assert response.status_code == 302
    assert response["Location"].endswith(f"/review/#comment-{comment.pk}")


def test_the_review_screen_serves_htmx_from_the_project_and_offers_the_jump_strip(in_review, reviewers):
    services.comment_create(article=in_review, user=reviewers[0], body="Cite the guideline.")

    response = logged_in(reviewers[0]).get(url("review", in_review))

    html = response.content.decode()
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in html
    assert 'hx-target="closest .review-threads"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert 'id="review-jumps"' in html
    assert ">Open threads (1)</a>" in html
