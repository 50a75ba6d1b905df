"""Real-browser fixtures: Debian's Chromium driven by Playwright, headless, against ``live_server``.

No browser is ever downloaded: Playwright launches ``/usr/bin/chromium``. Playwright's sync API
runs an event loop in the test thread, and Django refuses database access from a thread with a
running loop; ``DJANGO_ALLOW_ASYNC_UNSAFE`` lifts that check for the browser tests only (set here
per test, not for the whole session). Approval's render task runs in-process (``eager_tasks`` in
tests/conftest.py) after the live server's commit, so a published version exists when the page
says "Approved".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from reviewboard.board.groups import ensure_board_groups

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
TIMEOUT_MS = 10_000


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def board(transactional_db) -> None:
    """The board groups (a transactional test's flush removes them; re-created here)."""
    ensure_board_groups()


@pytest.fixture
def browser(live_server, monkeypatch) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium).")
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def login(browser: Browser, live_server) -> Callable[[str, str], Page]:
    """``login(username, password)``: a page in its own browser context, logged in through the admin form."""

    def log_in(username: str, password: str) -> Page:
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("input[type=submit]")
        expect(page.locator(".errornote")).to_have_count(0)
        expect(page.locator("#user-tools")).to_contain_text("Log out")
        return page

    return log_in
