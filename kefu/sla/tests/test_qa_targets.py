"""The built-in timing indicators (ids unchanged) judge waits by the service-level
policy: its targets per channel and, for business-time policies, its calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kefu.interactions.core.native import parse_object
from kefu.qa.core.defaults import default_engine
from kefu.qa.core.engine import Engine
from kefu.sla.core.business_time import Calendar, parse_hours
from kefu.sla.core.defaults import DEFAULT_POLICIES
from kefu.sla.core.policies import BUSINESS, Policy
from kefu.sla.selectors import active_policies

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2024, 5, 17, 17, 30, tzinfo=TZ)  # a Friday


def record(channel: str, *waits_s: float, start: datetime = START):
    """Customer → agent exchanges; each agent reply `wait` seconds after its question."""
    messages, t = [], start
    for n, wait in enumerate(waits_s):
        messages.append(
            {"id": f"c{n}", "role": "customer", "at": t.isoformat(), "text": "请问在吗"}
        )
        t += timedelta(seconds=wait)
        messages.append(
            {"id": f"a{n}", "role": "agent", "agent": "A1", "at": t.isoformat(), "text": "您好"}
        )
        t += timedelta(seconds=5)
    data = {
        "type": "conversation",
        "id": "Q1",
        "channel": channel,
        "customer": {"id": "U1"},
        "agent": "A1",
        "created_at": start.isoformat(),
        "status": "open",
        "messages": messages,
    }
    return parse_object(data, TZ)


def fired(engine, rec) -> set[str]:
    return {h.indicator for h in engine.score(rec).hits} & {
        "slow_first_response",
        "slow_response_60s",
    }


@pytest.mark.parametrize(
    ("channel", "waits", "expected"),
    [
        ("chat", (31, 10), {"slow_first_response"}),
        ("chat", (10, 61), {"slow_response_60s"}),
        ("phone", (21,), {"slow_first_response"}),  # answered within 20 s
        ("email", (600, 7200), set()),  # 10 minutes, then 2 hours: within 24 h
        ("email", (25 * 3600, 10), {"slow_first_response"}),
        ("email", (10, 25 * 3600), {"slow_response_60s"}),
    ],
)
def test_the_shipped_targets_per_channel(channel, waits, expected):
    assert fired(default_engine(), record(channel, *waits)) == expected


def test_a_business_time_policy_pauses_at_the_weekend():
    office = Calendar(
        zone="Asia/Shanghai", weekly={d: parse_hours("09:00-18:00") for d in range(5)}
    )
    mail = Policy(1, 2, "mail", "email", first_response_s=7200, measure=BUSINESS, calendar=office)
    base = default_engine()
    engine = Engine(
        {i.id: i for i in base.indicators}, base.scorecard, base.lexicons, base.sentiment, [mail]
    )
    monday_10 = datetime(2024, 5, 20, 10, tzinfo=TZ)
    # Friday 17:30 → Monday 10:00: 64.5 h of calendar time, 1.5 h of business time
    assert fired(engine, record("email", (monday_10 - START).total_seconds())) == set()
    # Monday 9:00 → 11:30: 2.5 business hours
    assert fired(engine, record("email", 9000, start=datetime(2024, 5, 20, 9, tzinfo=TZ))) == {
        "slow_first_response"
    }


def test_without_a_policy_the_fixed_thresholds_apply():
    base = default_engine()
    engine = Engine(
        {i.id: i for i in base.indicators}, base.scorecard, base.lexicons, base.sentiment, []
    )
    assert fired(engine, record("email", 600, 7200)) == {"slow_first_response", "slow_response_60s"}


@pytest.mark.django_db
def test_the_shipped_policies_equal_the_seeded_ones():
    def targets(policies):
        return {(p.channel, p.first_response_s, p.next_response_s, p.measure) for p in policies}

    assert targets(active_policies()) == targets(DEFAULT_POLICIES)
