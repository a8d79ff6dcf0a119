"""The Content-Security-Policy in a real browser: every main page of each app renders
with no console error and no policy violation (no inline script, no eval, nothing from
elsewhere), the Swagger UI included."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kefu2024"

# Runs before any page script, outside the policy: collects what the browser refused.
_WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

# (path, a selector that shows the page's scripts ran)
PAGES = [
    ("/metrics/", ".chart svg, .chart canvas"),
    ("/conversations/", "table"),
    ("/qa/", "#qa-trend-chart svg, #qa-trend-chart canvas"),
    ("/live/", "#live-alerts"),
    ("/workforce/", "main"),
    ("/reviews/", "main"),
    ("/audit/", "main"),
    ("/api/docs", "#swagger-ui .info"),
]


@pytest.fixture
def demo(db):
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)


@pytest.fixture
def watched(browser, live_server) -> Iterator:
    """A page under the policy (conftest's `page` bypasses it), with every console error,
    page error and CSP violation collected."""
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-US", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    context.add_init_script(_WATCH_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []

    def on_console(message) -> None:
        # The test server speaks no WebSocket (tests/browser/test_live.py runs Uvicorn):
        # the live pages' socket fails there. A socket the policy refused is still caught,
        # as a violation ("Refused to connect").
        if message.type == "error" and not message.text.startswith("WebSocket connection to"):
            problems.append(f"console: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))

    def check(where: str) -> None:
        problems.extend(f"csp: {v}" for v in page.evaluate("window.__cspViolations || []"))
        assert problems == [], f"{where}: {problems}"

    page.check_clean = check
    yield page
    context.close()


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/")


def test_every_main_page_keeps_to_the_content_security_policy(demo, watched):
    watched.goto("/accounts/login/")
    watched.check_clean("/accounts/login/")
    log_in(watched, "admin")
    for path, ready in PAGES:
        watched.goto(path)
        watched.wait_for_load_state("networkidle")
        watched.locator(ready).first.wait_for()
        watched.check_clean(path)
    # a conversation and its customer (the customer page draws an ECharts chart)
    watched.goto("/conversations/")
    watched.locator("table a[href*='/conversations/']").first.click()
    watched.wait_for_load_state("networkidle")
    watched.check_clean(watched.url)
    customer = watched.locator("a[href*='/customers/']").first
    if customer.count():
        customer.click()
        watched.wait_for_load_state("networkidle")
        watched.check_clean(watched.url)


def test_the_browser_refuses_an_injected_inline_script(demo, watched):
    # The watch itself works: an injected inline script is refused and reported.
    log_in(watched, "admin")
    watched.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.appendChild(s); }"
    )
    watched.wait_for_timeout(200)
    assert watched.evaluate("window.__cspViolations.length") > 0
    assert watched.evaluate("window.__ran === undefined")
    assert "script-src" in watched.evaluate("window.__cspViolations[0]")
