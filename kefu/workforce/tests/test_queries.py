"""Query budgets: the workforce pages take a fixed number of queries however many
agents, shifts and rosters there are (no query per row)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.urls import reverse

from kefu.accounts.models import Agent, Team
from kefu.workforce.models import AgentWorkRule, Roster, RosterAssignment
from kefu.workforce.tests.conftest import TZ, WEEK, login


@pytest.fixture
def crowded(built, personas):
    """The built roster plus 30 more agents in 3 more teams with a shift every day, some
    with their own rule, and alice's shifts in 8 more weeks' rosters."""
    teams = [Team.objects.create(name=f"班组{i}") for i in range(3)]
    # 售后一组 (sam's team) gets some of them too, so the supervisor's rows grow
    teams.append(personas.alice.agent.team)
    agents = Agent.objects.bulk_create(
        Agent(external_id=f"B{i:04d}", name=f"客服{i}", team=teams[i % 4], tier="regular")
        for i in range(30)
    )
    AgentWorkRule.objects.bulk_create(AgentWorkRule(agent=a, max_hours=36) for a in agents[::3])
    shifts = []
    for a in agents:
        for day in range(7):
            start = datetime.combine(WEEK + timedelta(days=day), datetime.min.time(), TZ)
            shifts.append(
                RosterAssignment(roster=built, agent=a, day=start.date(), template="day",
                                 channel="chat", start=start + timedelta(hours=8),
                                 end=start + timedelta(hours=17),
                                 break_start=start + timedelta(hours=12),
                                 break_end=start + timedelta(hours=13))
            )  # fmt: skip
    alice = personas.alice.agent
    for week in range(1, 9):
        roster = Roster.objects.create(
            week_start=WEEK + timedelta(weeks=week), status="done", solver_status="optimal"
        )
        start = datetime.combine(roster.week_start, datetime.min.time(), TZ)
        shifts.append(
            RosterAssignment(roster=roster, agent=alice, day=roster.week_start, template="day",
                             channel="chat", start=start + timedelta(hours=8),
                             end=start + timedelta(hours=17))
        )  # fmt: skip
    RosterAssignment.objects.bulk_create(shifts)
    return built


def test_the_plan_page(crowded, personas, django_assert_max_num_queries):
    # 16: one query finds where the data ends (the history stops there), one reads the
    # channels' SLA targets, whatever the channels
    client = login(personas.mia)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("workforce:plan"), {"week": WEEK})
    assert response.status_code == 200 and len(response.context["rosters"]) == 1


@pytest.mark.parametrize(("who", "budget"), [("mia", 10), ("sam", 12)])
def test_the_roster_page(crowded, personas, who, budget, django_assert_max_num_queries):
    client = login(getattr(personas, who))
    with django_assert_max_num_queries(budget):
        response = client.get(reverse("workforce:roster_detail", args=[crowded.pk]))
    assert response.status_code == 200 and len(response.context["grid"]) >= 8


def test_the_my_shifts_page(crowded, personas, django_assert_max_num_queries):
    client = login(personas.alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("workforce:my_shifts"))
    assert response.status_code == 200 and len(response.context["shifts"]) >= 8


def test_the_agent_rules_page(crowded, personas, django_assert_max_num_queries):
    client = login(personas.mia)
    # 13: the skills' window ends where the data do (metrics' default end: 3 queries)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("workforce:agent_rules"))
    assert response.status_code == 200 and len(response.context["rows"]) == 33


def test_the_roster_api(crowded, personas, django_assert_max_num_queries, settings):
    settings.ROOT_URLCONF = "kefu.workforce.tests.api_urls"
    client = login(personas.mia)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/v1/wfm/rosters/{crowded.pk}")
    assert response.status_code == 200 and len(response.json()["assignments"]) >= 210
