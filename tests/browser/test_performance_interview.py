"""A performance interview (面谈) in a real browser: the supervisor schedules and records
it, the agent reads it, comments and acknowledges; both see the locked record."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.accounts.models import Agent
from kefu.performance.models import Cycle, Interview

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("performance_defaults")]


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def log_out(page) -> None:
    page.goto("about:blank")  # leave first: the bell's poll must not bring a new cookie back
    page.context.clear_cookies()


def test_a_supervisor_records_an_interview_that_the_agent_acknowledges(page, personas, screenshot):
    cycle = Cycle.objects.create(
        name="2024年第二季度", kind="quarter", start=date(2024, 4, 1), end=date(2024, 6, 30)
    )
    alice = Agent.objects.get(external_id="A0007")

    # given sam schedules alice's interview of the quarter
    log_in(page, "sam")
    page.goto("/performance/interviews/")
    page.click("#schedule-interview")
    page.select_option("#id_cycle", str(cycle.pk))
    page.select_option("#id_agent", str(alice.pk))
    page.fill("#id_scheduled_at", "2024-07-02T15:00")
    page.click("#save-schedule")
    page.wait_for_selector("#record-form")
    interview = Interview.objects.get()

    # when he records it
    page.fill("#id_achievements", "季度投诉率 0.4%，客户表扬 5 次")
    page.fill("#id_gaps", "首次响应均值 41 秒，高于目标 30 秒")
    page.fill("#id_causes", "午高峰同时接待会话过多，快捷短语使用少")
    page.fill("#id_actions", "学习《快捷短语与并发接待》；每周复盘两段会话；下季度首响 ≤ 30 秒")
    page.click("#save-record")
    page.wait_for_selector("#interview-achievements")
    assert "待客服确认" in page.inner_text("#interview-status")
    screenshot(page, "performance-interview-recorded")
    log_out(page)

    # then alice reads it from her interviews, comments and acknowledges
    log_in(page, "alice")
    page.goto("/performance/interviews/")
    page.click(f"#my-interviews tr[data-interview='{interview.pk}'] a")
    page.wait_for_selector("#acknowledge-form")
    assert "快捷短语与并发接待" in page.inner_text("#interview-actions")
    page.fill("#id_comment", "同意。午高峰我会先用快捷短语确认需求。")
    page.click("#acknowledge")
    page.wait_for_selector("#interview-acknowledged")
    assert "午高峰我会先用快捷短语" in page.inner_text("#interview-comment")
    screenshot(page, "performance-interview-acknowledged")
    log_out(page)

    # and sam sees her comment beside the record, which no longer takes changes
    log_in(page, "sam")
    page.goto(f"/performance/interviews/{interview.pk}/")
    page.wait_for_selector("#interview-acknowledged")
    assert "午高峰我会先用快捷短语" in page.inner_text("#interview-comment")
    assert page.locator("#record-form").count() == 0
    screenshot(page, "performance-interview-supervisor")
    interview.refresh_from_db()
    assert interview.acknowledged_at is not None
    assert interview.agent_comment == "同意。午高峰我会先用快捷短语确认需求。"
