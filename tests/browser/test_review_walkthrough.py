"""The whole review path per role, clicked through the admin in a real (headless) Chromium.

The author submits from the review screen; the chair assigns two reviewers from the home page's
"waiting" list and starts the review; reviewer 1 comments (blocking) beside a section and sends the
round back with changes; the author replies, edits, marks the comment addressed and resubmits; the
chair starts round 2; reviewer 1 compares round 1 with round 2, resolves the comment and signs off;
reviewer 2 signs off from the queue, which approves; the published version reads as readers get it;
the chair reads and exports the history.

On every screen (``check_screen``): screenshots at 1440x900 and 390x844 in ``test-artifacts/walkthrough``;
the main action in view without scrolling on the desktop; no sideways scroll on the phone
(``scrollWidth <= innerWidth``); axe-core finds no critical or serious violation; and the text people
read holds no raw code (states, actions, finding codes), username or permission codename.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from articles.models import Article, PublishedVersion, ReviewState
from references import integrity
from reviewboard.models import Comment, SignOff
from reviewboard.review.actions.catalog import ACTIONS
from tests.factories import ArticleFactory, AuthorFactory, ChairFactory, ReviewerFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "What are the treatment options for back pain?"
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
USERNAMES = ("awriter", "cchair", "aosler", "bcushing")
# What a person must never read: state and action codes, finding codes, usernames, permission codenames.
RAW_CODES = (
    *(state for state in ReviewState.values if "_" in state),
    *(name for name in ACTIONS if "_" in name),
    *(value for name, value in vars(integrity).items() if name.isupper() and isinstance(value, str) and "-" in value),
    *USERNAMES,
    "articles.",
    "chair_review",
    "review_article",
    "author_article",
    "Django administration",
)
AXE = Axe()
WIDER_THAN_VIEW = """[...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .slice(0, 6).map(e => e.tagName + '#' + e.id + '.' + e.className)"""


def check_screen(page: Page, folder: Path, name: str, main: Locator | None = None) -> None:
    """Screenshots, the main action in view, no sideways scroll on a phone, axe, no raw codes."""
    page.set_viewport_size(DESKTOP)
    page.evaluate("window.scrollTo(0, 0)")
    if main is not None:
        expect(main).to_be_visible()
        box = main.bounding_box()
        assert box is not None, name
        assert box["y"] >= 0, f"{name}: main action above the view"
        assert box["y"] + box["height"] <= DESKTOP["height"], f"{name}: main action below the fold"
    page.screenshot(path=str(folder / f"{name}-1440x900.png"))

    violations = [
        f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
        for v in AXE.run(page).response["violations"]
        if v["impact"] in ("critical", "serious")
    ]
    assert violations == [], f"{name}: {violations}"

    text = page.inner_text("body")
    found = [code for code in RAW_CODES if re.search(rf"(?<![\w.-]){re.escape(code)}(?![\w-])", text)]
    assert found == [], f"{name}: raw codes or usernames shown: {found}"

    page.set_viewport_size(PHONE)
    page.screenshot(path=str(folder / f"{name}-390x844.png"), full_page=False)
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if widths[0] > widths[1]:  # name the elements that stick out, to say what to fix
        wide = page.evaluate(WIDER_THAN_VIEW)
        pytest.fail(f"{name}: scrolls sideways on a phone ({widths[0]} > {widths[1]}): {wide}")
    page.set_viewport_size(DESKTOP)


def success(page: Page, text: str) -> None:
    """The admin's success message says ``text`` (a refusal would show as an error instead)."""
    expect(page.locator("ul.messagelist li.error")).to_have_count(0)
    expect(page.locator("ul.messagelist li.success")).to_contain_text(text)


def confirmed(page: Page, button: Locator, question: str) -> None:
    """Click ``button``: the browser asks first (``data-confirm``), and the person says yes."""
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", answer)
    button.click()
    page.wait_for_load_state()
    assert asked, f"{question!r} was never asked"
    assert asked[0].startswith(question), asked


def state_shown(page: Page, label: str) -> None:
    expect(page.locator("#review-state")).to_have_text(label)


def open_from_list(page: Page, state: str) -> None:
    """Click the article's question in the list: it opens the review screen."""
    page.locator("#result_list").get_by_role("link", name=QUESTION).click()
    state_shown(page, state)


def test_review_walkthrough_per_role(board, eager_tasks, login, live_server, artifacts):
    folder = artifacts / "walkthrough"
    folder.mkdir(exist_ok=True)
    author = AuthorFactory(username="awriter", first_name="Alex", last_name="Writer")
    ChairFactory(username="cchair", first_name="Carla", last_name="Chair")
    reviewer1 = ReviewerFactory(username="aosler", first_name="Ada", last_name="Osler")
    reviewer2 = ReviewerFactory(username="bcushing", first_name="Ben", last_name="Cushing")
    article = ArticleFactory(authors=[author], question=QUESTION)
    review_screen = f"/admin/articles/article/{article.pk}/review/"
    current: Page | None = None
    try:
        # the author: the home page says what is theirs, the review screen submits
        current = writer = login("awriter", "pw")
        check_screen(writer, folder, "01-author-home", writer.locator("#dashboard"))
        writer.locator("[data-need=to_fix] a").click()
        check_screen(writer, folder, "02-author-list", writer.locator("#result_list"))
        open_from_list(writer, "Draft")
        submit = writer.get_by_role("button", name="Submit for review")
        check_screen(writer, folder, "03-author-review-draft", submit)
        submit.click()
        success(writer, "Submitted for review. The chair assigns reviewers and starts the review.")
        state_shown(writer, "Submitted")

        # the chair: from the home page's "waiting" count to assigning and starting the review
        current = chair = login("cchair", "pw")
        check_screen(chair, folder, "04-chair-home", chair.locator("#dashboard"))
        chair.locator("[data-need=waiting_for_reviewers] a").click()
        open_from_list(chair, "Submitted")
        assign = chair.locator("#assign-link")
        check_screen(chair, folder, "05-chair-review-submitted", assign)
        expect(chair.get_by_role("button", name="Start the review")).to_have_count(0)  # no quorum assigned yet
        for reviewer in (reviewer1, reviewer2):
            chair.locator("#assign-link").click()
            chair.select_option("#assign-reviewer", value=str(reviewer.pk))
            chair.get_by_role("button", name="Assign", exact=True).click()
            success(chair, f"{reviewer.get_full_name()} assigned")
        start = chair.get_by_role("button", name="Start the review")
        check_screen(chair, folder, "06-chair-ready-to-start", start)
        confirmed(chair, start, "Start the review now?")
        success(chair, "Review started.")
        state_shown(chair, "Under review")
        expect(chair.locator("#review-progress-words")).to_contain_text("0 of 2 sign-offs - waiting on")

        # reviewer 1: the queue, a blocking comment beside the section, then the round goes back with changes
        current = first = login("aosler", "pw")
        check_screen(first, folder, "07-reviewer-home", first.locator("#review-queue-link"))
        first.get_by_role("link", name="Open my review queue").click()
        expect(first.locator("#review-queue-summary")).to_contain_text("1 article waits for your sign-off")
        check_screen(first, folder, "08-reviewer-queue", first.locator("#result_list"))
        first.get_by_role("link", name=QUESTION).click()
        check_screen(first, folder, "09-reviewer-review", first.locator("#sign-off-button"))
        medication = first.locator("#preview-section-2")
        medication.locator(".new-comment summary").click()
        medication.locator("textarea[name=body]").fill("State the maximum daily NSAID dose and for how long.")
        medication.locator("input[name=blocking]").check()
        medication.get_by_role("button", name="Add comment").click()
        success(first, "Blocking comment added")
        expect(first.locator("#review-progress-words")).to_contain_text("1 blocking comment from Ada Osler")
        first.locator("[data-transition=request_changes]").click()
        send_back = first.locator("#transition-submit")
        check_screen(first, folder, "10-reviewer-request-changes-form", send_back)
        first.fill("#id_comment", "Give the NSAID dose range before this goes to readers.")
        send_back.click()
        success(first, "Changes requested. The authors revise the article and submit it again.")
        state_shown(first, "Changes requested")

        # the author: told why, replies, edits, marks it addressed and resubmits
        writer.goto(review_screen)
        expect(writer.locator("#review-progress-words")).to_contain_text(
            "Changes requested by Ada Osler, MD, FACP: “Give the NSAID dose range"
        )
        thread = writer.locator(".thread-blocking")
        check_screen(writer, folder, "11-author-changes-requested", writer.locator("#edit-content-link"))
        thread.locator("textarea[name=body]").fill("Adding 400 mg three times a day, for up to 10 days.")
        thread.get_by_role("button", name="Reply").click()
        success(writer, "Reply added.")
        writer.locator("#edit-content-link").click()
        save = writer.locator("input[name=_continue]").first
        check_screen(writer, folder, "12-author-edit", save)
        body = writer.locator("textarea[name$='-body']").nth(1)
        body.fill(
            "- NSAIDs are the first pharmacological option for back pain [2]\n"
            "- Ibuprofen 400 mg three times a day, up to 10 days [1, 2]"
        )
        save.click()
        expect(writer.locator("ul.messagelist li.error")).to_have_count(0)
        writer.locator("#open-review-screen").click()
        thread = writer.locator(".thread-blocking")
        thread.locator("textarea[name=note]").fill("Dose and duration added to Medication.")
        thread.get_by_role("button", name="Mark as addressed").click()
        success(writer, "Marked as addressed.")
        writer.get_by_role("button", name="Submit for review").click()
        success(writer, "Submitted for review.")
        expect(writer.locator("#review-round")).to_have_text("Round 2")

        # the chair starts round 2 with the same reviewers
        chair.goto(review_screen)
        confirmed(chair, chair.get_by_role("button", name="Start the review"), "Start the review now?")
        success(chair, "Review started.")

        # reviewer 1 compares the rounds, resolves their comment and signs off
        first.goto(review_screen)
        first.locator("#compare-versions-link").click()
        expect(first.locator("#compare-panel")).to_contain_text("Round 1 as submitted (changes requested)")
        expect(first.locator("#compare-panel ins").first).to_be_visible()
        check_screen(first, folder, "13-reviewer-compare-rounds", first.locator("#compare-submit"))
        first.get_by_role("link", name="Back to the review").click()
        thread = first.locator(".thread-blocking")
        expect(thread).to_contain_text("Addressed")
        thread.locator("textarea[name=note]").fill("Dose range now stated.")
        thread.get_by_role("button", name="Resolve").click()
        success(first, "Comment resolved.")
        review_hash = Article.objects.get(pk=article.pk).review_hash
        named = "Sign off on this content"
        expect(first.locator("#sign-off-form input[name=content_hash]")).to_have_value(review_hash)
        confirmed(first, first.get_by_role("button", name=named), "Sign off on the content shown here?")
        success(first, "Sign-offs: 1 of 2.")

        # reviewer 2 signs off from the queue: the quorum approves; the version reads as readers get it
        current = second = login("bcushing", "pw")
        second.get_by_role("link", name="Open my review queue").click()
        second.get_by_role("link", name=QUESTION).click()
        expect(second.locator("#review-progress-words")).to_contain_text("1 of 2 sign-offs - waiting on Ben Cushing")
        sign_off = second.get_by_role("button", name=named)
        check_screen(second, folder, "14-second-reviewer-review", sign_off)
        confirmed(second, sign_off, "Sign off on the content shown here?")
        success(second, "That completed the quorum: the article is approved.")
        state_shown(second, "Approved")
        second.locator("#versions-panel").get_by_role("link", name="Version 1").click()
        expect(second.locator("#version-note")).to_contain_text("Live for readers.")
        check_screen(second, folder, "15-published-version", second.locator("#version-article h1"))

        # the chair reads the article's history and may export it
        chair.goto(review_screen)
        check_screen(chair, folder, "16-chair-approved", chair.locator("#review-state"))
        chair.locator("#audit-panel").get_by_role("link", name="The whole audit log of this article").click()
        expect(chair.locator("#result_list")).to_contain_text("Approved and published")
        check_screen(chair, folder, "17-chair-history", chair.locator("#export-history"))
        current = None
    finally:
        if current is not None:  # a step failed: keep what the browser showed
            current.screenshot(path=str(folder / "failure.png"), full_page=True)

    approved = Article.objects.get(pk=article.pk)
    assert approved.state == ReviewState.APPROVED
    version = PublishedVersion.objects.get(article=approved)
    assert (version.number, version.content_hash) == (1, review_hash)
    assert approved.live_version_id == version.pk
    assert version.rendered_at is not None
    assert "Ibuprofen 400 mg" in str(version.source)
    assert {s.reviewer.username for s in SignOff.objects.filter(content_hash=review_hash)} == {"aosler", "bcushing"}
    opening = Comment.objects.get(article=approved, parent=None, blocking=True)
    assert (opening.addressed_by, opening.resolved_by) == (author, reviewer1)
    assert opening.replies.count() == 2  # the author's reply and the note they left when marking it addressed
