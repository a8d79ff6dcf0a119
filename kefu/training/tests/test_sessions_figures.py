"""The session figures and the absence rule (kefu/training/core/figures.py), by hand."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.training.core import figures as f


def seat(agent, attendance, status="held", hours=2.0, day=date(2024, 5, 6)):
    return f.Seat(agent, attendance, status, hours, day)


def test_it_counts_coverage_as_held_over_planned_like_the_seeds():
    # given 48 sessions of which one was cancelled
    sessions = [f.Session("held", 2.5)] * 47 + [f.Session("cancelled", 2.5)]
    # when / then
    ratio = f.coverage(sessions)
    assert (ratio.numerator, ratio.denominator) == (47, 48)
    assert round(ratio.rate * 100, 1) == 97.9


def test_an_unheld_planned_session_lowers_coverage():
    assert f.coverage([f.Session("held", 1), f.Session("planned", 1)]).rate == 0.5
    assert f.coverage([]).rate is None


def test_attendance_counts_attended_over_attended_and_absent_of_held_sessions():
    seats = (
        [seat(1, "attended")] * 61
        + [seat(2, "absent")]
        + [seat(3, "excused")] * 5  # neither
        + [seat(4, "enrolled")] * 3  # never marked: neither
        + [seat(5, "absent", status="planned")] * 9  # not held: not counted
    )
    ratio = f.attendance(seats)
    assert (ratio.numerator, ratio.denominator) == (61, 62)
    assert round(ratio.rate * 100, 1) == 98.4


def test_hours_per_person_divides_attended_hours_by_the_enrolled_agents():
    seats = [
        seat(1, "attended", hours=3),
        seat(1, "attended", hours=2),
        seat(2, "absent", hours=3),  # enrolled, 0 h: still a person
        seat(3, "attended", status="cancelled", hours=9),  # not held
    ]
    hours = f.hours(seats)
    assert (hours.total, hours.people) == (5.0, 2)
    assert hours.per_person == 2.5
    assert f.hours([]).per_person is None


def test_quarters():
    assert f.quarter_of(date(2024, 1, 1)) == "2024-Q1"
    assert f.quarter_of(date(2024, 9, 30)) == "2024-Q3"
    assert f.quarter_of(date(2024, 10, 1)) == "2024-Q4"
    assert f.quarter_bounds("2024-Q1") == (date(2024, 1, 1), date(2024, 3, 31))
    assert f.quarter_bounds("2024-Q4") == (date(2024, 10, 1), date(2024, 12, 31))
    for bad in ("2024Q1", "2024-Q5", "x-Q1", "", "²024-Q1"):
        with pytest.raises(ValueError):
            f.quarter_bounds(bad)


def test_absences_are_counted_per_agent_and_quarter_from_held_sessions():
    seats = [
        seat(1, "absent", day=date(2024, 3, 31)),
        seat(1, "absent", day=date(2024, 4, 1)),
        seat(1, "absent", day=date(2024, 4, 2)),
        seat(1, "absent", status="cancelled", day=date(2024, 4, 3)),
        seat(1, "excused", day=date(2024, 4, 4)),
        seat(2, "attended", day=date(2024, 4, 4)),
    ]
    assert f.absences(seats) == {(1, "2024-Q1"): 1, (1, "2024-Q2"): 2}


@pytest.mark.parametrize("absent,share", [(0, 0.0), (3, 0.0), (4, 0.15), (9, 0.15)])
def test_more_than_the_limit_costs_the_penalty(absent, share):
    assert f.absence_penalty(absent, limit=3, percent=15) == share


def test_summary_puts_the_three_figures_together():
    summary = f.summarize(
        [f.Session("held", 2), f.Session("cancelled", 2)],
        [seat(1, "attended"), seat(2, "absent")],
    )
    assert summary.coverage.rate == 0.5
    assert summary.attendance.rate == 0.5
    assert summary.hours.per_person == 1.0
