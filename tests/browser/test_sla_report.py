"""The SLA report in a real browser: a manager opens it from the dashboards' tabs,
switches to by-team, and reads a team's figures, which are the core's
(kefu.sla.core.report, through kefu.metrics.sla_report)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command

from kefu.accounts.models import Team
from kefu.metrics import sla_report
from kefu.metrics.models import KpiFact

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kefu2024"
YEAR = "date_from=2024-01-01&date_to=2024-12-31"


@pytest.fixture
def demo(db):
    """The deterministic demo data at its smallest size and one log-in per role."""
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/")


def test_manager_reads_a_team_figure_equal_to_the_core(demo, page, screenshot):
    # the core's tally per team for 2024 (every fact: the manager sees all)
    facts = KpiFact.objects.filter(day__gte=date(2024, 1, 1), day__lte=date(2024, 12, 31))
    total, groups = sla_report.tallies(facts)
    team_id, tally = max(
        ((k, t) for k, t in groups["team"].items() if k is not None), key=lambda kt: kt[1].breached
    )
    team = Team.objects.get(pk=team_id)

    log_in(page, "manager")
    page.click("nav.mainnav a[href='/metrics/']")
    page.wait_for_url("**/metrics/")
    page.click("nav.metrics-tabs a[href='/sla/report/']")
    page.wait_for_url("**/sla/report/")
    assert page.locator("h1").inner_text() == "SLA 报表"
    # the whole year, then the by-team tab
    page.fill("#id_date_from", "2024-01-01")
    page.fill("#id_date_to", "2024-12-31")
    page.click("#sla-filters button[type=submit]")
    page.wait_for_url(f"**{YEAR}**")
    page.click("#sla-tabs a[data-by='team']")
    page.wait_for_selector("#sla-table[data-by='team']")
    assert page.locator("#sla-tabs a[aria-current='page']").inner_text() == "按班组"

    row = page.locator(f"#sla-table tbody tr[data-group-id='{team_id}']")
    assert row.locator("th").inner_text() == team.name
    assert int(row.locator("[data-key='breached']").inner_text()) == tally.breached
    assert int(row.locator("[data-key='met']").inner_text()) == tally.met
    assert int(row.locator("[data-key='no_reply']").inner_text()) == tally.no_reply
    expected_rate = sla_report.percent_text(tally.rates()["breach_rate"])
    assert row.locator("[data-key='breach_rate']").inner_text() == expected_rate
    footer = page.locator("#sla-table tfoot [data-key='conversations']")
    assert int(footer.inner_text()) == total.conversations
    screenshot(page, "sla-report-by-team")
