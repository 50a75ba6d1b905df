"""The whole review path per role, clicked through the admin in a real (headless) Chromium.

The author submits from the review screen; the chair assigns two reviewers from the home page's
"waiting" list and starts the review; reviewer 1 comments (blocking) beside a section and sends the
round back with changes; the author replies, edits, marks the comment addressed and resubmits; the
chair starts round 2; reviewer 1 compares round 1 with round 2, resolves the comment and signs off;
reviewer 2 signs off from the queue, which approves; the published version reads as readers get it;
the chair reads and exports the history, triages a reader report on its own page, and finds the
published versions list open on something.

Issue 20's budgets, measured and asserted here: the review screen at most 3,000 px high on a desktop
(resolved threads folded) and 6,000 px on a phone; the edit form at most 4,000 px on a desktop with
Save on the phone's first screen; posting, replying, marking addressed and resolving keep the scroll
position with no full page load (htmx); fixing the seed article's three missing references takes at
most 15 inputs. Posting a comment, triaging the report and fixing the references are counted as tasks
(``screens.Tally``: clicks and inputs) against their budgets. The figures are written to
``test-artifacts/walkthrough/figures.txt``. Issue 18's steps (accept, report, acknowledge, the chair's
decision, the letter, the bell) are walked in ``test_decision_walkthrough.py``.

Every screen passes ``screens.check_screen``: screenshots at 1440x900 and 390x844, the main action in view
without scrolling on the desktop, no sideways scroll on the phone, axe-core with no critical or serious
violation, and no raw code, username or permission codename in the text people read.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Locator, Page, expect

from articles.content import content_from_article
from articles.importing import parse_document, read_source
from articles.models import Article, PublishedVersion, ReviewState
from references import integrity
from references.integrity import check_content
from reviewboard.clients.reports import report_create
from reviewboard.models import Comment, SignOff
from reviewboard.review.services.content import content_create
from tests.browser.screens import (
    DESKTOP,
    PHONE,
    SEED_ARTICLE,
    Budget,
    Tally,
    board_cast,
    check_screen,
    confirmed,
    heights,
    page_height,
    record_task,
    state_shown,
    success,
    write_figures,
)
from tests.factories import ArticleFactory, AuthorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "What are the treatment options for back pain?"
REVIEW_DESKTOP_MAX, REVIEW_PHONE_MAX, EDIT_DESKTOP_MAX, SEED_FIX_MAX_INPUTS = 3_000, 6_000, 4_000, 15
# Each task's clicks and inputs, counted from where the person starts it (``screens.Tally``).
# open "add a comment", type, tick "blocking", post: on the review screen, within its heights
COMMENT = Budget(clicks=2, inputs=2, desktop=REVIEW_DESKTOP_MAX, phone=REVIEW_PHONE_MAX)
TRIAGE = Budget(clicks=2, inputs=1)  # from the home page: the report, type why, dismiss
# per reference: "add", paste the line; then save (issue 20: at most 15 inputs in all), on the edit form
FIX_REFERENCES = Budget(clicks=4, inputs=3, desktop=EDIT_DESKTOP_MAX)


def in_place(page: Page, button: Locator, message: str) -> None:
    """Click ``button`` of a comment form: the thread changes in place (htmx), the page is not loaded again,
    and the reader keeps their place: the row of the article they act on stays where it was on the screen
    (at the very top of the page, where nothing can scroll, it moves only by what the bar's words grew or
    shrank)."""
    row = button.locator("xpath=ancestor::div[contains(@class, 'review-row')]").element_handle()
    where = "[window.scrollY, document.getElementById('review-bar').offsetHeight]"
    page.evaluate("window.__samePage = true")
    before, (scroll_before, bar_before) = row.bounding_box(), page.evaluate(where)
    button.click()
    success(page, message)
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    after, (scroll_after, bar_after) = row.bounding_box(), page.evaluate(where)
    assert page.evaluate("window.__samePage === true"), f"{message}: the page was loaded again"
    assert before is not None
    assert after is not None
    moved = after["y"] - before["y"]
    at_top = scroll_before == scroll_after == 0 and abs(moved - (bar_after - bar_before)) <= 2
    assert abs(moved) <= 2 or at_top, f"{message}: the row moved from y={before['y']} to y={after['y']}"


def approved_slug(article: Article) -> str:
    return Article.objects.get(pk=article.pk).slug


def open_from_list(page: Page, state: str) -> None:
    """Click the article's question in the list: it opens the review screen."""
    page.locator("#result_list").get_by_role("link", name=QUESTION).click()
    state_shown(page, state)


