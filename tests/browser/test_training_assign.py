"""Training in a real browser: a QA finding assigns a lesson (the rule runs after the
import's scoring), the agent opens it from their assignments and completes it; a trainer
schedules a session and enrols the agent, who checks in with the session's code."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conftest import SHANGHAI
from kefu.accounts.models import Agent
from kefu.reviews.tests.conftest import TABOO, chat
from kefu.training.models import Assignment, AssignmentRule, Course, Enrolment, Lesson

pytestmark = pytest.mark.browser


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def log_out(page) -> None:
    page.goto("about:blank")  # leave first: the bell's poll must not bring a new cookie back
    page.context.clear_cookies()


def recent_taboo_chat(cid: str, days_ago: float) -> dict:
    t0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
    when = timezone.now() - timedelta(days=days_ago)
    return chat(cid, "A0007", (when - t0).total_seconds() / 86400, TABOO)


@pytest.fixture
def lesson_course(personas):
    course = Course.objects.create(title="服务禁语与替代话术", hours=1)
    Lesson.objects.create(
        course=course, position=1, title="常见服务禁语",
        body="以下说法一律禁止：\n\n- 不知道\n- 没办法\n- 你自己看\n",
    )  # fmt: skip
    Lesson.objects.create(
        course=course, position=2, title="替代话术",
        body="| 禁语 | 替代话术 |\n|---|---|\n| 不知道 | 我帮您查一下，请稍等 |\n"
        "| 你自己看 | 我一步一步带您操作 |\n",
    )  # fmt: skip
    return course


def test_a_qa_hit_assigns_a_lesson_that_the_agent_completes(
    page, personas, lesson_course, import_records, screenshot
):
    # given a rule: two taboo phrases in 30 days → the course, due in 5 days
    AssignmentRule.objects.create(
        name="服务禁语 30 天 ≥ 2 次", indicator="forbidden_phrase", min_hits=2, window_days=30,
        course=lesson_course, due_days=5, created_by=personas.tina,
    )  # fmt: skip
    # when two of alice's conversations with a taboo phrase are imported (and scored)
    import_records(recent_taboo_chat("C-TR-1", 3), recent_taboo_chat("C-TR-2", 1))
    assignment = Assignment.objects.get()
    assert (assignment.agent.external_id, assignment.hits) == ("A0007", 2)

    # then alice finds the lesson among her assignments
    log_in(page, "alice")
    page.click("nav.mainnav a[href='/training/']")
    page.wait_for_url("**/training/")
    page.click("nav.qa-tabs a[href='/training/assignments/']")
    page.wait_for_selector("#my-assignments")
    row = page.locator(f"#my-assignments tr[data-assignment='{assignment.pk}']")
    assert row.count() == 1
    screenshot(page, "training-my-assignments")
    row.locator("a").first.click()
    page.wait_for_selector("#assignment-lessons")

    # and takes both lessons through to the end
    page.click("#open-lesson")
    page.wait_for_selector("#lesson-body li")
    page.click("#complete-lesson")
    page.wait_for_selector("#assignment-lessons li.tr-done")
    page.click("#open-lesson")
    page.wait_for_selector("#lesson-body table")
    screenshot(page, "training-lesson")
    page.click("#complete-lesson")
    page.wait_for_selector("#assignment-completed")
    assert page.locator("#assignment-lessons li.tr-done").count() == 2
    screenshot(page, "training-assignment-completed")
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    log_out(page)

    # and the trainer sees the rule with the completion counted
    log_in(page, "tina")
    page.goto(f"/training/rules/{assignment.rule_id}/")
    page.wait_for_selector("#rule-effect")
    screenshot(page, "training-rule")


def test_a_trainer_schedules_a_session_and_the_agent_checks_in(page, personas, screenshot):
    # given the trainer creates a session starting in a few minutes
    log_in(page, "tina")
    page.goto("/training/sessions/")
    page.click("#new-session")
    starts = timezone.localtime() + timedelta(minutes=5)
    page.fill("#id_title", "投诉处理工作坊")
    page.select_option("#id_kind", "course")
    page.fill("#id_starts_at", starts.strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_ends_at", (starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#id_place", "总部 3 楼培训室")
    page.fill("#id_capacity", "20")
    page.click("#save-session")
    page.wait_for_selector("#session-code")
    code = page.inner_text("#session-code").strip()
    assert len(code) == 6

    # and enrols alice by hand
    alice = Agent.objects.get(external_id="A0007")
    page.check("input[name='enrol-how'][value='agents']")
    page.select_option("#id_enrol-agents", str(alice.pk))
    page.click("#enrol-form button[type=submit]")
    page.wait_for_selector("#enrolments tr[data-agent='A0007']")
    screenshot(page, "training-session-trainer")
    log_out(page)

    # when alice enters a wrong code, then the right one
    log_in(page, "alice")
    page.goto("/training/sessions/")
    page.wait_for_selector("#my-sessions .tr-check-in input[name=code]")
    page.locator("#my-sessions .tr-check-in input[name=code]").fill(
        "000000" if code != "000000" else "111111"
    )
    page.locator("#my-sessions .tr-check-in button").click()
    page.wait_for_selector(".flash-error")
    assert Enrolment.objects.get(agent=alice).attendance == "enrolled"
    page.fill("#id_code", code)
    page.click("#check-in")
    page.wait_for_selector(".flash-success")

    # then she is marked attended, and the session has taken place
    enrolment = Enrolment.objects.get(agent=alice)
    assert enrolment.attendance == "attended"
    assert enrolment.session.status == "held"
    assert page.locator("#check-in-form").count() == 0
    screenshot(page, "training-session-checked-in")
