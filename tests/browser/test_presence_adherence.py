"""Presence and schedule adherence in a real browser: an agent on shift since two hours ago
(online since then) sets herself away in her workspace and sees the change in today's
history; her supervisor's adherence page shows the day's figure for her."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.workforce import actions
from kefu.workforce.core.forecast import week_start
from kefu.workforce.models import AgentPresence, Roster, RosterAssignment

pytestmark = pytest.mark.browser


@pytest.fixture
def on_shift(personas):
    """A finished roster of this week: alice from two hours ago for eight hours; online
    since the shift began."""
    now = timezone.now()
    today = timezone.localdate()
    roster = Roster.objects.create(
        week_start=week_start(today), status="done", solver_status="optimal"
    )
    alice = Agent.objects.get(user=personas.alice)
    start = now - timedelta(hours=2)
    RosterAssignment.objects.create(
        roster=roster, agent=alice, day=timezone.localtime(start).date(), template="day",
        channel="chat", start=start, end=start + timedelta(hours=8),
    )  # fmt: skip
    actions.set_presence(alice, "online", by=personas.alice, at=start - timedelta(minutes=5))
    return personas


def log_in(page, user: User) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def test_an_agent_sets_herself_away_and_the_supervisor_sees_her_adherence(
    page, on_shift, screenshot
):
    # given alice in her workspace, online
    log_in(page, on_shift.alice)
    page.goto("/live/workspace/")
    state = page.locator("#presence-state")
    state.wait_for()
    assert state.get_attribute("data-state") == "online"
    assert state.inner_text() == "在线"  # Chinese first
    # when she sets herself away
    page.locator("#presence-card button[value=away]").click()
    page.locator("#presence-state[data-state=away]").wait_for()
    # then the row and today's history say so
    assert AgentPresence.objects.get(agent__user=on_shift.alice).state == "away"
    history = page.locator("#presence-history li")
    assert "离开" in history.last.inner_text()  # the newest of today's changes
    screenshot(page, "presence-workspace")

    # her supervisor opens the adherence page: today's figure, about 100 % (online for
    # the two hours of the shift so far)
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(page, on_shift.sam)
    page.goto("/workforce/adherence/")
    row = page.locator("#adherence tr[data-agent=A0007]")
    row.wait_for()
    value = row.locator(".adherence-value").inner_text()
    assert value.endswith("%"), value
    assert 95.0 <= float(value.rstrip(" %")) <= 100.0, value
    assert page.locator("h1").inner_text() == "排班遵守率"
    screenshot(page, "presence-adherence")