def test_review_walkthrough_per_role(board, eager_tasks, quorum_approves, login, live_server, artifacts):
    # "quorum_approves": this walkthrough is about the screens; the chair's decision is walked through in
    # tests/browser/test_decision_walkthrough.py (issue 18). Each reviewer accepts before judging (issue 18).
    folder = artifacts / "walkthrough"
    folder.mkdir(exist_ok=True)
    author, _, (reviewer1, reviewer2) = board_cast()
    article = ArticleFactory(authors=[author], question=QUESTION)
    review_screen = f"/admin/articles/article/{article.pk}/review/"
    figures: dict[str, object] = {}
    current: Page | None = None
    try:
        # the author: the home page says what is theirs, the review screen submits
        current = writer = login("awriter", "pw")
        check_screen(writer, folder, "01-author-home", writer.locator("#panel-to_fix .task-action"))
        expect(writer.locator("#panel-to_fix")).to_contain_text("Draft: finish it and submit it for review")
        writer.locator("[data-need=to_fix] .task-all").click()
        check_screen(writer, folder, "02-author-list", writer.locator("#result_list"))
        open_from_list(writer, "Draft")
        submit = writer.get_by_role("button", name="Submit for review")
        check_screen(writer, folder, "03-author-review-draft", submit)
        submit.click()
        success(writer, "Submitted for review. The chair assigns reviewers and starts the review.")
        state_shown(writer, "Submitted")

        # the chair: from the home page's "waiting" count to assigning and starting the review
        current = chair = login("cchair", "pw")
        waiting = chair.locator("[data-need=waiting_for_reviewers] .task-action")
        check_screen(chair, folder, "04-chair-home", waiting)
        expect(chair.locator("#panel-waiting_for_reviewers")).to_contain_text("0 of 2 reviewers assigned")
        expect(chair.locator("#panel-decisions")).to_contain_text("Nothing awaits your decision.")
        expect(chair.locator("#board-places")).not_to_contain_text("Crontabs")
        waiting.click()  # one click from the home page to the article's review screen
        state_shown(chair, "Submitted")
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
        answer = first.locator("#panel-invitations .task-action")
        check_screen(first, folder, "07-reviewer-home", answer)
        expect(first.locator("#panel-invitations")).to_contain_text("Invitation to review")
        expect(first.locator("#content")).not_to_contain_text("waits for your sign-off")
        answer.click()
        accept = first.locator("#accept-button")
        check_screen(first, folder, "08-reviewer-invitation", accept)
        first.check("#accept-no-conflict")
        accept.click()
        success(first, "You accepted the assignment")
        first.goto("/admin/")
        expect(first.locator("#panel-reviews_due")).to_contain_text(QUESTION)
        first.locator("#panel-reviews_due .task-action").click()
        check_screen(first, folder, "09-reviewer-review", first.locator("#sign-off-button"))
        medication = first.locator("#preview-section-2")
        comment = Tally(first)
        comment.click(medication.locator(".new-comment summary"))
        comment.fill(medication.locator("textarea[name=body]"), "State the maximum daily NSAID dose and for how long.")
        comment.check(medication.locator("input[name=blocking]"))
        in_place(first, medication.get_by_role("button", name="Add comment"), "Blocking comment added")
        comment.clicks += 1  # "Add comment", clicked by in_place
        expect(medication.locator(".thread-blocking")).to_contain_text("State the maximum daily NSAID dose")
        expect(first.locator("#review-progress-words")).to_contain_text("1 blocking comment from Ada Osler")
        expect(first.locator("#review-jumps")).to_contain_text("Open threads (1)")
        record_task(figures, "comment (reviewer)", comment, COMMENT, **heights(first, folder, "09a-reviewer-commented"))
        first.locator("[data-transition=request_changes]").click()
        send_back = first.locator("#transition-submit")
        check_screen(first, folder, "10-reviewer-request-changes-form", send_back)
        first.fill("#id_comment", "Give the NSAID dose range before this goes to readers.")
        send_back.click()
        success(first, "Changes requested. The authors revise the article and submit it again.")
        state_shown(first, "Changes requested")

        # the author: the bell says something happened; told why, replies, edits, marks it addressed and resubmits
        writer.goto("/admin/")
        expect(writer.locator("#bell-count")).to_contain_text("new")
        writer.locator("#notifications-bell").click()
        expect(writer.locator("#notification-list")).to_contain_text("changes requested")
        check_screen(writer, folder, "11a-author-notifications", writer.locator("#notification-list a").first)
        writer.goto(review_screen)
        expect(writer.locator("#review-progress-words")).to_contain_text(
            "Changes requested by Ada Osler, MD, FACP: “Give the NSAID dose range"
        )
        thread = writer.locator(".thread-blocking")
        check_screen(writer, folder, "11-author-changes-requested", writer.locator("#edit-content-link"))
        thread.locator("textarea[name=body]").fill("Adding 400 mg three times a day, for up to 10 days.")
        in_place(writer, thread.get_by_role("button", name="Reply"), "Reply added.")
        writer.locator("#edit-content-link").click()
        save = writer.locator("input[name=_continue]").first
        check_screen(writer, folder, "12-author-edit", save)
        figures["edit form, desktop (px)"] = edit_height = page_height(writer, DESKTOP)
        assert edit_height <= EDIT_DESKTOP_MAX, f"edit form {edit_height} px high on a desktop"
        writer.set_viewport_size(PHONE)
        writer.reload()
        expect(writer.locator("#sticky-submit input[name=_continue]")).to_be_in_viewport()  # Save on the first screen
        writer.set_viewport_size(DESKTOP)
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
        in_place(writer, thread.get_by_role("button", name="Mark as addressed"), "Marked as addressed.")
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
        in_place(first, thread.get_by_role("button", name="Resolve"), "Comment resolved.")
        folded = first.locator("details.thread-fold")
        expect(folded).to_have_count(1)
        expect(folded).not_to_have_attribute("open", "")
        figures["review screen, desktop, resolved thread folded (px)"] = desktop = page_height(first, DESKTOP)
        figures["review screen, phone 390x844 (px)"] = phone = page_height(first, PHONE)
        assert desktop <= REVIEW_DESKTOP_MAX, f"review screen {desktop} px high on a desktop"
        assert phone <= REVIEW_PHONE_MAX, f"review screen {phone} px high on a phone"
        review_hash = Article.objects.get(pk=article.pk).review_hash
        named = "Sign off on this content"
        expect(first.locator("#sign-off-form input[name=content_hash]")).to_have_value(review_hash)
        confirmed(first, first.get_by_role("button", name=named), "Sign off on the content shown here?")
        success(first, "Sign-offs: 1 of 2.")

        # reviewer 2 signs off from the queue: the quorum approves; the version reads as readers get it
        current = second = login("bcushing", "pw")
        second.locator("#panel-invitations .task-action").click()
        second.check("#accept-no-conflict")
        second.locator("#accept-button").click()
        success(second, "You accepted the assignment")
        expect(second.locator("#review-progress-words")).to_contain_text("1 of 2 sign-offs - waiting on Ben Cushing")
        sign_off = second.get_by_role("button", name=named)
        check_screen(second, folder, "14-second-reviewer-review", sign_off)
        confirmed(second, sign_off, "Sign off on the content shown here?")  # accepted above, from the invitation
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

        # a reader reports a problem: the chair triages it on the report's own page, from the home page
        report_create(
            slug=approved_slug(article),
            api_key_id=None,
            client_name="web",
            kind="factual_error",
            text="The NSAID dose is missing for older adults.",
        )
        chair.goto("/admin/")
        triage, triage_task = chair.locator("#panel-reader_reports .task-action"), Tally(chair)
        expect(chair.locator("#panel-reader_reports")).to_contain_text("The NSAID dose is missing")
        triage_task.click(triage)
        dismiss = chair.locator("[data-triage=dismiss_report]")
        check_screen(chair, folder, "18-chair-triage-report", dismiss.get_by_role("button"))
        triage_heights = heights(chair, folder, "18-chair-triage-report")
        triage_task.fill(dismiss.locator("textarea"), "The dose section covers adults of every age.")
        triage_task.click(dismiss.get_by_role("button"))
        success(chair, "Reader report dismissed.")
        record_task(figures, "triage (chair)", triage_task, TRIAGE, **triage_heights)
        chair.goto("/admin/articles/publishedversion/")
        expect(chair.locator("#result_list")).to_contain_text(QUESTION)  # never an empty view
        current = None
    finally:
        if current is not None:  # a step failed: keep what the browser showed
            current.screenshot(path=str(folder / "failure.png"), full_page=True)

    write_figures(folder, figures)
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


