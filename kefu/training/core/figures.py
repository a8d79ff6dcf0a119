"""Sessions and attendance (参训覆盖率与出勤率): one definition of each figure. Pure Python.

- **planned**: sessions scheduled in the period that were due (started by the time of
  asking), whatever became of them; **held**: those marked held.
  **coverage** = held / planned (seeds: 47 / 48 = 97.9 %).
- **attendance** = attended / (attended + absent), over the enrolments of held sessions;
  excused absences and enrolments never marked count in neither (seeds: 98.4 %).
- **hours per person** = the hours of the held sessions each enrolled agent attended,
  summed, divided by the number of agents enrolled in at least one held session of the
  period (seeds: 126 h).
- **absence rule**: an agent's absences in a calendar quarter (held sessions, marked
  absent, by the session's local day); more than `limit` lowers the development score of
  the performance review by `percent` % (seeds: more than 3 → 15 %).

A figure whose denominator is empty is None, never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.core.periods import quarter_key

HELD = "held"
ATTENDED = "attended"
ABSENT = "absent"


@dataclass(frozen=True, slots=True)
class Session:
    status: str  # planned | held | cancelled
    hours: float


@dataclass(frozen=True, slots=True)
class Seat:
    """One enrolment: whose, how it was marked, and its session's status, length and day."""

    agent: int
    attendance: str  # enrolled | attended | absent | excused
    session_status: str
    hours: float
    day: date


@dataclass(frozen=True, slots=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True, slots=True)
class Hours:
    total: float  # attended hours, summed over agents
    people: int  # agents enrolled in at least one held session

    @property
    def per_person(self) -> float | None:
        return self.total / self.people if self.people else None


@dataclass(frozen=True, slots=True)
class Summary:
    coverage: Ratio  # held / planned
    attendance: Ratio  # attended / (attended + absent)
    hours: Hours


def coverage(sessions: Iterable[Session]) -> Ratio:
    planned = held = 0
    for session in sessions:
        planned += 1
        held += session.status == HELD
    return Ratio(held, planned)


def attendance(seats: Iterable[Seat]) -> Ratio:
    attended = marked = 0
    for seat in seats:
        if seat.session_status != HELD or seat.attendance not in (ATTENDED, ABSENT):
            continue
        marked += 1
        attended += seat.attendance == ATTENDED
    return Ratio(attended, marked)


def hours(seats: Iterable[Seat]) -> Hours:
    total = 0.0
    people: set[int] = set()
    for seat in seats:
        if seat.session_status != HELD:
            continue
        people.add(seat.agent)
        if seat.attendance == ATTENDED:
            total += seat.hours
    return Hours(total, len(people))


def summarize(sessions: Iterable[Session], seats: Iterable[Seat]) -> Summary:
    seats = list(seats)
    return Summary(coverage(sessions), attendance(seats), hours(seats))


# --- the absence rule -------------------------------------------------------------------
def quarter_of(day: date) -> str:
    """ "2024-Q3" (the label every quarter of Kefu uses)."""
    return quarter_key(day)


def quarter_bounds(quarter: str) -> tuple[date, date]:
    """First and last day of "2024-Q3"; ValueError for anything else."""
    year, sep, q = quarter.partition("-Q")
    if not sep or not (year.isascii() and year.isdigit()) or q not in ("1", "2", "3", "4"):
        raise ValueError(f"not a quarter (YYYY-Qn): {quarter!r}")
    first_month = (int(q) - 1) * 3 + 1
    start = date(int(year), first_month, 1)
    after = date(int(year) + 1, 1, 1) if q == "4" else date(int(year), first_month + 3, 1)
    return start, after - timedelta(days=1)


def absences(seats: Iterable[Seat]) -> dict[tuple[int, str], int]:
    """(agent, quarter) → absences from held sessions (only pairs with at least one)."""
    out: dict[tuple[int, str], int] = defaultdict(int)
    for seat in seats:
        if seat.session_status == HELD and seat.attendance == ABSENT:
            out[(seat.agent, quarter_of(seat.day))] += 1
    return dict(out)


def absence_penalty(absent: int, limit: int, percent: float) -> float:
    """The share (0–1) by which the development score is lowered: `percent` % when the
    absences exceed the limit, else nothing."""
    return percent / 100 if absent > limit else 0.0
