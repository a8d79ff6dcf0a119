"""The demo's worked weeks (core.demo_history, no database): every candidate week keeps
the roster's hard rules, the chosen week covers when the agent answered, presence is
online whenever they answered, perfect habits give 100 % adherence and the usual ones
less, and the same seed gives the same history."""

from __future__ import annotations

import itertools
import random
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.workforce.core import adherence, demo_history
from kefu.workforce.core.roster import RosterAgent, RosterProblem, ShiftTemplate, violations
from kefu.workforce.defaults import TEMPLATES

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2024, 12, 2, tzinfo=TZ)
STEP = timedelta(minutes=30)
PERFECT = demo_history.Habits(
    late_login=0, away=0, early_leave=0, overtime=0, late_back=0, absent=0,
    break_leave_min=(0, 0), back_min=(0, 0),
)  # fmt: skip


def templates() -> list[ShiftTemplate]:
    return [
        ShiftTemplate(key, (start.hour * 60 + start.minute) // 30, length // 30, brk // 30,
                      earliest // 30, latest // 30)
        for key, _name, start, length, brk, earliest, latest in TEMPLATES
    ]  # fmt: skip


def problem(tier: str = "regular") -> RosterProblem:
    agent = RosterAgent("A", frozenset({"chat"}), tier=tier, min_hours=32, max_hours=40)
    return RosterProblem(requirement={"chat": [0] * 336}, agents=[agent], templates=templates())


@pytest.mark.parametrize("tier", ["regular", "new"])
def test_every_candidate_week_keeps_the_roster_rules(tier):
    nights = tier != "new"
    weeks = demo_history.candidate_weeks(templates(), nights=nights)
    night = demo_history.night_templates(templates(), 48)
    assert weeks
    assert any(t is not None and t.key in night for w in weeks for t in w) == nights
    flat = [0.0] * 8 * 48
    for week in weeks:
        shifts = demo_history.plan_week("A", "chat", flat, [week], random.Random(1))
        assert len(shifts) == 5
        assert violations(problem(tier), shifts) == []


def weekday_mornings(until_day: int = 5) -> list[tuple[datetime, datetime]]:
    """Answering 09:00–11:00 on Monday to Friday."""
    return [
        (MONDAY + timedelta(days=d, hours=9), MONDAY + timedelta(days=d, hours=11))
        for d in range(until_day)
    ]


def test_the_chosen_week_covers_when_the_agent_answered():
    profile = demo_history.activity_profile(weekday_mornings(), MONDAY)
    weeks = demo_history.candidate_weeks(templates(), nights=True)
    shifts = demo_history.plan_week("A", "chat", profile, weeks, random.Random(3))
    assert sorted(s.day for s in shifts) == [0, 1, 2, 3, 4]  # the weekend off
    for s in shifts:
        start, end = MONDAY + s.start * STEP, MONDAY + s.end * STEP
        assert start.time() <= time(9) and end.time() >= time(11)
        # the break is where the agent did not answer (from 11:00)
        assert (MONDAY + s.break_start * STEP).time() >= time(11)


def worked(shifts) -> list[demo_history.WorkedShift]:
    return [
        demo_history.WorkedShift(
            MONDAY + s.start * STEP, MONDAY + s.end * STEP,
            MONDAY + s.break_start * STEP, MONDAY + (s.break_start + s.break_length) * STEP,
        )
        for s in shifts
    ]  # fmt: skip


def history(habits: demo_history.Habits, answering, seed: int = 7, punctuality: float = 1.0):
    profile = demo_history.activity_profile(answering, MONDAY)
    weeks = demo_history.candidate_weeks(templates(), nights=True)
    rng = random.Random(seed)
    plan = worked(demo_history.plan_week("A", "chat", profile, weeks, rng))
    changes = demo_history.presence(plan, answering, rng, punctuality, habits)
    shifts = [adherence.Shift(w.start.date(), w.start, w.end, w.break_start, w.break_end)
              for w in plan]  # fmt: skip
    days = adherence.adherence(
        shifts, changes, until=MONDAY + timedelta(days=8), available=demo_history.AVAILABLE
    )
    return changes, adherence.pooled(days)


def state_at(changes, when: datetime) -> str:
    before = [state for at, state in changes if at <= when]
    return before[-1] if before else demo_history.OFFLINE


def test_perfect_habits_give_full_adherence_and_a_tidy_history():
    changes, figure = history(PERFECT, weekday_mornings())
    assert figure == pytest.approx(1.0)
    assert changes[0][1] == "online" and changes[-1][1] == "offline"
    assert all(a[1] != b[1] for a, b in itertools.pairwise(changes))
    assert [at for at, _s in changes] == sorted(at for at, _s in changes)


def test_the_agent_is_online_whenever_they_answered_even_outside_the_shift():
    # answers in the mornings, and one at 03:00 on Saturday (no shift then)
    night = (MONDAY + timedelta(days=5, hours=3), MONDAY + timedelta(days=5, hours=3, minutes=20))
    answering = [*weekday_mornings(), night]
    for seed in range(20):  # whatever the draws (lateness, breaks, absence)
        changes, _figure = history(demo_history.Habits(absent=0.3), answering, seed, 2.0)
        for start, end in answering:
            for k in range(int((end - start) / timedelta(minutes=5))):
                assert state_at(changes, start + k * timedelta(minutes=5)) in ("online", "busy")
        assert state_at(changes, night[1] + timedelta(minutes=5)) == "offline"


def test_usual_habits_lose_some_scheduled_time_and_punctuality_matters():
    figures = {
        p: [history(demo_history.Habits(), weekday_mornings(), seed, p)[1] for seed in range(40)]
        for p in (0.5, 2.5)
    }
    careful, careless = (sum(v) / len(v) for v in figures.values())
    assert 0.9 < careless < careful < 1.0


def test_the_same_seed_gives_the_same_history():
    assert history(demo_history.Habits(), weekday_mornings(), 11) == history(
        demo_history.Habits(), weekday_mornings(), 11
    )


def test_answers_close_together_are_one_stretch():
    t = MONDAY + timedelta(hours=10)
    spans = demo_history.answering_spans([t, t + timedelta(minutes=4), t + timedelta(hours=1)])
    assert spans == [
        (t - timedelta(minutes=2), t + timedelta(minutes=5)),
        (t + timedelta(minutes=58), t + timedelta(minutes=61)),
    ]