# Three references for the seed article's markers 2, 3 and 4, pasted as journals print them.
SEED_REFERENCES = (
    "Qaseem A, Wilt TJ, McLean RM, Forciea MA. Noninvasive treatments for acute, subacute, and chronic low back "
    "pain: a clinical practice guideline from the American College of Physicians. Ann Intern Med. "
    "2017;166(7):514-530. doi:10.7326/M16-2367",
    "Foster NE, Anema JR, Cherkin D, et al. Prevention and treatment of low back pain: evidence, challenges, and "
    "promising directions. Lancet. 2018;391(10137):2368-2383. doi:10.1016/S0140-6736(18)30489-6",
    "Chou R, Deyo R, Friedly J, et al. Systemic pharmacologic therapies for low back pain: a systematic review for "
    "an American College of Physicians clinical practice guideline. Ann Intern Med. 2017;166(7):480-492. "
    "doi:10.7326/M16-2458",
)


def test_the_seed_article_reviewed_and_its_references_fixed_within_budget(board, login, live_server, artifacts):
    """The demo (seed) article: its review screen within the height budgets, its edit form too, and its three
    missing references added by pasting, in at most 15 inputs, with no pop-up."""
    folder = artifacts / "walkthrough"
    folder.mkdir(exist_ok=True)
    author = AuthorFactory(username="awriter", first_name="Alex", last_name="Writer")
    content = parse_document(read_source(SEED_ARTICLE), source_name=SEED_ARTICLE.name)
    article = content_create(content=replace(content, slug="back-pain"), author=author)
    assert {f.code for f in check_content(content_from_article(article)).errors} == {integrity.UNRESOLVED_CITATION}
    figures: dict[str, object] = {}
    page = login("awriter", "pw")
    review_url, edit_url = (
        f"/admin/articles/article/{article.pk}/review/",
        f"/admin/articles/article/{article.pk}/change/",
    )

    figures["seed article: review screen, desktop (px)"] = desktop = page_height(
        page, DESKTOP, review_url, shot=folder / "20-seed-review-full-1440.png"
    )
    figures["seed article: review screen, phone (px)"] = phone = page_height(
        page, PHONE, review_url, shot=folder / "20-seed-review-full-390.png"
    )
    check_screen(page, folder, "20-seed-review", page.get_by_role("link", name="Edit the content"))
    figures["seed article: edit form, desktop (px)"] = edit = page_height(
        page, DESKTOP, edit_url, shot=folder / "21-seed-edit-full-1440.png"
    )
    check_screen(page, folder, "21-seed-edit", page.locator("input[name=_continue]").first)

    edit_phone = page_height(page, PHONE, edit_url)
    fix = Tally(page)
    for line in SEED_REFERENCES:
        fix.click(page.locator("#citations-group .add-row a"))
        fix.fill(page.locator("#citations-group .inline-related:not(.empty-form) .citation-paste").last, line)
    expect(page.locator("#citations-group a.add-related")).to_have_count(0)  # no pop-up to open
    fix.click(page.locator("input[name=_continue]").first)
    expect(page.locator(".errornote")).to_have_count(0)
    check_screen(page, folder, "22-seed-references-fixed", page.locator("input[name=_continue]").first)
    inputs = fix.clicks + fix.inputs
    figures["seed article: inputs to fix its three references"] = inputs
    record_task(figures, "fix references (author)", fix, FIX_REFERENCES, desktop=edit, phone=edit_phone)
    write_figures(folder, figures)

    fixed = content_from_article(Article.objects.get(pk=article.pk))
    assert [c.number for c in fixed.citations] == [1, 2, 3, 4]
    assert {f.code for f in check_content(fixed).errors} == set()
    assert inputs <= SEED_FIX_MAX_INPUTS
    assert desktop <= REVIEW_DESKTOP_MAX, f"seed review screen {desktop} px high on a desktop"
    assert phone <= REVIEW_PHONE_MAX, f"seed review screen {phone} px high on a phone"
    assert edit <= EDIT_DESKTOP_MAX, f"seed edit form {edit} px high on a desktop"
