"""The QA pages in a real browser: a QA specialist opens the problem dashboard, the
results list, filters it by an indicator, opens a conversation and sees the evidence
highlighted on the message the hit rests on."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.db.models import Count

from kefu.qa.core.figures import evidence_words
from kefu.qa.models import QaHit, QaResult

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kefu2024"


@pytest.fixture
def demo(db):
    """The deterministic demo data at its smallest size (200 conversations of 2024, scored
    by the import) and one log-in per role."""
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)
    assert QaResult.objects.filter(is_current=True).count() == 200


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/")


def worded_indicator() -> str:
    """The most frequent indicator whose evidence names words found in a message."""
    rows = (
        QaHit.objects.filter(is_current=True, evidence__startswith="出现")
        .exclude(messages=[])
        .values_list("indicator")
        .annotate(n=Count("pk"))
        .order_by("-n", "indicator")
    )
    return rows[0][0]


def test_qa_specialist_filters_results_and_sees_highlighted_evidence(demo, page, screenshot):
    indicator = worded_indicator()
    expected = set(
        QaHit.objects.filter(is_current=True, indicator=indicator).values_list(
            "result__conversation__external_id", flat=True
        )
    )

    log_in(page, "qa")
    page.click("nav.mainnav a[href='/qa/']")
    page.wait_for_url("**/qa/")
    page.wait_for_selector("#qa-trend-chart svg")
    page.wait_for_selector("#qa-frequency-chart svg")
    page.wait_for_selector("#qa-heatmap-chart svg")
    assert page.locator("#qa-totals [data-figure=scored]").inner_text() == "200"
    # the switch redraws the monthly hits by severity
    page.click("input[name='frequency-key'][value='severity']")
    page.wait_for_selector("#qa-frequency-chart svg")
    screenshot(page, "qa-dashboard")

    # the results list, filtered by the indicator (HTMX swaps the table and the address)
    page.click("nav.qa-tabs a[href='/qa/results/']")
    page.wait_for_url("**/qa/results/")
    assert page.locator("table.qa-results tbody tr").count() == 50
    page.select_option("#id_indicator", indicator)
    page.wait_for_url(re.compile(rf".*/qa/results/\?.*indicator={indicator}.*"))
    page.wait_for_function(
        "n => document.querySelectorAll('table.qa-results tbody tr').length === n",
        arg=len(expected),
    )
    listed = set(page.locator("a.qa-conversation-link").all_inner_texts())
    assert listed == expected
    rows = page.locator("table.qa-results tbody tr")
    for i in range(rows.count()):
        assert rows.nth(i).locator(f".qa-chip[data-indicator='{indicator}']").count() == 1
    screenshot(page, "qa-results-filtered")

    # open the first conversation: the hit's words are highlighted on its message
    first = page.locator("a.qa-conversation-link").first
    external_id = first.inner_text()
    first.click()
    page.wait_for_url(f"**/qa/conversations/{external_id}/")
    hit = QaHit.objects.get(
        is_current=True, indicator=indicator, result__conversation__external_id=external_id
    )
    message = page.locator(f"[data-message='{hit.messages[0]}']")
    assert message.locator(f".qa-marker [data-indicator='{indicator}']").is_visible()
    marked = message.locator("mark").all_inner_texts()
    assert marked and all(any(w in m for m in marked) for w in evidence_words(hit.evidence))
    assert message.locator("mark").first.is_visible()
    assert page.locator("#qa-breakdown").is_visible()
    screenshot(page, "qa-conversation")


def test_supervisor_opens_an_agents_qa_summary_from_the_dashboard(demo, page, screenshot):
    log_in(page, "supervisor")
    page.goto("/qa/?from=2024-01-01&to=2024-12-31")
    page.wait_for_selector("#qa-trend-chart svg")
    link = page.locator("#top-agents-table a.agent-link").first
    name = link.inner_text()
    link.click()
    page.wait_for_url(re.compile(r".*/qa/agents/\d+/\?from=2024-01-01&to=2024-12-31"))
    assert name in page.inner_text("h1")
    page.wait_for_selector("#qa-trend-chart svg")
    assert page.locator("#qa-totals [data-figure=rate]").inner_text().endswith("%")
    screenshot(page, "qa-agent")
