"""Issue 18's steps on the admin's screens, as the per-role browser walkthrough found them
(tests/browser/test_decision_walkthrough.py): the invitation's answer and the warnings' reasons out of the
sticky bar (the reasons typed in their panel); the jump strip leading to a reviewer's report, the warnings
to answer and the decision letters; a filed report folded to one line; the sign-offs' acknowledgements
folded; the chair told that the approval's comment goes to the authors; the authors' decision letters on
their home page."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from articles.importing import parse_document, read_source
from articles.models import Section
from references.explain import explain
from references.integrity import check_content
from reviewboard.admin.dashboard import task_panels
from reviewboard.models import ChecklistItem, DecisionLetter
from reviewboard.review import selectors, services
from reviewboard.review.services.content import content_create
from reviewboard.review.warnings import round_warnings
from tests.reviewboard.conftest import assignment_of, start_review

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("review_world")]

SIGN_OFF_FORM = 'form="sign-off-form"'


@pytest.fixture(autouse=True)
def checklist(db):
    if not ChecklistItem.objects.filter(active=True).exists():
        ChecklistItem.objects.create(text="Dosing checked against the label", position=1)


@pytest.fixture
def warned(article, author, chair, reviewers):
    """Under review on content with one uncited figure (an integrity warning), nobody accepted yet."""
    Section.objects.create(
        article=article, position=3, heading="Outlook", level=2, body="75% of patients improve within 48 hours."
    )
    return start_review(article, author, chair, reviewers[:2], accept=False)


def page(user, article) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("admin:articles_article_review", args=[article.pk])).content.decode()


def part(html: str, element_id: str) -> str:
    """The element with ``element_id`` up to the end of its panel (the next ``</section>`` or module ``</div>``)."""
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>" if element_id == "review-bar" else '<div class="module', start + 1)]


def jumps(html: str) -> list[str]:
    return re.findall(r'data-jump="[^"]+">([^<]+)</a>', part(html, "review-jumps"))


def accept_and_report(article, reviewer, *, accept: bool = True, **report):
    assignment = assignment_of(article, reviewer)
    if accept:
        services.assignment_accept(assignment=assignment, user=reviewer, no_conflict=True)
    checklist = [{"item": item.pk, "answer": "yes"} for item in ChecklistItem.objects.filter(active=True)]
    services.assignment_report(
        assignment=assignment, user=reviewer, recommendation="approve", checklist=checklist, **report
    )


def sign_acknowledging(article, reviewer):
    warnings = round_warnings(selectors.open_round(article))
    services.assignment_sign_off(
        assignment=assignment_of(article, reviewer),
        reviewer=reviewer,
        content_hash=article.review_hash,
        acknowledgements=[{"warning": w.key, "reason": "Checked; it stands."} for w in warnings],
    )


def test_the_warnings_reasons_are_typed_in_their_panel_not_in_the_sticky_bar(warned, reviewers):
    warnings = round_warnings(selectors.open_round(warned))
    assert warnings

    html = page(reviewers[0], warned)

    bar, panel = part(html, "review-bar"), part(html, "warnings-panel")
    assert 'id="sign-off-button"' in bar
    assert 'name="ack:' not in bar
    assert panel.count(SIGN_OFF_FORM) == len(warnings)  # posted with the bar's sign-off form
    for warning in warnings:
        assert f'name="ack:{warning.key}"' in panel
    assert f"Warnings to answer ({len(warnings)})" in jumps(html)


def test_the_invitations_answer_sits_under_the_sticky_bar_not_in_it(warned, reviewers):
    html = page(reviewers[0], warned)

    assert 'id="accept-form"' not in part(html, "review-bar")
    assert html.index('id="accept-form"') > html.index('id="review-bar"')


def test_whoever_does_not_sign_reads_the_warnings_folded_without_reasons_to_type(warned, author):
    html = page(author, warned)

    panel = part(html, "warnings-panel")
    assert '<details class="warnings-fold">' in panel  # not open
    assert SIGN_OFF_FORM not in html
    assert not any(label.startswith("Warnings to answer") for label in jumps(html))


def test_a_reviewer_jumps_to_their_report_and_a_filed_report_folds_its_form(warned, reviewers):
    services.assignment_accept(assignment=assignment_of(warned, reviewers[0]), user=reviewers[0], no_conflict=True)

    before = page(reviewers[0], warned)
    accept_and_report(warned, reviewers[1], comments_to_author="Cite the figure.")
    accept_and_report(warned, reviewers[0], accept=False, comments_to_author="Fine.")
    after = page(reviewers[0], warned)

    assert "Your report" in jumps(before)
    assert 'id="report-update"' not in before
    assert ">File your report</button>" in before
    assert '<details class="report-update" id="report-update"><summary>Change your report</summary>' in after
    assert ">Save the changed report</button>" in after


def test_the_chair_reads_reports_and_folded_acknowledgements_and_is_told_the_comment_reaches_the_authors(
    warned, chair, reviewers
):
    for reviewer in reviewers[:2]:
        accept_and_report(warned, reviewer)
        sign_acknowledging(warned, reviewer)
    client = Client()
    client.force_login(chair)

    html = page(chair, warned)
    form = client.get(reverse("admin:articles_article_transition", args=[warned.pk, "approve"])).content.decode()

    assert "Reports" in jumps(html)
    assert html.count('<details class="signoff-acks"><summary>') == 2
    assert "acknowledged</summary>" in html
    assert "the chair&#x27;s note to the authors in the decision letter" in form


def test_an_author_finds_the_latest_decision_letter_on_their_home_page(warned, author, other_author, chair, reviewers):
    for reviewer in reviewers[:2]:
        accept_and_report(warned, reviewer, comments_to_author="Cite the figure.")
        sign_acknowledging(warned, reviewer)
    services.article_request_changes(article=warned, user=chair, comment="Cite the 75% figure.")
    warned.refresh_from_db()
    again = start_review(warned, author, chair, [])  # round 2 with the same reviewers, carried over
    for reviewer in reviewers[:2]:
        sign_acknowledging(again, reviewer)
    services.article_approve(article=again, user=chair, comment="Thank you.", clinically_significant=False)

    mine = {panel["key"]: panel for panel in task_panels(author)}
    html = page(author, warned)

    assert DecisionLetter.objects.filter(article=warned).count() == 2
    [task] = mine["letters"]["tasks"]  # the latest letter of each article of mine
    assert (task.title, task.action) == (warned.question, "Read the letter")
    assert task.needs.startswith("Approved on ")
    assert task.url == reverse("admin:articles_article_review", args=[warned.pk]) + "#letters-panel"
    assert "Decision letters" in jumps(html)
    others = {panel["key"]: panel for panel in task_panels(other_author)}
    assert (others["letters"]["count"], others["letters"]["tasks"]) == (0, [])


SEED_ARTICLE = Path(__file__).resolve().parents[3] / "articles" / "demo" / "back-pain.txt"


def findings_panel(html: str) -> str:
    start = html.index('id="integrity-panel"')
    return html[start : html.index('id="preview-panel"', start)]


def test_the_jump_strip_counts_the_findings_as_the_panel_lists_them(author):
    # the seed article, its markers pointing at its one reference (as in the decision walkthrough): eight
    # warnings that the panel lists in three groups (the reference twice, six uncited figures in one entry)
    content = parse_document(read_source(SEED_ARTICLE), source_name=SEED_ARTICLE.name)
    fixed = tuple(replace(s, body=re.sub(r"\[\d+(?:\s*[,\u2013-]\s*\d+)*\]", "[1]", s.body)) for s in content.sections)
    article = content_create(content=replace(content, sections=fixed, slug="back-pain-seed"), author=author)
    report = check_content(replace(content, sections=fixed))
    assert (len(report.errors), len(report.warnings), len(explain(report.findings))) == (0, 8, 3)

    html = page(author, article)

    panel = findings_panel(html)
    assert "Findings (8 in 3 groups)" in jumps(html)
    assert "<summary>Warnings for reviewers (8 in 3 groups)</summary>" in panel
    assert panel.count('class="finding finding-warning"') == 3


def test_one_finding_is_counted_alone(warned, author):
    html = page(author, warned)

    assert "Findings (1)" in jumps(html)
    assert "<summary>Warnings for reviewers (1)</summary>" in findings_panel(html)
