"""Periods: inclusive local dates as half-open instants."""

import zoneinfo
from datetime import date, datetime, timedelta

from kefu.core.periods import lookups


def test_a_period_is_the_inclusive_local_days():
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    bounds = lookups("created_at", date(2024, 5, 1), date(2024, 5, 31), tz)
    assert bounds == {
        "created_at__gte": datetime(2024, 5, 1, tzinfo=tz),
        "created_at__lt": datetime(2024, 6, 1, tzinfo=tz),
    }
    assert lookups("at", None, None, tz) == {}


# --- where default periods end --------------------------------------------------------------
def _months(*counts: int, first: date = date(2024, 1, 1)) -> list[tuple[date, int]]:
    out, month = [], first
    for n in counts:
        out.append((month, n))
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def test_a_thin_newest_month_is_passed_over_and_named():
    from kefu.core.periods import default_end

    # a year of ~2,500 a month, then a test run of 33 conversations in November
    monthly = [*_months(*([2500] * 12)), (date(2026, 11, 1), 33)]
    end = default_end(date(2026, 11, 30), monthly)
    assert end.day == date(2024, 12, 31)
    assert (end.skipped_month, end.skipped_count) == (date(2026, 11, 1), 33)


def test_a_substantial_or_only_month_is_kept():
    from kefu.core.periods import default_end

    assert default_end(date(2024, 3, 20), _months(100, 100, 40)).day == date(2024, 3, 20)
    assert default_end(date(2024, 1, 5), _months(3)).day == date(2024, 1, 5)  # nothing before
    assert default_end(None, []).day is None


def test_several_thin_months_are_passed_over_back_to_substantial_data():
    from kefu.core.periods import default_end

    end = default_end(date(2024, 6, 3), _months(500, 500, 500, 500, 12, 5))
    assert end.day == date(2024, 4, 30)
    assert end.skipped_month == date(2024, 6, 1)  # the newest one is named
