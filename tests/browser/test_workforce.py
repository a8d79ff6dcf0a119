"""Workforce planning in a real browser: a manager opens the staffing page, changes a
channel's shrinkage, builds the week's roster, reads the grid and the gap, and downloads
the roster as Excel."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from kefu.workforce.models import Roster, StaffingParameters

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kefu2024"


@pytest.fixture
def demo(db):
    """The smallest demo (127 agents, 2024) with the workforce defaults."""
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)


def test_manager_plans_staff_builds_a_roster_and_downloads_it(demo, page, screenshot):
    # given the manager is logged in
    page.goto("/accounts/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/")

    # when they open workforce planning from the main navigation
    page.click("nav.mainnav >> text=Workforce")
    page.wait_for_url("**/workforce/")
    page.wait_for_selector("#forecast-chart svg")
    page.wait_for_selector("#requirement-chart svg")
    assert page.locator("#parameters-table tbody tr").count() == 4
    screenshot(page, "workforce-plan")

    # and lower the chat channel's shrinkage
    row = page.locator("#channel-chat")
    row.locator("input[name='chat-shrinkage']").fill("0.2")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(".flash-success")
    assert StaffingParameters.objects.get(channel="chat").shrinkage == 0.2

    # and build the roster
    with page.expect_navigation(url="**/workforce/rosters/*/", timeout=90_000):
        page.click("#build-roster", timeout=90_000)
    roster = Roster.objects.get()

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
