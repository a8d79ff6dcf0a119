"""The effect of routing on high-sensitivity customers (pure: no Django).

Complaint and escalation rates by month, for the conversations of high-sensitivity
customers beside the other customers', before and after routing was switched on. The
rates are the KPI contract's own (`kefu.metrics.core.kpis`: `complaint_rate` =
complaints / conversations, `escalation_rate` = escalated conversations / conversations),
computed from the same additive statistics the KPI facts store; this module only groups
them. The month routing was switched on mid-way is shown but counted in neither period.

The summary's difference in differences: (high after − high before) − (others after −
others before), per rate: the change among high-sensitivity customers beyond the change
every customer saw (seasons, policy, staffing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from kefu.metrics.core import kpis

HIGH = "high"
OTHERS = "others"
GROUPS = (HIGH, OTHERS)
RATES = ("complaint_rate", "escalation_rate")

BEFORE = "before"
SWITCH = "switch"  # the month routing was switched on, not on its first day
AFTER = "after"


@dataclass(frozen=True, slots=True)
class Cell:
    conversations: int
    complaint_rate: float | None
    escalation_rate: float | None


@dataclass(frozen=True, slots=True)
class Month:
    month: date  # its first day
    period: str  # BEFORE, SWITCH or AFTER
    cells: dict[str, Cell]  # group → figures


@dataclass(frozen=True, slots=True)
class Effect:
    months: list[Month]
    before: dict[str, Cell]
    after: dict[str, Cell]
    # rate → (high after − high before) − (others after − others before); None if unknown
    did: dict[str, float | None]


def period_of(month: date, enabled_since: date | None) -> str:
    if enabled_since is None:
        return BEFORE
    first = enabled_since.replace(day=1)
    if month < first:
        return BEFORE
    if month == first and enabled_since.day != 1:
        return SWITCH
    return AFTER


def _cell(stats: Mapping[str, int | float]) -> Cell:
    figures = kpis.finalize(stats, {})
    return Cell(
        conversations=int(stats["conversations"]),
        complaint_rate=figures["complaint_rate"],
        escalation_rate=figures["escalation_rate"],
    )


def _empty() -> dict[str, int | float]:
    return kpis.add_stats([])


def effect(
    rows: Iterable[tuple[date, str, Mapping[str, int | float]]], enabled_since: date | None
) -> Effect:
    """`rows`: (month's first day, HIGH or OTHERS, the KPI statistics summed over that
    group's conversations of the month, every key of `kpis.STATS`). Several rows of one
    month and group are added."""
    by_month: dict[date, dict[str, list[Mapping[str, int | float]]]] = {}
    for month, group, stats in rows:
        if group not in GROUPS:
            raise ValueError(f"unknown group {group!r}")
        by_month.setdefault(month, {g: [] for g in GROUPS})[group].append(stats)
    months: list[Month] = []
    pooled: dict[str, dict[str, list[Mapping[str, int | float]]]] = {
        BEFORE: {g: [] for g in GROUPS},
        AFTER: {g: [] for g in GROUPS},
    }
    for month in sorted(by_month):
        period = period_of(month, enabled_since)
        cells = {}
        for group in GROUPS:
            stats = kpis.add_stats(by_month[month][group]) if by_month[month][group] else _empty()
            cells[group] = _cell(stats)
            if period in pooled:
                pooled[period][group].append(stats)
        months.append(Month(month, period, cells))
    before = {g: _cell(kpis.add_stats(pooled[BEFORE][g])) for g in GROUPS}
    after = {g: _cell(kpis.add_stats(pooled[AFTER][g])) for g in GROUPS}
    did: dict[str, float | None] = {}
    for rate in RATES:
        values = [
            getattr(after[HIGH], rate),
            getattr(before[HIGH], rate),
            getattr(after[OTHERS], rate),
            getattr(before[OTHERS], rate),
        ]
        if any(v is None for v in values):
            did[rate] = None
        else:
            high_after, high_before, others_after, others_before = values
            did[rate] = (high_after - high_before) - (others_after - others_before)  # type: ignore[operator]
    return Effect(months, before, after, did)
