"""CP-SAT rosters: never a broken hard constraint, on generated inputs."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.workforce.core.roster import (
    RosterAgent,
    RosterProblem,
    Shift,
    ShiftTemplate,
    coverage,
    solve,
    violations,
)

PER_DAY = 12  # 2-hour intervals keep generated problems small and fast
TEMPLATES = [
    ShiftTemplate("early", 3, 4, 1, 1, 2),  # 06:00–14:00, 2 h break window
    ShiftTemplate("late", 7, 4, 1, 1, 2),  # 14:00–22:00
    ShiftTemplate("night", 11, 4),  # 22:00–06:00
]


def problem(requirement, agents, **kw) -> RosterProblem:
    return RosterProblem(
        requirement=requirement,
        agents=agents,
        templates=TEMPLATES,
        intervals_per_day=PER_DAY,
        min_rest=5,
        max_nights=2,
        time_limit_s=3,
        **kw,
    )


agent_strategy = st.builds(
    RosterAgent,
    key=st.uuids().map(lambda u: u.hex[:6]),
    skills=st.sets(st.sampled_from(["chat", "phone"]), min_size=1).map(frozenset),
    tier=st.sampled_from(["new", "regular", "senior"]),
    min_hours=st.sampled_from([0.0, 12.0, 24.0]),
    max_hours=st.sampled_from([24.0, 30.0, 40.0]),
    days_off=st.sets(st.integers(0, 6), max_size=3).map(frozenset),
    max_days=st.integers(2, 5),
)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    agents=st.lists(agent_strategy, min_size=1, max_size=8, unique_by=lambda a: a.key),
    need=st.lists(st.integers(0, 3), min_size=7 * PER_DAY, max_size=7 * PER_DAY),
)
def test_a_roster_never_breaks_a_hard_constraint(agents, need):
    p = problem({"chat": need, "phone": [n // 2 for n in need]}, agents)
    result = solve(p)
    assert result.status in ("optimal", "feasible", "infeasible", "unknown")
    assert violations(p, result.shifts) == []
    scheduled, gap = coverage(p, result.shifts)
    assert scheduled == result.scheduled and gap == result.gap
    for channel, values in gap.items():
        for i, g in enumerate(values):
            assert g == max(0, p.requirement[channel][i] - scheduled[channel][i])


def test_it_covers_with_the_fewest_agents():
    # Day shifts only, 1 agent needed 06:00–14:00 every day (breaks allowed in 1 of 4
    # intervals so one agent alone leaves a gap): 5 days each → at least 2 agents.
    need = ([0] * 3 + [1] * 4 + [0] * 5) * 7
    agents = [RosterAgent(f"A{i}", frozenset({"chat"}), max_hours=40) for i in range(6)]
    p = problem({"chat": need}, agents)
    p.templates = [ShiftTemplate("early", 3, 4)]
    result = solve(p)
    assert result.status == "optimal"
    assert sum(result.gap["chat"]) == 0
    assert result.agents_used == 2
    assert violations(p, result.shifts) == []


def test_it_reports_the_gap_when_short_of_agents():
    need = [2] * (7 * PER_DAY)
    agents = [RosterAgent("A1", frozenset({"chat"}))]
    p = problem({"chat": need}, agents)
    result = solve(p)
    assert result.short_intervals > 0
    assert violations(p, result.shifts) == []


def test_the_checker_finds_broken_rules():
    p = problem({"chat": [1] * 84}, [RosterAgent("A1", frozenset({"chat"}), tier="new")])
    bad = [
        Shift("A1", 0, "night", "phone", 11, 15),
        Shift("A1", 1, "early", "chat", 15, 19, 16, 1),
    ]
    found = " ".join(violations(p, bad))
    assert "not skilled" in found
    assert "night shift" in found
    assert "rest" in found


def test_an_agent_kept_off_nights_never_works_one():
    # given only night work and two agents, one of whom may not work nights
    need = ([0] * 11 + [1]) * 7
    agents = [
        RosterAgent("A1", frozenset({"chat"}), nights=False, max_hours=40),
        RosterAgent("A2", frozenset({"chat"}), max_hours=40),
    ]
    p = problem({"chat": need}, agents)
    stages = []
    result = solve(p, on_stage=stages.append)
    assert {s.agent for s in result.shifts} == {"A2"}
    assert violations(p, result.shifts) == []
    assert "no nights" in " ".join(violations(p, [Shift("A1", 0, "night", "chat", 11, 15)]))
    # and the build's progress heard of both stages
    assert stages == ["counts", "assign"] and result.stages.keys() == {"counts", "assign"}
