"""Schedule adherence (kefu.workforce.core.adherence): intervals in, figures out."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from kefu.workforce.core.adherence import Shift, adherence, available_spans, pooled, union

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AVAILABLE = {"online", "busy"}
DAY = date(2024, 5, 13)


def at(hour: float, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ) + timedelta(hours=hour)


def shift(start: float, end: float, brk: tuple[float, float] | None = None, day=DAY) -> Shift:
    return Shift(
        day=day,
        start=at(start, day),
        end=at(end, day),
        break_start=at(brk[0], day) if brk else None,
        break_end=at(brk[1], day) if brk else None,
    )


def figure(shifts, changes, until=None):
    return adherence(shifts, changes, until=until or at(48), available=AVAILABLE)


def test_it_counts_a_state_set_before_the_shift_from_the_shift_start():
    # given online at 08:00, a shift 09:00–17:00, away 12:00–13:00
    changes = [(at(8), "online"), (at(12), "away"), (at(13), "busy"), (at(18), "offline")]
    # when
    [day] = figure([shift(9, 17)], changes)
    # then 7 of 8 hours
    assert day.scheduled_s == 8 * 3600
    assert day.available_s == 7 * 3600
    assert day.value == pytest.approx(7 / 8)


def test_it_leaves_the_break_out_of_scheduled_time():
    # away during the break costs nothing; online during it adds nothing
    changes = [(at(9), "online"), (at(12), "away"), (at(13), "online"), (at(17), "offline")]
    [day] = figure([shift(9, 17, (12, 13))], changes)
    assert day.scheduled_s == 7 * 3600
    assert day.value == 1.0
    [always] = figure([shift(9, 17, (12, 13))], [(at(9), "online")])
    assert always.scheduled_s == 7 * 3600 and always.value == 1.0


def test_it_gives_no_figure_without_a_schedule():
    assert figure([], [(at(9), "online")]) == []
    # a shift that has not started yet: no scheduled time so far, no figure (not 0 %)
    [later] = figure([shift(9, 17)], [], until=at(8))
    assert later.scheduled_s == 0 and later.value is None


def test_it_counts_nothing_before_the_first_change():
    [day] = figure([shift(9, 17)], [(at(11), "online")])
    assert day.value == pytest.approx(6 / 8)


def test_it_counts_a_night_shift_for_the_day_it_began():
    # given a shift 22:00–06:00 (crossing midnight) and the next day's 06:00–14:00
    tuesday = DAY + timedelta(days=1)
    night = Shift(DAY, at(22), at(30))
    early = Shift(tuesday, at(6, tuesday), at(14, tuesday))
    # online 21:00–02:00, offline until 07:00, then online
    changes = [(at(21), "online"), (at(26), "offline"), (at(31), "online")]
    # when
    monday, tue = figure([night, early], changes, until=at(40))
    # then Monday's figure holds its hours after midnight: 4 of 8
    assert monday.day == DAY and monday.value == pytest.approx(4 / 8)
    # and Tuesday's begins at its own shift: 7 of 8
    assert tue.day == tuesday and tue.value == pytest.approx(7 / 8)


def test_it_counts_overlapping_shifts_of_one_day_once():
    [day] = figure([shift(9, 13), shift(12, 17)], [(at(9), "online")])
    assert day.scheduled_s == 8 * 3600 and day.shifts == 2 and day.value == 1.0


def test_it_stops_at_until():
    # a shift in progress: only the time up to now
    [day] = figure([shift(9, 17)], [(at(9), "online"), (at(10), "away")], until=at(11))
    assert day.scheduled_s == 2 * 3600
    assert day.value == pytest.approx(0.5)


def test_busy_is_available_and_away_is_not():
    [day] = figure([shift(9, 11)], [(at(9), "busy"), (at(10), "away")])
    assert day.value == pytest.approx(0.5)


def test_it_pools_time_not_figures():
    # 8 h at 100 % and 2 h at 0 %: 80 %, not the mean 50 %
    days = figure(
        [shift(9, 17), shift(9, 11, day=DAY + timedelta(days=1))],
        [(at(9), "online"), (at(17), "offline")],
    )
    assert [d.value for d in days] == [1.0, 0.0]
    assert pooled(days) == pytest.approx(0.8)
    assert pooled([]) is None


def test_union_and_available_spans():
    assert union([(at(3), at(4)), (at(1), at(2)), (at(2), at(3))]) == [(at(1), at(4))]
    spans = available_spans([(at(5), "online"), (at(1), "away"), (at(6), "busy")], at(8), AVAILABLE)
    assert spans == [(at(5), at(8))]
