"""The client example page (docs/examples/tracker.html) draws the seed page's header from the read API,
in Chromium, against the demo data: the demo's approved knee article at "Approved", and the same demo
content submitted as a second article and under review at "Under Review", with its pending content
(the publisher opted in) under the caution banner.

The service never serves the example page: the test hands it to the browser at the live server's origin
(Playwright's ``route``), as a publisher's own site would serve it, so its requests reach the API.
"""

from __future__ import annotations

import dataclasses
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import Page, expect
from rest_framework_api_key.models import APIKey

from articles.importing import parse_document, read_source
from articles.models import Article
from articles.services import article_create
from reviewboard.review import services
from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "tracker.html"
PAGE = "/example/tracker.html"
POLICY = "https://publisher.example.org/editorial-policy"
KNEE = Path(__file__).resolve().parents[2] / "articles" / "demo" / "knee-osteoarthritis.md"


def demo_in_review() -> Article:
    """The demo's knee content as a second article, submitted by the demo author and under review."""
    users = {u.username: u for u in get_user_model().objects.filter(username__in=["author", "chair", "reviewer1"])}
    content = parse_document(read_source(KNEE), source_name=KNEE.name)
    content = dataclasses.replace(content, slug="knee-osteoarthritis-update")
    article = article_create(content=content, author=users["author"])
    article = services.article_submit(article=article, user=users["author"])
    reviewer2 = get_user_model().objects.get(username="reviewer2")
    for reviewer in (users["reviewer1"], reviewer2):
        services.assignment_create(article=article, reviewer=reviewer, user=users["chair"])
    return services.review_start(article=article, user=users["chair"])


def open_example(browser, live_server, slug: str, key: str) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.route(f"{live_server.url}{PAGE}*", lambda route: route.fulfill(path=EXAMPLE, content_type="text/html"))
    page.goto(f"{PAGE}?slug={slug}&key={key}")
    return page


def test_the_example_page_shows_the_tracker_at_its_step(board, eager_tasks, browser, live_server, settings):
    settings.API_PENDING_CONTENT = True
    settings.EDITORIAL_POLICY_URL = POLICY
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_published", stdout=StringIO())
    in_review = demo_in_review()
    approved = Article.objects.get(slug="knee-osteoarthritis-treatment")
    _, key = APIKey.objects.create_key(name="example page")

    page = open_example(browser, live_server, approved.slug, key)
    expect(page.locator("#tracker [aria-current=step]")).to_have_attribute("data-step", "approved")
    expect(page.locator("#tracker [aria-current=step]")).to_contain_text("Approved")
    expect(page.locator("#tracker li.done")).to_have_count(2)
    expect(page.locator("#question")).to_have_text(approved.live_version.question)
    expect(page.locator("#caution")).to_be_hidden()
    expect(page.locator("#revision")).to_be_hidden()
    expect(page.locator("#last-updated")).to_contain_text("Last updated:")
    expect(page.locator("#policy")).to_have_attribute("href", POLICY)
    expect(page.locator("#error")).to_be_hidden()

    page = open_example(browser, live_server, in_review.slug, key)
    expect(page.locator("#tracker [aria-current=step]")).to_have_attribute("data-step", "under_review")
    expect(page.locator("#tracker [aria-current=step]")).to_contain_text("Under Review")
    expect(page.locator("#tracker li.done")).to_have_count(1)  # submitted
    expect(page.locator("#tracker [data-step=approved] time")).to_have_count(0)
    expect(page.locator("#caution")).to_have_text(settings.API_PENDING_CAUTION)
    expect(page.locator("#question")).to_have_text(in_review.question)
    expect(page.locator("#content h2").first).to_be_visible()
    expect(page.locator("#error")).to_be_hidden()

    # Without the opt-in the page still draws the tracker, and no unreviewed content.
    settings.API_PENDING_CONTENT = False
    page = open_example(browser, live_server, in_review.slug, key)
    expect(page.locator("#tracker [aria-current=step]")).to_have_attribute("data-step", "under_review")
    expect(page.locator("#caution")).to_be_hidden()
    expect(page.locator("#content")).to_be_empty()
