"""What the per-role walkthroughs (``test_review_walkthrough.py``, ``test_decision_walkthrough.py``) check on
each screen and how they count a person's work.

``check_screen``: screenshots at 1440x900 and 390x844 in ``test-artifacts/walkthrough``; the main action in
view without scrolling on the desktop; no sideways scroll on the phone (``scrollWidth <= innerWidth``);
axe-core finds no critical or serious violation; and the text people read holds no raw code (states,
actions, finding codes), username or permission codename.

``Tally``: the clicks and inputs of one task, done through it like a person would (a tick, a choice in a
list and a typed text are inputs; a click on a link or a button, and the "OK" of a confirmation, are clicks).
``record_task`` writes them with the heights of the task's screen, loaded afresh at each size, to
``test-artifacts/walkthrough/figures.txt`` (one line per figure; a new run replaces its lines).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from articles.content import ArticleContent
from articles.importing import parse_document, read_source
from articles.models import ReviewState
from references import integrity
from reviewboard.review.actions.catalog import ACTIONS
from tests.factories import AuthorFactory, ChairFactory, ReviewerFactory

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
SEED_ARTICLE = Path(__file__).resolve().parents[2] / "articles" / "demo" / "back-pain.txt"
MARKER = re.compile(r"\[\d+(?:\s*[,\u2013-]\s*\d+)*\]")


def board_cast() -> tuple[Any, Any, list[Any]]:
    """The people of every walkthrough (their usernames are ``USERNAMES``, which no screen may show): an
    author, the chair and two reviewers."""
    author = AuthorFactory(username="awriter", first_name="Alex", last_name="Writer")
    chair = ChairFactory(username="cchair", first_name="Carla", last_name="Chair")
    reviewers = [
        ReviewerFactory(username="aosler", first_name="Ada", last_name="Osler"),
        ReviewerFactory(username="bcushing", first_name="Ben", last_name="Cushing"),
    ]
    return author, chair, reviewers


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


def page_height(page: Page, viewport: dict[str, int], url: str | None = None, *, shot: Path | None = None) -> int:
    """The page's full height at ``viewport``, loaded afresh there (the phone folds sections on load); with
    ``shot``, a full-page screenshot there. Loaded again, not only moved to its ``#part``: going to the same
    address with a fragment does not load the page."""
    page.set_viewport_size(viewport)
    if url is None:
        page.reload()
    else:
        page.goto(url)
    height = page.evaluate("document.documentElement.scrollHeight")
    if shot is not None:
        page.screenshot(path=str(shot), full_page=True)
    page.set_viewport_size(DESKTOP)
    return height


def write_figures(folder: Path, figures: dict[str, object]) -> None:
    """Add ``figures`` to ``figures.txt`` ("name: value" lines), replacing the lines of the same names."""
    path = folder / "figures.txt"
    lines = dict(line.split(": ", 1) for line in path.read_text().splitlines() if ": " in line) if path.exists() else {}
    lines.update({name: str(value) for name, value in figures.items()})
    path.write_text("".join(f"{name}: {value}\n" for name, value in lines.items()))


@dataclass
class Tally:
    """The clicks and inputs a person spends on one task."""

    page: Page
    clicks: int = 0
    inputs: int = 0

    def click(self, target: Locator) -> None:
        target.click()
        self.clicks += 1

    def fill(self, target: Locator, text: str) -> None:
        target.fill(text)
        self.inputs += 1

    def check(self, target: Locator) -> None:
        target.check()
        self.inputs += 1

    def choose(self, target: Locator, value: str) -> None:
        target.select_option(value)
        self.inputs += 1

    def confirm(self, button: Locator, question: str) -> None:
        """The button, then "OK" in the browser's confirmation: two clicks."""
        confirmed(self.page, button, question)
        self.clicks += 2


@dataclass(frozen=True)
class Budget:
    """At most this many clicks and inputs; with ``desktop`` / ``phone``, its screen at most this high (px)."""

    clicks: int
    inputs: int
    desktop: int | None = None
    phone: int | None = None


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def record_task(
    figures: dict[str, object], task: str, tally: Tally, budget: Budget, *, desktop: int, phone: int
) -> None:
    """The task's figure line (clicks, inputs, the heights of its screen), then its budget asserted."""
    figures[f"task {task}"] = (
        f"{_count(tally.clicks, 'click')}, {_count(tally.inputs, 'input')} "
        f"(budget {_count(budget.clicks, 'click')}, {_count(budget.inputs, 'input')}); "
        f"screen {desktop} px high at 1440x900, {phone} px at 390x844"
    )
    assert tally.clicks <= budget.clicks, f"{task}: {tally.clicks} clicks, the budget is {budget.clicks}"
    assert tally.inputs <= budget.inputs, f"{task}: {tally.inputs} inputs, the budget is {budget.inputs}"
    assert budget.desktop is None or desktop <= budget.desktop, f"{task}: {desktop} px high on a desktop"
    assert budget.phone is None or phone <= budget.phone, f"{task}: {phone} px high on a phone"


def heights(page: Page, folder: Path, name: str) -> dict[str, int]:
    """The current screen's full height on a desktop and on a phone, each loaded afresh at its size, with a
    full-page screenshot of each (``{name}-full-1440.png``, ``{name}-full-390.png``), as ``record_task`` takes them.
    The phone first: the page is left as the desktop loads it (a phone's load folds the sections)."""
    phone = page_height(page, PHONE, shot=folder / f"{name}-full-390.png")
    return {"desktop": page_height(page, DESKTOP, shot=folder / f"{name}-full-1440.png"), "phone": phone}


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


def below_the_bar(page: Page, target: Locator) -> None:
    """After a jump: ``target`` is on the screen, below the review screen's sticky bar, not hidden under it."""
    expect(target).to_be_in_viewport()
    bar, box = page.locator("#review-bar").bounding_box(), target.bounding_box()
    assert bar is not None
    assert box is not None
    assert box["y"] >= bar["y"] + bar["height"] - 1, f"under the sticky bar: y={box['y']}, bar ends at {bar}"


def state_shown(page: Page, label: str) -> None:
    expect(page.locator("#review-state")).to_have_text(label)


def seed_with_markers_fixed(slug: str = "back-pain-seed") -> ArticleContent:
    """The seed (demo) article as imported, every marker pointing at its one reference (the air-travel
    guideline): no error left, only the warnings a signing reviewer answers (issue 18)."""
    content = parse_document(read_source(SEED_ARTICLE), source_name=SEED_ARTICLE.name)
    sections = tuple(replace(s, body=MARKER.sub("[1]", s.body)) for s in content.sections)
    return replace(content, sections=sections, slug=slug, topic="back pain")
