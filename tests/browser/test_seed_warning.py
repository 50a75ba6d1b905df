"""Issue 18, in a real (headless) Chromium: the seed article, its markers fixed but its one reference still
the air-travel guideline, cannot be published until each signing reviewer acknowledges that warning by
name; the quorum then leaves it awaiting the chair's decision, and the chair's approval (with clinical
significance asked in the same step) publishes it, its provenance counting the acknowledgements.

The other way out, the author replacing the reference, is in tests/reviewboard/test_issue18_rigor.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from articles.models import Article, PublishedVersion, ReviewState
from articles.publishing import provenance
from reviewboard.models import SignOff
from reviewboard.review import selectors, services
from reviewboard.review.services.content import content_create
from reviewboard.review.warnings import round_warnings
from tests.browser.screens import board_cast, seed_with_markers_fixed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AIR_TRAVEL = "Air Travel Guidelines for Medically Stable Patients"


def sign_off_in_browser(page: Page, *, acknowledge_air_travel: bool) -> None:
    """Tick "accept", give a reason for each warning (the air-travel ones only when asked), sign off."""
    form = page.locator("#sign-off-form")
    form.locator("#sign-off-accept").check()
    for field in page.locator("#warnings-panel input[data-warning]").all():  # posted with the sign-off form
        key = field.get_attribute("data-warning")
        if key.endswith(":ref-1") and not acknowledge_air_travel:
            continue
        reason = (
            "Checked against the source; it stands."
            if not key.endswith(":ref-1")
            else ("Kept on purpose for this test: the guideline is the author's; the chair is told.")
        )
        field.fill(reason)
    page.once("dialog", lambda dialog: dialog.accept())  # the sign-off asks for confirmation (issue 20)
    form.locator("#sign-off-button").click()
    page.wait_for_load_state()


def test_the_seed_cannot_be_published_until_its_air_travel_reference_is_acknowledged(
    board, eager_tasks, login, artifacts
):
    folder = artifacts / "seed-warning"
    folder.mkdir(exist_ok=True)
    author, chair, reviewers = board_cast()
    article = content_create(content=seed_with_markers_fixed(), author=author)
    article = services.article_submit(article=article, user=author)  # no error left: only warnings
    for reviewer in reviewers:
        services.assignment_create(article=article, reviewer=reviewer, user=chair)
    article = services.review_start(article=article, user=chair)
    warnings = round_warnings(selectors.open_round(article))
    assert {w.key for w in warnings} >= {"possible-reference-mismatch:ref-1", "missing-identifier:ref-1"}
    review_screen = f"/admin/articles/article/{article.pk}/review/"

    page = None
    try:
        # reviewer 1 answers every warning but the air-travel reference's: refused, naming it
        page = first = login("aosler", "pw")
        first.goto(review_screen)
        expect(first.locator("#warnings-panel")).to_contain_text(AIR_TRAVEL)
        sign_off_in_browser(first, acknowledge_air_travel=False)
        error = first.locator(".messagelist .error")
        expect(error).to_contain_text("Sign-off refused")
        expect(error).to_contain_text(AIR_TRAVEL)
        first.screenshot(path=str(folder / "01-refused.png"), full_page=True)
        assert not SignOff.objects.exists()
        assert Article.objects.get(pk=article.pk).state == ReviewState.UNDER_REVIEW

        # now by name, with a reason: the sign-off counts
        sign_off_in_browser(first, acknowledge_air_travel=True)
        expect(first.locator(".messagelist .success")).to_contain_text("You signed off")
        first.locator(".signoff-acks summary").first.click()  # folded to one line per sign-off
        expect(first.locator(".signoff-acknowledgement").first).to_be_visible()

        # reviewer 2 too: the quorum is met, the article is NOT published, the chair decides
        page = second = login("bcushing", "pw")
        second.goto(review_screen)
        sign_off_in_browser(second, acknowledge_air_travel=True)
        expect(second.locator(".messagelist .success")).to_contain_text("the chair decides now")
        assert not PublishedVersion.objects.filter(article=article).exists()

        # the chair: awaiting the decision; approve, with clinical significance asked in the same step
        page = chair_page = login("cchair", "pw")
        chair_page.goto(review_screen)
        expect(chair_page.locator("#awaiting-decision")).to_be_visible()
        chair_page.get_by_role("link", name="Approve and publish").click()
        chair_page.locator("#id_comment").fill("Published with the reviewers' acknowledgement of the reference.")
        chair_page.locator("#id_clinically_significant").check()
        chair_page.locator("#transition-form [type=submit]").click()
        expect(chair_page.locator("#review-state")).to_contain_text("Approved")
        expect(chair_page.locator("#letters-panel")).to_contain_text("Approved")
        chair_page.screenshot(path=str(folder / "02-approved.png"), full_page=True)
        page = None
    finally:
        if page is not None:
            page.screenshot(path=str(folder / "failure.png"), full_page=True)

    version = PublishedVersion.objects.get(article=article)
    assert version.clinically_significant is True
    told = provenance(version)
    assert told["warnings_acknowledged"] == 2 * len(warnings)
    assert {a["warning"] for a in told["acknowledged_warnings"]} >= {"possible-reference-mismatch:ref-1"}
