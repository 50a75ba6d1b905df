"""Issue 18's steps per role, clicked through the admin in a real (headless) Chromium, under the board's
default setting: the chair decides after the quorum (``REVIEW_DECIDED_BY = "chair"``).

The seed (demo) article, its markers fixed but its one reference still the air-travel guideline, is in
review with two reviewers assigned (submitting, assigning and starting are walked through in
``test_review_walkthrough.py``). Each reviewer, from their home page: ACCEPTS the invitation (no conflict
of interest), files the REVIEW REPORT (a recommendation, the board's checklist, comments to the author
and confidential comments to the chair), ACKNOWLEDGES each integrity warning with a reason and SIGNS OFF.
The quorum does not publish: the chair, from "Decisions awaiting me", reads the reports side by side
and DECIDES (approve, with clinical significance asked in the same step). The author is told by the
NOTIFICATIONS bell and READS THE DECISION LETTER from their home page: the comments to the author are in
it, the confidential comments nowhere on their screens.

Each task is counted (``screens.Tally``: clicks and inputs from where the person starts it) against its
budget, and written with the heights of its screen to ``test-artifacts/walkthrough/figures.txt``. Every
new screen passes ``screens.check_screen`` (screenshots at 1440x900 and 390x844, no sideways scroll, axe,
no raw codes).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, PublishedVersion, ReviewState
from articles.publishing import provenance
from reviewboard.models import ChecklistItem, DecisionLetter, ReviewReport, SignOff
from reviewboard.review import selectors, services
from reviewboard.review.services.content import content_create
from reviewboard.review.warnings import round_warnings
from tests.browser.screens import (
    PHONE,
    Budget,
    Tally,
    below_the_bar,
    board_cast,
    check_screen,
    heights,
    record_task,
    seed_with_markers_fixed,
    state_shown,
    success,
    write_figures,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHECKLIST = (
    "Dosing checked against the label",
    "Contraindications and safety",
    "Evidence current",
    "Each reference supports its claim",
)
# The review screen's heights, issue 20's budgets in every task: at most 3,000 px on a desktop, 6,000 px on a
# phone. On a wide screen issue 18's panels (eight warnings to answer, the report, the reports, the letters)
# sit in a column beside the article that sticks under the bar and scrolls on its own, so the page is about
# as high as the seed article (about 2,300 px; 2,600-2,750 px with the bar, the findings and the invitation).
# On a phone they follow the article (about 3,400-4,200 px).
DESKTOP_MAX, PHONE_MAX = 3_000, 6_000
# Each task's clicks and inputs, from where the person starts it, and the heights of its screen.
ACCEPT = Budget(2, 1, DESKTOP_MAX, PHONE_MAX)  # home: the invitation; tick "no conflict"; accept
REPORT = Budget(2, 3 + len(CHECKLIST), DESKTOP_MAX, PHONE_MAX)  # jump; recommendation, checklist, 2 texts; file
SIGN_OFF = Budget(2, 0, DESKTOP_MAX, PHONE_MAX)  # the button and the confirmation's OK
DECIDE = Budget(3, 2, DESKTOP_MAX, PHONE_MAX)  # home: "Decide"; "Approve and publish"; note, significance; approve
READ_LETTER = Budget(1, 0, DESKTOP_MAX, PHONE_MAX)  # home: "Read the letter"
NOTIFICATIONS = Budget(2, 0)  # the bell; the entry
REPORTS = {
    "aosler": (
        "minor_revisions",
        "Say how long NSAIDs may be taken, and for whom they are unsafe.",
        "The air-travel guideline is the wrong source; I let it stand only because the claims are sound.",
    ),
    "bcushing": ("approve", "Accurate and useful for patients.", "Nothing for the chair."),
}
LETTER_NOTE = "Approved. Replace the air-travel guideline at the next revision."


def answer_and_sign(page: Page, folder: Path, figures: dict[str, object], who: str, warnings: int) -> str:
    """One reviewer's part, from their home page: accept, report, acknowledge each warning, sign off. The
    first reviewer's screens are checked and their tasks recorded in ``figures``; returns the sign-off's message."""
    recommendation, to_author, confidential = REPORTS[who]
    first = who == "aosler"

    accept = Tally(page)
    invitation = page.locator("#panel-invitations .task-action")
    if first:
        check_screen(page, folder, "30-reviewer-home-invitation", invitation)
    expect(page.locator("#panel-invitations")).to_contain_text("Invitation to review")
    accept.click(invitation)
    accept_button = page.locator("#accept-button")
    if first:
        check_screen(page, folder, "31-reviewer-invitation", accept_button)
        accept_heights = heights(page, folder, "31-reviewer-invitation")
    accept.check(page.locator("#accept-no-conflict"))
    accept.click(accept_button)
    success(page, "You accepted the assignment")
    expect(page.locator("#assignment-answer")).to_have_count(0)

    report = Tally(page)
    to_report = page.locator("#review-jumps").get_by_role("link", name="Your report")
    if first:
        check_screen(page, folder, "32-reviewer-accepted", to_report)
        report_heights = heights(page, folder, "32-reviewer-accepted")
    report.click(to_report)
    form = page.locator("#report-form")
    expect(form.locator("#report-submit")).to_be_in_viewport()
    report.choose(form.locator("#report-recommendation"), recommendation)
    for answer in form.locator("select[name^='check:']").all():
        report.choose(answer, "yes")
    report.fill(form.locator("#report-to-author"), to_author)
    report.fill(form.locator("#report-confidential"), confidential)
    report.click(form.locator("#report-submit"))
    success(page, "Your report is filed")

    # the reasons are typed in the warnings panel, one jump away; the sign-off button stays in the bar
    acknowledge = Tally(page)
    to_warnings = page.locator("#review-jumps").get_by_role("link", name=f"Warnings to answer ({warnings})")
    if first:
        check_screen(page, folder, "33-reviewer-report-filed", to_warnings)
        sign_heights = heights(page, folder, "33-reviewer-report-filed")
    acknowledge.click(to_warnings)
    reasons = page.locator("#warnings-panel input[data-warning]")
    expect(reasons).to_have_count(warnings)
    below_the_bar(page, page.locator("#warnings-panel h2"))
    for reason in reasons.all():
        acknowledge.fill(reason, "Checked against the source: the claim stands; the chair is told.")
    sign_off, button = Tally(page), page.locator("#sign-off-form #sign-off-button")
    expect(button).to_be_in_viewport()  # the sticky bar: no scrolling back to the top
    if first:
        page.screenshot(path=str(folder / "34-reviewer-warnings-answered-in-place-1440x900.png"))
        check_screen(page, folder, "34-reviewer-warnings-answered", button)
    sign_off.confirm(button, "Sign off on the content shown here?")
    expect(page.locator("ul.messagelist li.error")).to_have_count(0)
    message = page.locator("ul.messagelist li.success").inner_text()
    if first:
        expect(page.locator(".signoff-acknowledgement")).to_have_count(warnings)
        check_screen(page, folder, "35-reviewer-signed-off", page.locator("#review-state"))
        record_task(figures, "accept (reviewer)", accept, ACCEPT, **accept_heights)
        record_task(figures, "report (reviewer)", report, REPORT, **report_heights)
        # one jump to the warnings, one reason per warning
        record_task(
            figures, "acknowledge (reviewer)", acknowledge, Budget(1, warnings, DESKTOP_MAX, PHONE_MAX), **sign_heights
        )
        record_task(figures, "sign off (reviewer)", sign_off, SIGN_OFF, **sign_heights)
        figures["warnings each signing reviewer answers on the seed article"] = warnings
    return message


def test_the_structured_review_and_the_chairs_decision_per_role(board, eager_tasks, login, artifacts):
    folder = artifacts / "walkthrough"
    folder.mkdir(exist_ok=True)
    author, chair, reviewers = board_cast()
    # The board's checklist is this one, whatever the database held before (migration 0014's defaults on a
    # fresh database; nothing after an earlier transactional test's flush).
    ChecklistItem.objects.all().delete()
    for position, text in enumerate(CHECKLIST, start=1):
        ChecklistItem.objects.create(text=text, position=position)
    article = content_create(content=seed_with_markers_fixed(), author=author)
    article = services.article_submit(article=article, user=author)
    for reviewer in reviewers:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    article = services.review_start(article=article, user=chair)
    warnings = len(round_warnings(selectors.open_round(article)))
    assert warnings >= 2  # the air-travel reference: a possible mismatch, no identifier
    question = article.question
    figures: dict[str, object] = {}
    current: Page | None = None
    try:
        # the reviewers: accept, report, acknowledge, sign off; the quorum leaves the decision to the chair
        current = first = login("aosler", "pw")
        said = answer_and_sign(first, folder, figures, "aosler", warnings)
        assert "You signed off" in said, said
        current = second = login("bcushing", "pw")
        said = answer_and_sign(second, folder, figures, "bcushing", warnings)
        assert "the chair decides now" in said, said
        state_shown(second, "Under review")
        assert not PublishedVersion.objects.filter(article=article).exists()

        # the chair: from "Decisions awaiting me", the reports side by side, then approve with significance
        current = chair_page = login("cchair", "pw")
        decide = Tally(chair_page)
        to_decide = chair_page.locator("#panel-decisions .task-action")
        expect(chair_page.locator("#panel-decisions")).to_contain_text(question)
        check_screen(chair_page, folder, "36-chair-home-decision", to_decide)
        decide.click(to_decide)
        expect(chair_page.locator("#awaiting-decision")).to_be_visible()
        reports = chair_page.locator("#reports-panel .review-report")
        expect(reports).to_have_count(2)
        expect(reports.first).to_contain_text("Minor revisions")
        expect(chair_page.locator("#reports-panel")).to_contain_text(REPORTS["aosler"][2])  # confidential: the chair
        approve = chair_page.get_by_role("link", name="Approve and publish")
        check_screen(chair_page, folder, "37-chair-reports-side-by-side", approve)
        decide_heights = heights(chair_page, folder, "37-chair-reports-side-by-side")
        decide.click(approve)
        submit = chair_page.locator("#transition-submit")
        check_screen(chair_page, folder, "38-chair-decision-form", submit)
        decide.fill(chair_page.locator("#id_comment"), LETTER_NOTE)
        decide.check(chair_page.locator("#id_clinically_significant"))
        decide.click(submit)
        success(chair_page, "Approved")
        state_shown(chair_page, "Approved")
        expect(chair_page.locator("#letters-panel")).to_contain_text(LETTER_NOTE)
        record_task(figures, "decide (chair)", decide, DECIDE, **decide_heights)

        # the author: the bell says what happened; the letter is one click from the home page
        current = writer = login("awriter", "pw")
        expect(writer.locator("#bell-count")).to_contain_text("new")
        told = Tally(writer)
        told.click(writer.locator("#notifications-bell"))
        entry = writer.locator("#notification-list li", has_text="Approved").first
        expect(entry).to_contain_text("Carla Chair")
        check_screen(writer, folder, "39-author-notifications", entry.get_by_role("link"))
        told_heights = heights(writer, folder, "39-author-notifications")
        told.click(entry.get_by_role("link"))
        state_shown(writer, "Approved")
        record_task(figures, "notifications (author)", told, NOTIFICATIONS, **told_heights)

        writer.goto("/admin/")
        read = Tally(writer)
        to_letter = writer.locator("#panel-letters .task-action")
        expect(writer.locator("#panel-letters")).to_contain_text(question)
        check_screen(writer, folder, "40-author-home-letter", to_letter)
        to_letter_url = to_letter.get_attribute("href")
        read.click(to_letter)
        letter = writer.locator("#letters-panel .decision-letter").first
        below_the_bar(writer, letter.locator("h3"))
        expect(letter).to_contain_text(LETTER_NOTE)
        for _, to_author, _ in REPORTS.values():
            expect(letter).to_contain_text(to_author)
        writer.screenshot(path=str(folder / "41-author-decision-letter-in-place-1440x900.png"))
        check_screen(writer, folder, "41-author-decision-letter")
        writer.set_viewport_size(PHONE)  # the same link on a phone: the letter, not a folded article
        writer.goto(to_letter_url)
        below_the_bar(writer, letter.locator("h3"))
        writer.screenshot(path=str(folder / "41-author-decision-letter-in-place-390x844.png"))
        for _, _, confidential in REPORTS.values():
            expect(writer.locator("body")).not_to_contain_text(confidential)
        record_task(
            figures, "read letter (author)", read, READ_LETTER, **heights(writer, folder, "41-author-decision-letter")
        )
        current = None
    finally:
        if current is not None:  # a step failed: keep what the browser showed
            current.screenshot(path=str(folder / "failure.png"), full_page=True)

    write_figures(folder, figures)
    approved = Article.objects.get(pk=article.pk)
    assert approved.state == ReviewState.APPROVED
    version = PublishedVersion.objects.get(article=approved)
    assert version.clinically_significant is True
    assert provenance(version)["warnings_acknowledged"] == 2 * warnings
    assert SignOff.objects.filter(article=approved).count() == 2
    assert {r.recommendation for r in ReviewReport.objects.filter(article=approved)} == {"minor_revisions", "approve"}
    letter = DecisionLetter.objects.get(article=approved)
    assert (letter.decision, letter.decided_by) == (DecisionLetter.Decision.APPROVED, chair)
    assert all(confidential not in letter.body for _, _, confidential in REPORTS.values())
