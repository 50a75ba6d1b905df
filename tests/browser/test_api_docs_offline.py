"""Issue 13, item 7: the API docs render in a real (headless) Chromium with no internet.

Every request that leaves the live server is aborted, as on a machine without internet access; the
page must still draw Swagger UI (served from the project by drf-spectacular-sidecar) with the API's
operations, and the Content-Security-Policy must not block anything it needs. Before, the page
loaded Swagger UI from a CDN at ``@latest`` and stayed blank offline.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import TIMEOUT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_offline_under_the_csp(browser, live_server, board):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    outside: list[str] = []

    def only_the_live_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_live_server)
    page = context.new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
    )

    response = page.goto("/api/docs/")

    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Medical Advisory Board review service")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/articles/{slug}/").first).to_be_visible()
    assert outside == []
    assert violations == []
    context.close()
