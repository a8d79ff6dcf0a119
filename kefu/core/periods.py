"""Calendar periods in the configured time zone (pure Python).

A period `from`–`to` is a pair of inclusive local dates; as instants it is
[start of `from`, start of the day after `to`), the definition the KPI contract uses.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

# Days a request may name (query parameters, form fields): outside this window a date is
# refused with a clear message instead of reaching the database or date arithmetic (year
# 9999 + 1 day overflows; year 0001 by month builds 120,000 groups).
EARLIEST_DAY = date(2000, 1, 1)
YEARS_AHEAD = 5


def latest_day(today: date) -> date:
    """The last day a request may name: `YEARS_AHEAD` years after today."""
    return today.replace(month=1, day=1, year=today.year + YEARS_AHEAD + 1) - timedelta(days=1)


def day_allowed(day: date, today: date) -> bool:
    return EARLIEST_DAY <= day <= latest_day(today)


def parse_month(text: str, today: date) -> tuple[date, date] | None:
    """'2024-05' → (2024-05-01, 2024-05-31); None unless an allowed month (ASCII digits)."""
    match = re.fullmatch(r"([0-9]{4})-([0-9]{1,2})", (text or "").strip())
    if not match or not 1 <= int(match[2]) <= 12:
        return None
    first = date(int(match[1]), int(match[2]), 1)
    last = date(first.year, first.month, calendar.monthrange(first.year, first.month)[1])
    return (first, last) if day_allowed(first, today) and day_allowed(last, today) else None


def month_end(day: date) -> date:
    """The last day of the day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_ending(day: date, months: int) -> tuple[date, date]:
    """The `months` calendar months ending with the day's month: (first day, last day)."""
    start = day.replace(day=1)
    for _month in range(months - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    return start, month_end(day)


def span_days(date_from: date, date_to: date) -> int:
    """Days in the inclusive period."""
    return (date_to - date_from).days + 1


def clamp_start(date_from: date, date_to: date, max_days: int) -> date:
    """`date_from`, moved later if the period would exceed `max_days` (a default period
    taken from the data's range stays within the bound)."""
    return max(date_from, date_to - timedelta(days=max_days - 1))


def day_start(day: date, tz: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def period_bounds(
    date_from: date | None, date_to: date | None, tz: tzinfo
) -> tuple[datetime | None, datetime | None]:
    """(start inclusive, end exclusive) instants of the inclusive local dates; None = open."""
    start = day_start(date_from, tz) if date_from else None
    end = day_start(date_to + timedelta(days=1), tz) if date_to else None
    return start, end


def lookups(field: str, date_from: date | None, date_to: date | None, tz: tzinfo) -> dict:
    """Django-style filter kwargs for `field` within the period (empty when open)."""
    start, end = period_bounds(date_from, date_to, tz)
    out = {}
    if start is not None:
        out[f"{field}__gte"] = start
    if end is not None:
        out[f"{field}__lt"] = end
    return out


def previous_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The period of the same length just before (for "change vs previous period")."""
    length = date_to - date_from + timedelta(days=1)
    return date_from - length, date_to - length


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def quarter_key(day: date) -> str:
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def days_between(date_from: date, date_to: date) -> list[date]:
    return [date_from + timedelta(days=i) for i in range((date_to - date_from).days + 1)]


def months_between(date_from: date, date_to: date) -> list[str]:
    keys: list[str] = []
    for day in days_between(date_from, date_to):
        key = month_key(day)
        if not keys or keys[-1] != key:
            keys.append(key)
    return keys


# A month with fewer records than this share of the typical month before it (the median of
# up to 12) is too thin to open a dashboard on: a test run of `kefu simulate` after a year
# of history, or the first days of a month.
THIN_MONTH_SHARE = 0.2


@dataclass(frozen=True)
class DefaultEnd:
    """Where default periods end, and the thin month passed over to get there."""

    day: date | None
    skipped_month: date | None = None  # the first day of the newest thin month passed over
    skipped_count: int = 0


def default_end(last: date | None, monthly: list[tuple[date, int]]) -> DefaultEnd:
    """The last day with data (`last`), unless its month is thin against the months before
    it (`monthly`: first day of month → records, oldest first): then the last day of the
    newest month that is not."""
    if last is None:
        return DefaultEnd(None)
    months = list(monthly)
    skipped: tuple[date, int] | None = None
    while len(months) >= 2:
        month, n = months[-1]
        before = sorted(count for _month, count in months[-13:-1])
        if n >= THIN_MONTH_SHARE * before[len(before) // 2]:
            break
        skipped = skipped or (month, n)
        months.pop()
    if skipped is None:
        return DefaultEnd(last)
    return DefaultEnd(month_end(months[-1][0]), skipped[0], skipped[1])
