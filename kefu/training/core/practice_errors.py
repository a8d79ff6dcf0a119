"""The practice error rate (练习失误率), pure Python: one definition for the pages, the API,
the demo and docs/training-practice.md.

A practice is scored by the QA engine with the default scorecard, like a real
conversation. Its **checks** are the scorecard items that can cost points on the
practice's channel: deduction items with points > 0 that judge the channel (on chat,
the default scorecard's 20 items: no phone speech items, no 0-point customer-risk
warnings, no addition items). Its **errors** are the checks that applied (the item's
indicator hit and points were deducted; a fatal item counts as one error like any other).

    error rate = Σ errors ÷ Σ checks        over the practices of a period (pooled)

Pooled, not a mean of each practice's rate: every check weighs the same. None when
nothing was checked (no practice): no rate, never 0 %. E.g. practices with 6 and 5
errors of 20 checks each: 11 ÷ 40 = 27.5 %.

Weeks since hire: week 1 is the hire day and the 6 days after it (days 0–6), week 2
days 7–13, …; practices before the hire day are not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.qa.core.scorecard import Item, ItemScore, Scorecard


@dataclass(frozen=True)
class Checked:
    """The error count of one scored practice."""

    errors: int
    checks: int
    failed: tuple[str, ...]  # the item ids that applied
    checked: tuple[str, ...]  # every item id checked

    @property
    def rate(self) -> float | None:
        return error_rate(self.errors, self.checks)


def checked_items(scorecard: Scorecard, channel: str) -> list[Item]:
    """The items that can cost points on `channel`: the practice's checks."""
    return [
        item
        for item in scorecard.items()
        if item.mode == "deduct" and item.points > 0 and item.judges(channel)
    ]


def count_errors(scorecard: Scorecard, applied: Iterable[ItemScore], channel: str) -> Checked:
    """Checks and errors of a practice scored with `scorecard` (its applied items)."""
    checked = [item.id for item in checked_items(scorecard, channel)]
    ids = set(checked)
    failed = tuple(dict.fromkeys(a.item for a in applied if a.item in ids and a.points < 0))
    return Checked(len(failed), len(checked), failed, tuple(checked))


def error_rate(errors: int, checks: int) -> float | None:
    """errors ÷ checks; None for no checks."""
    if errors < 0 or checks < 0 or errors > checks:
        raise ValueError(f"{errors} errors of {checks} checks is not a rate")
    if checks == 0:
        return None
    return errors / checks


@dataclass(frozen=True)
class Fact:
    """One finished practice as the rate sees it."""

    day: date
    errors: int
    checks: int


@dataclass(frozen=True)
class Period:
    """A week (since hire, or a calendar week from `start`) of practices."""

    week: int
    start: date
    practices: int
    errors: int
    checks: int

    @property
    def rate(self) -> float | None:
        return error_rate(self.errors, self.checks)


def week_since_hire(hired_on: date, day: date) -> int | None:
    """1 for the hire day and the 6 days after, 2 for the next 7, …; None before hire."""
    days = (day - hired_on).days
    return None if days < 0 else days // 7 + 1


def _total(facts: Sequence[Fact]) -> tuple[int, int, int]:
    return len(facts), sum(f.errors for f in facts), sum(f.checks for f in facts)


def weeks_since_hire(facts: Iterable[Fact], hired_on: date) -> list[Period]:
    """The agent's practices pooled per week since hire, weeks without practice left out."""
    by_week: dict[int, list[Fact]] = defaultdict(list)
    for fact in facts:
        week = week_since_hire(hired_on, fact.day)
        if week is not None:
            by_week[week].append(fact)
    return [
        Period(week, hired_on + timedelta(days=7 * (week - 1)), *_total(by_week[week]))
        for week in sorted(by_week)
    ]


def calendar_weeks(facts: Iterable[Fact]) -> list[Period]:
    """Practices pooled per calendar week (Monday to Sunday), oldest first; `week` is the
    ISO week number."""
    by_monday: dict[date, list[Fact]] = defaultdict(list)
    for fact in facts:
        by_monday[fact.day - timedelta(days=fact.day.weekday())].append(fact)
    return [
        Period(monday.isocalendar()[1], monday, *_total(by_monday[monday]))
        for monday in sorted(by_monday)
    ]


def pooled(series: Iterable[Sequence[Period]]) -> list[Period]:
    """Several agents' weeks since hire added up week by week (the cohort's rate)."""
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    starts: dict[int, date] = {}
    for periods in series:
        for p in periods:
            total = sums[p.week]
            total[0] += p.practices
            total[1] += p.errors
            total[2] += p.checks
            starts.setdefault(p.week, p.start)
    return [Period(week, starts[week], *sums[week]) for week in sorted(sums)]
