"""Business time equals a brute-force count of open minutes (hypothesis), in a zone
without daylight saving (Asia/Shanghai, UTC) and one with it (America/New_York)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.sla.core import holidays
from kefu.sla.core.business_time import (
    ALWAYS,
    Calendar,
    business_seconds,
    deadline,
    format_hours,
    parse_hours,
)

ZONES = ["Asia/Shanghai", "UTC", "America/New_York"]
NINE_TO_SIX = ((9 * 60, 18 * 60),)
WEEKDAYS_9_18 = {d: NINE_TO_SIX if d < 5 else () for d in range(7)}


def brute_force(calendar: Calendar, start: datetime, end: datetime) -> float:
    """60 × the open minutes in [start, end) (start and end on whole minutes)."""
    minutes = 0
    t = start
    while t < end:
        minutes += calendar.is_open_at(t)
        t += timedelta(minutes=1)
    return 60.0 * minutes


@st.composite
def day_hours(draw):
    cuts = sorted(draw(st.sets(st.integers(0, 24 * 60), max_size=4)))
    if len(cuts) % 2:
        cuts = cuts[:-1]
    return tuple((cuts[i], cuts[i + 1]) for i in range(0, len(cuts), 2))


@st.composite
def calendars(draw):
    base = date(2024, 3, 1)
    near = st.integers(0, 40).map(lambda n: base + timedelta(days=n))
    return Calendar(
        zone=draw(st.sampled_from(ZONES)),
        weekly={d: draw(day_hours()) for d in range(7)},
        holidays=frozenset(draw(st.sets(near, max_size=6))),
        workdays=frozenset(draw(st.sets(near, max_size=3))),
        makeup_hours=draw(st.none() | day_hours()),
    )


# Minutes around the New York spring-forward (2024-03-10) and within ~40 days after 03-01.
instants = st.integers(0, 40 * 24 * 60).map(
    lambda m: datetime(2024, 3, 1, tzinfo=UTC) + timedelta(minutes=m)
)


@settings(max_examples=150, deadline=None)
@given(calendars(), instants, st.integers(0, 5 * 24 * 60))
def test_it_equals_a_brute_force_minute_count(calendar, start, length):
    end = start + timedelta(minutes=length)
    assert business_seconds(calendar, start, end) == brute_force(calendar, start, end)


@settings(max_examples=60, deadline=None)
@given(calendars(), st.integers(0, 3 * 24 * 60), st.integers(0, 3 * 24 * 60))
def test_it_counts_the_autumn_fold_once_per_instant(calendar, before, length):
    # New York falls back on 2024-11-03 at 02:00 EDT: wall 01:00–02:00 happens twice.
    calendar = Calendar(
        zone="America/New_York",
        weekly=calendar.weekly,
        makeup_hours=calendar.makeup_hours,
    )
    start = datetime(2024, 11, 3, 6, tzinfo=UTC) - timedelta(minutes=before)
    end = start + timedelta(minutes=length)
    assert business_seconds(calendar, start, end) == brute_force(calendar, start, end)


@settings(max_examples=60, deadline=None)
@given(calendars(), instants, st.integers(1, 3 * 24 * 3600))
def test_deadline_is_the_first_instant_with_enough_business_time(calendar, start, seconds):
    due = deadline(calendar, start, seconds, horizon_days=60)
    if due is None:
        assert business_seconds(calendar, start, start + timedelta(days=60)) < seconds
        return
    assert business_seconds(calendar, start, due) >= seconds
    assert business_seconds(calendar, start, due - timedelta(seconds=1)) < seconds


SHANGHAI = ZoneInfo("Asia/Shanghai")
CN_OFFICE = Calendar(
    zone="Asia/Shanghai",
    weekly=WEEKDAYS_9_18,
    holidays=holidays.days(holidays.load())[0],
    workdays=holidays.days(holidays.load())[1],
)


def test_it_skips_a_holiday_weekend():
    # given an e-mail written on Tuesday 2024-04-30 at 17:00 and answered on Monday
    # 2024-05-06 at 10:00 (劳动节 5-1…5-5 closed; Sunday 4-28 was a make-up working day)
    written = datetime(2024, 4, 30, 17, tzinfo=SHANGHAI)
    answered = datetime(2024, 5, 6, 10, tzinfo=SHANGHAI)
    # then only 17:00–18:00 on Tuesday and 09:00–10:00 on Monday count
    assert business_seconds(CN_OFFICE, written, answered) == 2 * 3600
    assert (answered - written).total_seconds() == (5 * 24 + 17) * 3600


def test_a_make_up_working_weekend_is_open():
    sunday = datetime(2024, 4, 28, 8, tzinfo=SHANGHAI)  # 调休上班
    assert business_seconds(CN_OFFICE, sunday, sunday + timedelta(hours=12)) == 9 * 3600
    plain_sunday = datetime(2024, 4, 21, 8, tzinfo=SHANGHAI)
    assert business_seconds(CN_OFFICE, plain_sunday, plain_sunday + timedelta(hours=12)) == 0


def test_deadline_of_a_24h_target_over_spring_festival():
    # 24 business hours from Friday 2024-02-09 17:00 (除夕 eve; 2-10…2-17 closed, Sunday
    # 2-18 worked): 1 h on Friday, 9 h on Sunday 2-18, 9 h Monday, 5 h Tuesday → 14:00.
    start = datetime(2024, 2, 9, 17, tzinfo=SHANGHAI)
    assert deadline(CN_OFFICE, start, 24 * 3600) == datetime(2024, 2, 20, 14, tzinfo=SHANGHAI)


def test_always_open_is_calendar_time():
    a = datetime(2024, 3, 10, 1, tzinfo=ZoneInfo("America/New_York"))
    b = a + timedelta(hours=5)
    calendar = Calendar(zone="America/New_York", weekly=dict.fromkeys(range(7), ALWAYS))
    assert business_seconds(calendar, a, b) == 5 * 3600


def test_it_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        business_seconds(CN_OFFICE, datetime(2024, 1, 1), datetime(2024, 1, 2))


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("09:00-12:00, 13:00-18:00", ((540, 720), (780, 1080))),
        ("", ()),
        ("24h", ((0, 1440),)),
        ("20:00-24:00", ((1200, 1440),)),
    ],
)
def test_it_parses_and_formats_hours(text, hours):
    assert parse_hours(text) == hours
    assert parse_hours(format_hours(hours)) == hours


@pytest.mark.parametrize("text", ["9-18", "09:00-08:00", "09:00-12:00,11:00-13:00", "25:00-26:00"])
def test_it_refuses_bad_hours(text):
    with pytest.raises(ValueError):
        parse_hours(text)


def test_the_shipped_holidays_are_valid():
    rows = holidays.load()
    closed, working = holidays.days(rows)
    assert {d.year for d in closed} == {2024, 2025, 2026}
    assert all(d.weekday() >= 5 for d in working)  # 调休 days are weekends
    assert date(2025, 1, 28) in closed  # 除夕 is a holiday from 2025 on
    assert not closed & working


def test_it_names_a_bad_holiday_entry():
    with pytest.raises(ValueError, match="2024 #1"):
        holidays.parse({2024: [{"name": "x", "closed": ["2024-01-03", "2024-01-01"]}]})
