"""Business time: how much of a span lies inside a calendar's opening hours.

Pure Python (no Django). A `Calendar` is weekly opening hours (per weekday, as minutes
of the local day), closed days (public holidays) and working days that would otherwise
be closed (调休: a weekend worked to make up a bridge holiday), in one IANA time zone.

Definition (the one the brute-force test counts): an instant is *open* when its local
wall time — `instant.astimezone(zone)` — falls on a day that is open and inside one of
that day's intervals. A day is open when it is a listed working day (it then has
`makeup_hours`), or it is not a holiday and its weekday has hours.
`business_seconds(a, b)` is the measure of the open instants in [a, b).

The computation never walks minutes: the span is cut where the zone's UTC offset changes
(daylight saving; found by a daily probe and a bisection to the second), and within a
piece of constant offset wall time is instant + offset, so the open measure is a sum
over local days of interval overlaps.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

DAY_MIN = 24 * 60
Interval = tuple[int, int]  # [start, end) minutes of the local day, 0 ≤ start < end ≤ 1440
WEEKDAYS = range(7)  # Monday = 0, as datetime.weekday()


def parse_hours(text: str) -> tuple[Interval, ...]:
    """'09:00-12:00, 13:00-18:00' → ((540, 720), (780, 1080)); '' → closed; '24h' → all day.
    Raises ValueError for a malformed or overlapping list."""
    text = text.strip()
    if not text:
        return ()
    if text.lower() in {"24h", "00:00-24:00"}:
        return ((0, DAY_MIN),)
    out: list[Interval] = []
    for part in text.replace("，", ",").split(","):
        start_text, sep, end_text = part.strip().partition("-")
        if not sep:
            raise ValueError(f"expected HH:MM-HH:MM, got {part.strip()!r}")
        out.append((_minute(start_text), _minute(end_text)))
    return normalise(out)


def _minute(text: str) -> int:
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise ValueError(f"expected HH:MM, got {text.strip()!r}")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) >= 60 or value > DAY_MIN:
        raise ValueError(f"not a time of day: {text.strip()!r}")
    return value


def normalise(intervals: Iterable[Interval]) -> tuple[Interval, ...]:
    """Sorted, validated intervals; raises ValueError when one is empty or they overlap."""
    out = sorted((int(s), int(e)) for s, e in intervals)
    for start, end in out:
        if not 0 <= start < end <= DAY_MIN:
            raise ValueError(f"not an interval of the day: {start}-{end}")
    for (_, end), (start, _) in pairwise(out):
        if start < end:
            raise ValueError("intervals overlap")
    return tuple(out)


def format_hours(intervals: Iterable[Interval]) -> str:
    parts = [f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in intervals]
    return ", ".join(parts)


ALWAYS = ((0, DAY_MIN),)


@dataclass(frozen=True)
class Calendar:
    zone: str = "Asia/Shanghai"
    weekly: Mapping[int, tuple[Interval, ...]] = field(
        default_factory=lambda: dict.fromkeys(WEEKDAYS, ALWAYS)
    )
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # 调休: worked although a weekend
    makeup_hours: tuple[Interval, ...] | None = None  # hours of a 调休 day; None: Monday's

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        if day in self.workdays:
            return self.makeup_hours if self.makeup_hours is not None else self.weekly.get(0, ())
        if day in self.holidays:
            return ()
        return self.weekly.get(day.weekday(), ())

    @property
    def tzinfo(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def is_always_open(self) -> bool:
        return not self.holidays and all(self.weekly.get(d) == ALWAYS for d in WEEKDAYS)

    def is_open_at(self, instant: datetime) -> bool:
        local = instant.astimezone(self.tzinfo)
        minute = local.hour * 60 + local.minute + (local.second + local.microsecond / 1e6) / 60
        return any(s <= minute < e for s, e in self.hours_on(local.date()))


def _offset(instant: datetime, zone: ZoneInfo) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def _constant_offset_pieces(
    start: datetime, end: datetime, zone: ZoneInfo
) -> list[tuple[datetime, datetime, timedelta]]:
    """[start, end) cut where the zone's UTC offset changes: (from, to, offset) pieces.
    Probes once a day (zones change offset at most once a day) and bisects on whole
    seconds (offsets change on whole seconds)."""
    pieces = []
    cursor = start
    offset = _offset(cursor, zone)
    while cursor < end:
        probe = min(cursor + timedelta(days=1), end)
        if _offset(probe, zone) == offset:
            pieces.append((cursor, probe, offset))
            cursor = probe
            continue
        low = math.floor(cursor.timestamp())  # offset(low) == offset
        high = math.ceil(probe.timestamp())  # offset(high) != offset
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(datetime.fromtimestamp(middle, UTC), zone) == offset:
                low = middle
            else:
                high = middle
        change = datetime.fromtimestamp(high, UTC)
        pieces.append((cursor, change, offset))
        cursor = change
        offset = _offset(cursor, zone)
    return _merge(pieces)


def _merge(
    pieces: list[tuple[datetime, datetime, timedelta]],
) -> list[tuple[datetime, datetime, timedelta]]:
    out: list[tuple[datetime, datetime, timedelta]] = []
    for piece in pieces:
        if out and out[-1][2] == piece[2] and out[-1][1] == piece[0]:
            out[-1] = (out[-1][0], piece[1], piece[2])
        else:
            out.append(piece)
    return out


def _wall_open_seconds(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Open seconds between two naive wall times (no offset change between them)."""
    total = 0.0
    day = start.date()
    last = end.date()
    while day <= last:
        midnight = datetime(day.year, day.month, day.day)
        low = (start - midnight).total_seconds() if day == start.date() else 0.0
        high = (end - midnight).total_seconds() if day == last else DAY_MIN * 60.0
        for s, e in calendar.hours_on(day):
            overlap = min(high, e * 60.0) - max(low, s * 60.0)
            if overlap > 0:
                total += overlap
        day += timedelta(days=1)
    return total


def business_seconds(calendar: Calendar, start: datetime, end: datetime) -> float:
    """Seconds of [start, end) that lie inside the calendar's opening hours (0 when end ≤
    start). Both datetimes must be aware."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("business_seconds needs aware datetimes")
    if end <= start:
        return 0.0
    if calendar.is_always_open():
        return (end - start).total_seconds()
    zone = calendar.tzinfo
    a = start.astimezone(UTC)
    b = end.astimezone(UTC)
    total = 0.0
    for low, high, offset in _constant_offset_pieces(a, b, zone):
        wall_low = (low + offset).replace(tzinfo=None)
        wall_high = (high + offset).replace(tzinfo=None)
        total += _wall_open_seconds(calendar, wall_low, wall_high)
    return total


def deadline(
    calendar: Calendar, start: datetime, seconds: float, horizon_days: int = 400
) -> datetime | None:
    """The first instant t with business_seconds(start, t) ≥ seconds (to the second): when
    a business-time target started at `start` falls due. None if the calendar opens for
    less than that within `horizon_days`."""
    if seconds <= 0:
        return start
    if calendar.is_always_open():
        return start + timedelta(seconds=seconds)
    step = timedelta(seconds=max(seconds, 60.0))
    limit = start + timedelta(days=horizon_days)
    high = start + step
    while business_seconds(calendar, start, high) < seconds:
        if high >= limit:
            return None
        step *= 2
        high = min(start + step, limit)
    low = start
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if business_seconds(calendar, start, middle) >= seconds:
            high = middle
        else:
            low = middle
    return high
