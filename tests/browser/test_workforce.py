"""Workforce planning in a real browser: a manager opens the staffing page, changes a
channel's shrinkage (in percent), builds the week's roster in the background while the
page shows its progress, reads the grid and the gap, and downloads the roster as Excel;
and edits an agent's scheduling rule in place."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from kefu.workforce import building
from kefu.workforce.models import AgentWorkRule, Roster, StaffingParameters

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kefu2024"


@pytest.fixture
def demo(db):
    """The smallest demo (127 agents, 2024) with the workforce defaults."""
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)


def log_in_as_manager(page) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/")


def test_manager_plans_staff_builds_a_roster_and_downloads_it(demo, page, screenshot, settings):
    # given no worker takes the build at once (the test plays the worker) and the
    # manager is logged in
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.KEFU_WFM_ROSTER_TIME_LIMIT_S = 20
    log_in_as_manager(page)

    # when they open workforce planning from the main navigation
    page.click("nav.mainnav a[href='/workforce/']")
    page.wait_for_url("**/workforce/")
    page.wait_for_selector("#forecast-chart svg")
    page.wait_for_selector("#requirement-chart svg")
    assert page.locator("#parameters-table tbody tr").count() == 4
    screenshot(page, "workforce-plan")

    # and lower the chat channel's shrinkage from 30 % to 20 %
    row = page.locator("#channel-chat")
    assert row.locator("input[name='chat-shrinkage']").input_value() == "30"
    row.locator("input[name='chat-shrinkage']").fill("20")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    assert StaffingParameters.objects.get(channel="chat").shrinkage == 0.2

    # and build the roster: its page shows the build waiting, then its progress
    with page.expect_navigation(url="**/workforce/rosters/*/"):
        page.click("#build-roster")
    roster = Roster.objects.latest("pk")  # the one just queued (after the demo's 4 weeks)
    page.wait_for_selector("#build-status progress")
    assert roster.status == "queued"
    screenshot(page, "workforce-building")
    building.execute_build(roster.pk)  # what `kefu db_worker` does
    # the polling page notices the end and reloads with the roster
    page.wait_for_selector("#roster-grid", timeout=30_000)
    roster.refresh_from_db()
    assert roster.status == "done"
    assert page.locator("#solver-outcome").count() == 1

    # then they see the grid per agent and day, the cover with its gap, the prediction
    assert (
        page.locator("#roster-grid tbody tr").count()
        == roster.assignments.values("agent").distinct().count()
    )
    assert page.locator("#summary-table tbody tr").count() == 4
    page.wait_for_selector("#cover-chart svg")
    page.wait_for_selector("#service-chart svg")
    page.click(".wfm-channel-switch button[data-channel='phone']")
    assert (
        page.get_attribute(".wfm-channel-switch button[data-channel='phone']", "aria-pressed")
        == "true"
    )
    screenshot(page, "workforce-roster")

    # and download it as Excel
    with page.expect_download() as info:
        page.click("#roster-export")
    path = info.value.path()
    book = load_workbook(io.BytesIO(Path(path).read_bytes()))
    assert book.sheetnames[0] in ("Roster", "排班表")
    assert "chat" in book.sheetnames


def test_manager_edits_an_agents_rule_in_place(demo, page, screenshot):
    log_in_as_manager(page)
    page.goto("/workforce/settings/agents/")
    assert page.locator("#agent-rules tbody tr").count() == 127
    first = page.locator("#agent-rules tbody tr").first
    row_id = first.get_attribute("id")
    agent_pk = int(row_id.removeprefix("agent-"))

    # when they open the first agent's rule in place and ask for too few hours
    first.locator("a[hx-get]").click()
    form = page.locator(f"#{row_id} form")
    form.wait_for()
    form.locator("input[name='min_hours']").fill("38")
    form.locator("input[name='max_hours']").fill("30")
    form.locator("button[type=submit]").click()
    # then the form stays, saying why
    page.wait_for_selector(f"#{row_id} .errorlist")
    assert not AgentWorkRule.objects.filter(agent_id=agent_pk).exists()
    screenshot(page, "workforce-agent-rule")

    # and with sound hours and no nights it is saved, and the row shows it
    form = page.locator(f"#{row_id} form")
    form.locator("input[name='min_hours']").fill("24")
    form.locator("input[name='max_hours']").fill("30")
    form.locator("input[name='nights']").uncheck()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f"#{row_id} a[hx-get]")
    assert "24–30" in page.locator(f"#{row_id}").inner_text()
    rule = AgentWorkRule.objects.get(agent_id=agent_pk)
    assert (rule.min_hours, rule.max_hours, rule.nights) == (24, 30, False)
