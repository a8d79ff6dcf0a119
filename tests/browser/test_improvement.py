"""Root cause in a real browser: a manager opens the month's Top-5, drills into a
problem, starts an improvement project from it and sees its before/after panel."""

from __future__ import annotations

import pytest

from kefu.improvement.tests.conftest import classified_complaints

pytestmark = pytest.mark.browser


@pytest.fixture
def complaints(personas, import_records):
    return classified_complaints(personas, import_records)


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def test_a_manager_goes_from_the_top5_to_a_project(page, complaints, screenshot):
    log_in(page, complaints.mia)
    page.goto("/improvement/?month=2024-05")
    table = page.locator("#pareto-table")
    table.wait_for()
    row = table.locator("tr[data-problem='退款到账慢']")
    assert row.locator("td.num").first.inner_text() == "3"
    page.locator("#pareto-chart svg").wait_for()  # the Pareto chart is drawn
    screenshot(page, "improvement-top5")

    # drill into the problem: its three complaints of May
    row.locator("a", has_text="退款到账慢").click()
    page.wait_for_url("**/improvement/problem/**")
    assert page.locator("#problem-conversations tbody tr").count() == 3

    # back to the Top-5, start a project on the problem
    page.go_back()
    page.locator("tr[data-problem='退款到账慢'] a", has_text="发起改进项目").click()
    page.wait_for_url("**/improvement/projects/**")
    form = page.locator("#project-form")
    assert form.locator("#id_problem").input_value() == "退款到账慢"
    form.locator("#id_title").fill("退款审核提速")
    form.locator("#id_status").select_option("running")
    form.locator("#id_start").fill("2024-05-01")
    form.locator("#id_end").fill("2024-05-09")
    form.locator("button[type=submit]").click()

    # later: the project's before/after panel, computed from the conversations
    page.wait_for_url("**/improvement/projects/*/")
    panel = page.locator("#before-after-table tr[data-figure='complaints']")
    panel.wait_for()
    assert "(3 / " in panel.inner_text()  # after: the three May complaints
    assert page.locator("h1").inner_text().startswith("退款审核提速")
    screenshot(page, "improvement-project")
