"""Five-field cron expressions (minute hour day-of-month month day-of-week), pure Python.

Enough of cron for a schedule table: `*`, numbers, ranges `a-b`, lists `a,b`, steps
`*/n` and `a-b/n`; day of week 0-7 (0 and 7 are Sunday). As in cron, when both the day of
the month and the day of the week are restricted, a day matching either one matches.
Times are naive local wall-clock minutes; the caller converts (kefu.ops.scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_FIELDS = ("minute", "hour", "day of month", "month", "day of week")


class CronError(ValueError):
    """An expression that is not a valid five-field cron expression."""


def _field(text: str, low: int, high: int, name: str) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            if not step_text.isdigit() or int(step_text) < 1:
                raise CronError(f"{name}: bad step {step_text!r}")
            step = int(step_text)
        if part == "*":
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            if not (a.isdigit() and b.isdigit()):
                raise CronError(f"{name}: bad range {part!r}")
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
            if step != 1:
                end = high
        else:
            raise CronError(f"{name}: bad value {part!r}")
        if not (low <= start <= end <= high):
            raise CronError(f"{name}: {part!r} outside {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class Cron:
    """A parsed expression; `latest(now)` is the last matching minute at or before now."""

    expression: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]  # 0 = Monday … 6 = Sunday (Python's weekday())
    any_day: bool
    any_weekday: bool

    def matches_day(self, moment: datetime) -> bool:
        if moment.month not in self.months:
            return False
        day_ok = moment.day in self.days
        weekday_ok = moment.weekday() in self.weekdays
        if self.any_day or self.any_weekday:
            return day_ok and weekday_ok
        return day_ok or weekday_ok

    def matches(self, moment: datetime) -> bool:
        return (
            moment.minute in self.minutes and moment.hour in self.hours and self.matches_day(moment)
        )

    def latest(self, now: datetime, horizon_days: int = 400) -> datetime | None:
        """The last matching minute at or before `now` (seconds dropped), or None when
        nothing matched within `horizon_days` (e.g. 31 February)."""
        moment = now.replace(second=0, microsecond=0)
        day = moment
        for _ in range(horizon_days + 1):
            if self.matches_day(day):
                for hour in sorted(self.hours, reverse=True):
                    if hour > day.hour:
                        continue
                    last_minute = day.minute if hour == day.hour else 59
                    candidates = [m for m in self.minutes if m <= last_minute]
                    if candidates:
                        return day.replace(hour=hour, minute=max(candidates))
            day = (day - timedelta(days=1)).replace(hour=23, minute=59)
        return None

    def next_after(self, moment: datetime, horizon_days: int = 400) -> datetime | None:
        """The first matching minute strictly after `moment`."""
        probe = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
        end = probe + timedelta(days=horizon_days)
        while probe <= end:
            if not self.matches_day(probe):
                probe = (probe + timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if probe.hour not in self.hours:
                probe = (probe + timedelta(hours=1)).replace(minute=0)
                continue
            if probe.minute in self.minutes:
                return probe
            probe += timedelta(minutes=1)
        return None


def parse(expression: str) -> Cron:
    parts = expression.split()
    if len(parts) != 5:
        raise CronError(f"{expression!r}: five fields expected, got {len(parts)}")
    minutes, hours, days, months, weekdays = (
        _field(text, low, high, name)
        for text, (low, high), name in zip(parts, _RANGES, _FIELDS, strict=True)
    )
    # cron: 0 and 7 are Sunday, 1 Monday; Python: 0 Monday … 6 Sunday.
    python_weekdays = frozenset((d - 1) % 7 for d in weekdays)
    return Cron(
        expression=expression,
        minutes=minutes,
        hours=hours,
        days=days,
        months=months,
        weekdays=python_weekdays,
        any_day=parts[2].startswith("*"),
        any_weekday=parts[4].startswith("*"),
    )
