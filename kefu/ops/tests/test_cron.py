"""The five-field cron expressions of the schedule table (pure, no database)."""

from datetime import datetime

import pytest

from kefu.ops.core.cron import CronError, parse


def test_it_finds_the_latest_matching_minute():
    every_ten = parse("*/10 * * * *")
    assert every_ten.latest(datetime(2026, 12, 3, 10, 59, 30)) == datetime(2026, 12, 3, 10, 50)
    assert every_ten.latest(datetime(2026, 12, 3, 10, 50, 0)) == datetime(2026, 12, 3, 10, 50)


def test_it_goes_back_to_an_earlier_day():
    nightly = parse("30 2 * * *")
    assert nightly.latest(datetime(2026, 12, 3, 2, 29)) == datetime(2026, 12, 2, 2, 30)
    assert nightly.latest(datetime(2026, 12, 3, 2, 30)) == datetime(2026, 12, 3, 2, 30)


def test_it_reads_days_of_the_week_as_cron_does():
    # 1 = Monday; 2026-12-03 is a Thursday.
    monday = parse("0 3 * * 1")
    assert monday.latest(datetime(2026, 12, 3, 12, 0)) == datetime(2026, 11, 30, 3, 0)
    sunday = parse("0 0 * * 7")
    assert sunday.latest(datetime(2026, 12, 3, 12, 0)) == datetime(2026, 11, 29, 0, 0)
    assert parse("0 0 * * 0").weekdays == sunday.weekdays


def test_it_matches_either_day_when_both_are_restricted():
    # cron: the 1st of the month OR a Monday.
    either = parse("0 8 1 * 1")
    assert either.matches(datetime(2026, 12, 1, 8, 0))  # a Tuesday, the 1st
    assert either.matches(datetime(2026, 12, 7, 8, 0))  # a Monday
    assert not either.matches(datetime(2026, 12, 8, 8, 0))
    first_only = parse("0 8 1 * *")
    assert not first_only.matches(datetime(2026, 12, 7, 8, 0))


def test_it_reads_ranges_lists_and_steps():
    expr = parse("0,15 9-17/4 * 1-3 *")
    assert expr.minutes == {0, 15}
    assert expr.hours == {9, 13, 17}
    assert expr.months == {1, 2, 3}


def test_it_finds_the_next_slot():
    monthly = parse("0 8 1 * *")
    assert monthly.next_after(datetime(2026, 12, 3, 9, 0)) == datetime(2027, 1, 1, 8, 0)
    assert parse("* * * * *").next_after(datetime(2026, 12, 3, 9, 0, 30)) == datetime(
        2026, 12, 3, 9, 1
    )


def test_it_says_never_for_an_impossible_date():
    assert parse("0 0 31 2 *").latest(datetime(2026, 12, 3)) is None


@pytest.mark.parametrize(
    "expression", ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "a * * * *", "5-1 * * * *"]
)
def test_it_refuses_bad_expressions(expression):
    with pytest.raises(CronError):
        parse(expression)
