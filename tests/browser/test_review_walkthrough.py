"""The whole review path, clicked through the admin in a real (headless) Chromium.

The author submits; the chair assigns two reviewers and starts the review; reviewer 1 finds the
article in their queue and adds a blocking comment; the author sees the content read-only; the
comment is resolved; both reviewers sign off with the button that names the content hash; the
article is approved. Screenshots of the queue and the review page go to ``test-artifacts/``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, PublishedVersion, ReviewState
from reviewboard.models import Comment, SignOff
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "What are the treatment options for back pain?"


def success(page: Page, text: str) -> None:
    """The admin's success message says ``text`` (a refusal would show as an error instead)."""
    expect(page.locator("ul.messagelist li.error")).to_have_count(0)
    expect(page.locator("ul.messagelist li.success")).to_contain_text(text)


def state_shown(page: Page, label: str) -> None:
    expect(page.locator("#review-state")).to_have_text(label)


def test_review_walkthrough(board, eager_tasks, login, live_server, artifacts):
    author = AuthorFactory(username="author", first_name="Alex", last_name="Writer")
    ChairFactory(username="chair", first_name="Carla", last_name="Chair")
    reviewer1 = ReviewerFactory(username="reviewer1", first_name="Ada", last_name="Osler")
    reviewer2 = ReviewerFactory(username="reviewer2", first_name="Ben", last_name="Cushing")
    article = ArticleFactory(authors=[author], question=QUESTION)
    review_page = f"/admin/articles/article/{article.pk}/review/"
    current: Page | None = None
    try:
        # the author submits
        current = author_page = login("author", "pw")
        author_page.goto(review_page)
        state_shown(author_page, "Draft")
        author_page.get_by_role("button", name="Submit for review").click()
        success(author_page, "Submitted for review: the article is now submitted.")
        state_shown(author_page, "Submitted")

        # the chair assigns two reviewers and starts the review
        current = chair = login("chair", "pw")
        chair.goto(review_page)
        expect(chair.get_by_role("button", name="Start the review")).to_have_count(0)  # no quorum assigned yet
        for reviewer in (reviewer1, reviewer2):
            chair.select_option("#assign-reviewer", value=str(reviewer.pk))
            chair.get_by_role("button", name="Assign", exact=True).click()
            success(chair, f"{reviewer.get_full_name()} assigned")
        chair.get_by_role("button", name="Start the review").click()
        success(chair, "Review started: the article is now under review.")
        state_shown(chair, "Under review")
        expect(chair.locator("#review-progress")).to_have_text("0 of 2")

        # reviewer 1 opens the queue from the admin index and adds a blocking comment
        current = first = login("reviewer1", "pw")
        first.get_by_role("link", name="Open my review queue").click()
        expect(first.locator("#review-queue-summary")).to_contain_text("1 article waits for your sign-off")
        expect(first.locator("#result_list")).to_contain_text(QUESTION)
        expect(first.locator("#result_list")).to_contain_text("0 of 2")
        first.screenshot(path=str(artifacts / "review-queue.png"), full_page=True)
        first.get_by_role("link", name=QUESTION).click()
        state_shown(first, "Under review")
        first.select_option("#comment-section", label="Medication")
        first.fill("#comment-body", "State the maximum daily NSAID dose and for how long.")
        first.check("#comment-blocking")
        first.get_by_role("button", name="Add comment").click()
        success(first, "Blocking comment added")
        expect(first.locator("#review-blocking-count")).to_have_text("1 unresolved blocking comment")

        # the author sees the comment, the content read-only, and cannot resolve a blocking comment
        author_page.goto(review_page)
        expect(author_page.locator(".article-banner")).to_contain_text("Under review: content is frozen.")
        expect(author_page.locator("input[name=_save]")).to_have_count(0)
        expect(author_page.locator("textarea[name$='-body']")).to_have_count(0)
        expect(author_page.locator("#comments-panel")).to_contain_text("State the maximum daily NSAID dose")
        expect(author_page.locator("#comments-panel").get_by_role("button", name="Resolve")).to_have_count(0)
        expect(author_page.locator("#transition-buttons")).to_contain_text("Withdraw")
        expect(author_page.get_by_role("button", name=re.compile("Sign off"))).to_have_count(0)

        # reviewer 1 resolves it and signs off on the hash the button names
        first.reload()
        first.locator("#comments-panel textarea[name=note]").fill("Dose range stated in Medication.")
        first.locator("#comments-panel").get_by_role("button", name="Resolve").click()
        success(first, "Comment resolved.")
        review_hash = Article.objects.get(pk=article.pk).review_hash
        named = f"Sign off on content {review_hash[:4]}…{review_hash[-4:]}"
        expect(first.locator("#sign-off-button")).to_have_text(named)
        expect(first.locator("#sign-off-form input[name=content_hash]")).to_have_value(review_hash)
        first.get_by_role("button", name=named).click()
        success(first, "Sign-offs: 1 of 2.")
        expect(first.locator("#sign-off-button")).to_have_count(0)

        # reviewer 2 signs off from their queue: that completes the quorum and approves the article
        current = second = login("reviewer2", "pw")
        second.get_by_role("link", name="Open my review queue").click()
        expect(second.locator("#result_list")).to_contain_text("1 of 2")
        second.get_by_role("link", name=QUESTION).click()
        expect(second.locator("#review-progress")).to_have_text("1 of 2")
        expect(second.locator("#comments-panel")).to_contain_text("resolved by Ada Osler")
        second.screenshot(path=str(artifacts / "review-page.png"), full_page=True)
        second.get_by_role("button", name=named).click()
        success(second, "That completed the quorum: the article is approved.")
        state_shown(second, "Approved")
        expect(second.locator("#versions-panel")).to_contain_text("v1")
        second.screenshot(path=str(artifacts / "review-approved.png"), full_page=True)
        current = None
    finally:
        if current is not None:  # a step failed: keep what the browser showed
            current.screenshot(path=str(artifacts / "review-walkthrough-failure.png"), full_page=True)

    approved = Article.objects.get(pk=article.pk)
    assert approved.state == ReviewState.APPROVED
    assert approved.approved_at is not None
    version = PublishedVersion.objects.get(article=approved)
    assert version.number == 1
    assert version.content_hash == review_hash
    assert approved.live_version_id == version.pk
    assert version.rendered_at is not None
    assert {s.reviewer.username for s in SignOff.objects.filter(content_hash=review_hash)} == {"reviewer1", "reviewer2"}
    assert Comment.objects.get(article=approved).resolved_by.username == "reviewer1"
