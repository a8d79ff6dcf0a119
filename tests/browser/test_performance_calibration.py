"""The calibration meeting in a real browser: a manager adjusts an agent's score with a
reason, and the team's distribution (table and chart) moves with it."""

from __future__ import annotations

import random

import pytest

from kefu.accounts.models import Agent, Team
from kefu.performance.models import AgentScore, CalibrationAdjustment
from kefu.performance.tests.fairness_data import make_cycle, make_score

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("performance_defaults")]


@pytest.fixture
def cycle(personas):
    """A quarter with reviews of three teams (a dozen agents each)."""
    rng = random.Random(7)
    cycle = make_cycle()
    make_score(cycle, personas.alice.agent, 62.0)
    make_score(cycle, personas.bob.agent, 84.0)
    for t, (name, centre) in enumerate((("售后一组", 78), ("售前一组", 84), ("夜班组", 74))):
        team, _ = Team.objects.get_or_create(name=name)
        for i in range(11):
            agent = Agent.objects.create(
                external_id=f"K{t}{i:02d}", name=f"客服{t}{i:02d}", team=team, tier="regular"
            )
            make_score(cycle, agent, round(rng.gauss(centre, 6), 1))
    return cycle


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"pw-{username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def test_a_manager_adjusts_a_score_with_a_reason_and_sees_it_in_the_distribution(
    page, personas, cycle, screenshot
):
    alice = personas.alice.agent
    log_in(page, "mia")
    page.goto("/performance/")
    page.click("nav.qa-tabs a[href='/performance/calibration/']")
    page.wait_for_selector("#pf-distribution")
    # the charts are drawn (ECharts puts a canvas in each)
    page.wait_for_selector("#pf-box-chart canvas")
    page.wait_for_selector("#pf-hist-chart canvas")
    team_row = page.locator("#pf-distribution tr[data-team='售后一组']")
    mean_before = float(team_row.locator(".pf-final-mean").inner_text())
    assert team_row.locator("td").nth(2).inner_text() == "0"  # none adjusted yet

    # a reason is required: the browser refuses the empty field
    row = page.locator(f"#score-{alice.pk}")
    row.locator("input[name=after]").fill("74")
    row.locator("button[type=submit]").click()
    assert not CalibrationAdjustment.objects.exists()

    # with the reason, the score changes
    row.locator("input[name=reason]").fill("神秘客户样本仅 2 通，校准会一致同意上调")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("ul.flash li")
    page.wait_for_selector("#pf-adjustments td:has-text('神秘客户样本仅 2 通')")

    score = AgentScore.objects.get(cycle=cycle, agent=alice)
    assert (score.score, score.calibrated_score) == (62.0, 74.0)
    team_row = page.locator("#pf-distribution tr[data-team='售后一组']")
    assert team_row.locator("td").nth(2).inner_text() == "1"
    members = AgentScore.objects.filter(cycle=cycle, team__name="售后一组")
    expected = sum(s.final_score for s in members) / members.count()
    mean_after = float(team_row.locator(".pf-final-mean").inner_text())
    assert mean_after == pytest.approx(expected, abs=0.05) and mean_after > mean_before
    assert "74.0" in page.locator(f"#score-{alice.pk} .pf-final").inner_text()
    page.wait_for_selector("#pf-box-chart canvas")
    screenshot(page, "performance-calibration")
