"""`kefu demo`'s rosters and presence (kefu/workforce/demo.py) on a small history: the
last four full weeks get a finished roster marked as the demo's, each agent 5 shifts a
week within the roster's rules, presence online whenever they answered, adherence below
100 %; running it again writes nothing; the adherence page opens on the newest week and
the roster page says it is the demo's."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta

import pytest

from conftest import SHANGHAI, client_for, import_native, native_conversation
from kefu.accounts.models import Agent
from kefu.interactions.models import Message
from kefu.workforce import demo, selectors
from kefu.workforce.core.roster import RosterAgent, RosterProblem, Shift, violations
from kefu.workforce.defaults import ensure_defaults
from kefu.workforce.models import AgentPresence, PresenceChange, Roster, RosterAssignment

pytestmark = pytest.mark.django_db
AGENTS = ("A0001", "A0007", "A0102")


@pytest.fixture
def history(personas):
    """Two months of chats answered by the three personas' agents, the last on Tuesday
    31 December 2024."""
    rng = random.Random(5)
    records = []
    day = date(2024, 11, 1)
    n = 0
    while day <= date(2024, 12, 31):
        for _ in range(rng.randint(1, 4)):
            agent = rng.choice(AGENTS)
            at = datetime(day.year, day.month, day.day, rng.choice([3, 9, 10, 14, 16, 20]),
                          rng.randrange(60), tzinfo=SHANGHAI)  # fmt: skip
            n += 1
            messages = [{"id": "m1", "role": "customer", "at": at.isoformat(), "text": "在吗"}]
            for i, after in enumerate((timedelta(seconds=40), timedelta(minutes=6)), start=2):
                messages.append(
                    {"id": f"m{i}", "role": "agent", "agent": agent,
                     "at": (at + after).isoformat(), "text": "您好"}
                )  # fmt: skip
            records.append(
                native_conversation(id=f"WD-{n:04d}", agent=agent, created=at, messages=messages)
            )
        day += timedelta(days=1)
    assert import_native(*records).rejected == 0
    ensure_defaults()
    return personas


def written() -> tuple[list, list]:
    shifts = list(
        RosterAssignment.objects.order_by("agent_id", "start").values_list(
            "agent_id", "day", "template", "channel", "start", "end", "break_start"
        )
    )
    changes = list(PresenceChange.objects.order_by("agent_id", "at").values_list(
        "agent_id", "at", "state"
    ))  # fmt: skip
    return shifts, changes


def test_it_writes_four_demo_weeks_that_keep_the_rules(history):
    result = demo.seed_demo(42)
    assert result["weeks"] == ["2024-12-02", "2024-12-09", "2024-12-16", "2024-12-23"]
    rosters = list(Roster.objects.order_by("week_start"))
    assert [r.is_demo and r.has_result for r in rosters] == [True] * 4
    assert set(rosters[0].plan["channels"]) == {"chat", "phone", "email", "app"}
    templates = selectors.core_templates()
    by_key = {t.key: t for t in templates}
    for roster in rosters:
        start, _ = selectors.week_bounds(roster.week_start)
        per_agent = defaultdict(list)
        for a in roster.assignments.select_related("agent"):
            t = by_key[a.template]
            i = int((a.start - start) / timedelta(minutes=30))
            b = int((a.break_start - start) / timedelta(minutes=30))
            per_agent[a.agent.external_id].append(
                Shift(a.agent.external_id, (a.day - roster.week_start).days, t.key, a.channel,
                      i, i + t.length, b, t.break_length)
            )  # fmt: skip
        assert sorted(per_agent) == sorted(AGENTS)
        for key, shifts in per_agent.items():
            tier = Agent.objects.get(external_id=key).tier
            agent = RosterAgent(key, frozenset({shifts[0].channel}), tier=tier, min_hours=32)
            problem = RosterProblem({}, [agent], templates)
            assert len(shifts) == 5
            assert violations(problem, shifts) == []


def test_every_agent_is_online_when_they_answered_and_adherence_is_below_100(history):
    result = demo.seed_demo(42)
    assert 0.8 < result["adherence"] < 1.0
    start, _ = selectors.week_bounds(date(2024, 12, 2))
    _, end = selectors.week_bounds(date(2024, 12, 23))
    changes = defaultdict(list)
    for agent_id, at, state in PresenceChange.objects.order_by("at").values_list(
        "agent_id", "at", "state"
    ):
        changes[agent_id].append((at, state))
    answers = Message.objects.filter(role="agent", at__gte=start, at__lt=end)
    assert answers.count() > 50
    for agent_id, at in answers.values_list("agent_id", "at"):
        before = [state for when, state in changes[agent_id] if when <= at]
        assert before and before[-1] in ("online", "busy"), (agent_id, at)
    # the state now is the end of the history: offline
    assert set(AgentPresence.objects.values_list("state", flat=True)) == {"offline"}


def test_running_it_again_writes_nothing_and_the_seed_decides(history):
    demo.seed_demo(42)
    first = written()
    assert demo.seed_demo(42) == {"rosters": 0}
    assert written() == first
    # the same seed on the same data writes the same weeks again
    Roster.objects.all().delete()
    PresenceChange.objects.all().delete()
    AgentPresence.objects.all().delete()
    demo.seed_demo(42)
    assert written() == first


def test_the_adherence_page_opens_on_the_newest_demo_week(history):
    demo.seed_demo(42)
    response = client_for(history.mia).get("/workforce/adherence/")
    assert response.status_code == 200
    assert response.context["week"] == date(2024, 12, 23)
    rows = response.context["rows"]
    assert {r.agent.external_id for r in rows} == set(AGENTS)
    assert response.context["overall"] is not None
    roster = Roster.objects.get(week_start=date(2024, 12, 23))
    page = client_for(history.mia).get(f"/workforce/rosters/{roster.pk}/")
    assert page.status_code == 200
    assert "演示排班" in page.content.decode()
