"""Schedule adherence: the share of an agent's scheduled time spent in an available state.

    adherence(agent, day) = (time in an available state during scheduled time)
                            ÷ (scheduled time)

- **Scheduled time** of a day: the agent's shifts of that roster day (a shift belongs to
  the day it starts on, so a night shift's hours after midnight count for the evening it
  began), each from its start to its end minus its unpaid break; the shifts of one day
  are united (an hour scheduled twice counts once). Only the part before `until` (now:
  the states after it are not known yet) counts; a day with no scheduled time so far has
  **no figure** (None), not 0 %.
- **Available**: the states of `available` (online and busy: at work, handling contacts);
  away and offline are not. A state lasts from its change until the agent's next change
  (or `until`); before the agent's first known change the agent counts as not available.
  So a state set before the shift counts from the shift's start.

Pure Python: plain datetimes in (aware, one time zone), figures out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

Span = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class Shift:
    """One scheduled shift of one roster day (break optional)."""

    day: date
    start: datetime
    end: datetime
    break_start: datetime | None = None
    break_end: datetime | None = None

    def spans(self) -> list[Span]:
        """The working time: the shift less its break."""
        if self.end <= self.start:
            return []
        if self.break_start is None or self.break_end is None:
            return [(self.start, self.end)]
        out = []
        if self.break_start > self.start:
            out.append((self.start, min(self.break_start, self.end)))
        if self.break_end < self.end:
            out.append((max(self.break_end, self.start), self.end))
        return [(a, b) for a, b in out if b > a]


@dataclass(frozen=True, slots=True)
class DayAdherence:
    day: date
    scheduled_s: float  # scheduled time up to `until`
    available_s: float  # of it, in an available state
    shifts: int

    @property
    def value(self) -> float | None:
        """The adherence (0–1); None without scheduled time so far."""
        return self.available_s / self.scheduled_s if self.scheduled_s > 0 else None


def union(spans: Iterable[Span]) -> list[Span]:
    """Sorted, non-overlapping spans covering the same time."""
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def available_spans(
    changes: Sequence[tuple[datetime, str]], until: datetime, available: Collection[str]
) -> list[Span]:
    """When the agent was in an available state, from their changes (time, state)."""
    ordered = sorted(changes, key=lambda c: c[0])
    spans = []
    for i, (at, state) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else until
        end = min(end, until)
        if state in available and end > at:
            spans.append((at, end))
    return union(spans)


def overlap_s(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Seconds that two sorted, non-overlapping span lists share."""
    i = j = 0
    total = 0.0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if end > start:
            total += (end - start).total_seconds()
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


def _clip(spans: Iterable[Span], until: datetime) -> list[Span]:
    return [(a, min(b, until)) for a, b in spans if a < until]


def adherence(
    shifts: Iterable[Shift],
    changes: Sequence[tuple[datetime, str]],
    *,
    until: datetime,
    available: Collection[str],
) -> list[DayAdherence]:
    """One agent's adherence per roster day with a shift, oldest day first."""
    by_day: dict[date, list[Shift]] = defaultdict(list)
    for shift in shifts:
        by_day[shift.day].append(shift)
    present = available_spans(changes, until, available)
    out = []
    for day in sorted(by_day):
        scheduled = _clip(union(s for shift in by_day[day] for s in shift.spans()), until)
        scheduled_s = sum((b - a).total_seconds() for a, b in scheduled)
        out.append(
            DayAdherence(
                day=day,
                scheduled_s=scheduled_s,
                available_s=overlap_s(scheduled, present),
                shifts=len(by_day[day]),
            )
        )
    return out


def pooled(days: Iterable[DayAdherence]) -> float | None:
    """Adherence over several days (or agents): total available ÷ total scheduled time,
    not the mean of the days' figures."""
    rows = list(days)
    scheduled = sum(d.scheduled_s for d in rows)
    return sum(d.available_s for d in rows) / scheduled if scheduled > 0 else None
