"""Business-time variants of the time figures: the core on hand-made conversations (a
reply across a holiday weekend), and calendar time when the calendar is always open."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.metrics.core.kpis import (
    BUSINESS_STATS,
    KEYS,
    STATS,
    TIME_KEYS,
    Escalation,
    Row,
    business_span,
    business_view,
    compute,
    contribution,
)
from kefu.sla.core.business_time import ALWAYS, Calendar, business_seconds, parse_hours

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
OFFICE = parse_hours("09:00-18:00")
# Monday to Friday 09:00–18:00; Monday 10 June 2024 is a public holiday (端午节).
CALENDAR = Calendar(
    zone="Asia/Shanghai",
    weekly={0: OFFICE, 1: OFFICE, 2: OFFICE, 3: OFFICE, 4: OFFICE, 5: (), 6: ()},
    holidays=frozenset({date(2024, 6, 10)}),
)
FRIDAY = datetime(2024, 6, 7, 17, 0, tzinfo=TZ)
TUESDAY = datetime(2024, 6, 11, 9, 0, tzinfo=TZ)


def across_the_holiday_weekend() -> Row:
    """Created Friday 17:00; the customer writes at 17:50; the agent answers on Tuesday
    at 09:10 (the office is shut Saturday, Sunday and the Monday holiday); escalated Friday
    17:30 and settled Tuesday 09:30; the last message Tuesday 17:00, resolved then."""
    first_customer = FRIDAY + timedelta(minutes=50)
    reply = TUESDAY + timedelta(minutes=10)
    resolved = TUESDAY + timedelta(hours=8)
    return Row(
        "U1",
        FRIDAY,
        has_customer_message=True,
        first_response_s=(reply - first_customer).total_seconds(),
        handle_time_s=(resolved - FRIDAY).total_seconds(),
        resolved_at=resolved,
        complaint=True,
        escalations=(Escalation(FRIDAY + timedelta(minutes=30), TUESDAY + timedelta(minutes=30)),),
        first_customer_at=first_customer,
        handle_start=FRIDAY,
        business=business_span(CALENDAR),
    )


def test_business_time_leaves_out_the_closed_holiday_weekend():
    row = across_the_holiday_weekend()
    calendar = compute([row])
    business = compute([row], "business")
    # calendar: Friday 17:50 → Tuesday 09:10 is 3 days 15 h 20 min
    assert calendar["frt_mean_s"] == 3 * 86400 + 15 * 3600 + 20 * 60
    # business: 10 min on Friday and 10 min on Tuesday
    assert business["frt_mean_s"] == business["frt_median_s"] == business["frt_p90_s"] == 1200
    # handle and resolution: Friday 17:00–18:00 and Tuesday 09:00–17:00 = 9 h
    assert business["aht_s"] == business["resolution_time_mean_s"] == 9 * 3600
    assert calendar["resolution_time_mean_s"] == 4 * 86400
    # closed after 96 calendar hours, but within 72 business hours
    assert calendar["complaint_closed_72h_rate"] == 0
    assert business["complaint_closed_72h_rate"] == 1
    # escalation: 30 min on Friday, 30 min on Tuesday
    assert business["escalation_mean_min"] == 60
    # every other figure is the same in both
    assert {k: v for k, v in business.items() if k not in TIME_KEYS} == {
        k: v for k, v in calendar.items() if k not in TIME_KEYS
    }
    assert set(business) == set(KEYS)


def test_the_business_statistics_sit_beside_the_calendar_ones():
    stats = contribution(across_the_holiday_weekend())
    assert set(stats) == set(STATS)
    assert set(BUSINESS_STATS.values()) <= set(STATS)
    viewed = business_view(stats)
    assert viewed["frt_sum_s"] == stats["biz_frt_sum_s"] == 1200
    assert viewed["frt_n"] == stats["frt_n"]  # counts are shared


def test_no_calendar_or_an_always_open_one_is_calendar_time():
    assert business_span(None) is None
    assert business_span(Calendar()) is None  # 24 h every day, no holidays
    assert business_span(CALENDAR) is not None


def test_an_unknown_time_is_refused():
    with pytest.raises(ValueError, match="time must be"):
        compute([], "wall-clock")


SECONDS = st.integers(min_value=0, max_value=40 * 86400)
# Open all day, but said as two halves: not recognised as always open, so business_seconds
# walks the days (and the daylight-saving changes of the zones below).
HALVES = ((0, 720), (720, 1440))


@st.composite
def rows(draw) -> Row:
    created = datetime(2024, 1, 1, tzinfo=TZ) + timedelta(seconds=draw(st.integers(0, 365 * 86400)))

    def later(start: datetime) -> datetime:
        return start + timedelta(seconds=draw(SECONDS))

    frt = draw(st.none() | SECONDS)
    first_customer = later(created)
    handle = draw(st.none() | SECONDS)
    resolved = draw(st.none() | st.just(later(created)))
    escalations = tuple(
        Escalation(at, draw(st.none() | st.just(later(at))))
        for at in [later(created) for _ in range(draw(st.integers(0, 2)))]
    )
    # An always-open calendar, through business_seconds (not short-cut by business_span).
    zone = draw(st.sampled_from(["Asia/Shanghai", "Europe/Berlin", "America/New_York"]))
    always = Calendar(
        zone=zone, weekly=dict.fromkeys(range(7), draw(st.sampled_from([ALWAYS, HALVES])))
    )
    return Row(
        draw(st.sampled_from(["U1", "U2"])),
        created,
        has_customer_message=frt is not None or draw(st.booleans()),
        first_response_s=frt,
        handle_time_s=handle,
        resolved_at=resolved,
        complaint=draw(st.booleans()),
        escalations=escalations,
        first_customer_at=first_customer,
        handle_start=created,
        business=draw(st.none() | st.just(partial(business_seconds, always))),
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(rows(), max_size=8))
def test_an_always_open_calendar_gives_calendar_time(group):
    assert compute(group, "business") == compute(group, "calendar")
