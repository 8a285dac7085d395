"""/api/docs/ under the same strict Content-Security-Policy as every page (issue 13, 8):
Swagger UI starts from a script file, not an inline one, and lists the operations."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_the_api_docs_render_under_the_strict_policy(page, live_demo):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    response = page.goto("/api/docs/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    expect(page.get_by_text("/api/v1/prescriptions/preview").first).to_be_visible()
    assert refused == []
