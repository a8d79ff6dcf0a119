"""The effect of routing on high-sensitivity customers (pure: no Django).

Complaint and escalation rates by month, for the conversations of high-sensitivity
customers beside the other customers', before and after routing was switched on. The
rates are the KPI contract's own (`kefu.metrics.core.kpis`: `complaint_rate` =
complaints / conversations, `escalation_rate` = escalated conversations / conversations),
computed from the same additive statistics the KPI facts store; this module only groups
them. The month routing was switched on mid-way is shown but counted in neither period.

A conversation's group is its customer's label *when it arrived* (the caller decides it:
the routing decision's, else the month's label; docs/routing.md). Conversations whose
label at arrival is unknown (`UNKNOWN`) are counted beside the groups, never in a rate.

The summary's difference in differences: (high after − high before) − (others after −
others before), per rate: the change among high-sensitivity customers beyond the change
every customer saw (seasons, policy, staffing). Its 95 % interval combines the four
pooled rates' Wilson intervals (`did_interval`: MOVER, Zou & Donner 2008 — for two rates
it is Newcombe's hybrid score interval, `kefu.core.intervals.newcombe`), treating the
conversations as independent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kefu.core.intervals import Estimate, wilson
from kefu.metrics.core import kpis

HIGH = "high"
OTHERS = "others"
GROUPS = (HIGH, OTHERS)
UNKNOWN = "unknown"  # no label at arrival known: counted, in no rate
RATES = ("complaint_rate", "escalation_rate")
# each rate's numerator statistic (the denominator is `conversations`: kpis.RATIOS)
COUNTS = {"complaint_rate": "complaints", "escalation_rate": "escalated"}

BEFORE = "before"
SWITCH = "switch"  # the month routing was switched on, not on its first day
AFTER = "after"


@dataclass(frozen=True, slots=True)
class Cell:
    conversations: int
    complaint_rate: float | None
    escalation_rate: float | None
    complaints: int = 0
    escalated: int = 0


@dataclass(frozen=True, slots=True)
class Month:
    month: date  # its first day
    period: str  # BEFORE, SWITCH or AFTER
    cells: dict[str, Cell]  # group → figures
    unknown: int = 0  # conversations without a known label at arrival


@dataclass(frozen=True, slots=True)
class Effect:
    months: list[Month]
    before: dict[str, Cell]
    after: dict[str, Cell]
    # rate → (high after − high before) − (others after − others before); None if unknown
    did: dict[str, float | None]
    # rate → the difference in differences with its 95 % interval (value None if unknown)
    did_interval: dict[str, Estimate]
    unknown: dict[str, int]  # period (BEFORE, SWITCH, AFTER) → conversations without a label


def default_span(enabled_since: date | None, today: date) -> tuple[date, date]:
    """The report's days when none are asked: from the first day of the month a year
    before routing was switched on (or before today) to today."""
    anchor = enabled_since or today
    return date(anchor.year - 1, anchor.month, 1), today


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
        complaints=int(stats["complaints"]),
        escalated=int(stats["escalated"]),
    )


def _empty() -> dict[str, int | float]:
    return kpis.add_stats([])


def combined_interval(terms: Sequence[tuple[int, int, int]]) -> Estimate:
    """Σ sign × k/n over `terms` (k, n, sign ±1) with the MOVER 95 % interval built from
    each rate's Wilson interval: the lower limit moves each term towards its own limit
    that lowers the sum, `L = θ − √Σ (distance to that limit)²`, and alike for the upper.
    Nothing (value None) when a term has no observation. `n`: the smallest term's."""
    value = 0.0
    down = up = 0.0
    for k, n, sign in terms:
        rate = wilson(k, n)
        if rate.value is None:
            return Estimate(None, 0)
        assert rate.low is not None and rate.high is not None
        value += sign * rate.value
        below, above = rate.value - rate.low, rate.high - rate.value
        if sign > 0:
            down, up = down + below**2, up + above**2
        else:
            down, up = down + above**2, up + below**2
    n = min(n for _k, n, _s in terms)
    return Estimate(value, n, value - math.sqrt(down), value + math.sqrt(up))


def effect(
    rows: Iterable[tuple[date, str, Mapping[str, int | float]]], enabled_since: date | None
) -> Effect:
    """`rows`: (month's first day, HIGH, OTHERS or UNKNOWN, the KPI statistics summed
    over that group's conversations of the month, every key of `kpis.STATS`). Several
    rows of one month and group are added."""
    by_month: dict[date, dict[str, list[Mapping[str, int | float]]]] = {}
    for month, group, stats in rows:
        if group not in (*GROUPS, UNKNOWN):
            raise ValueError(f"unknown group {group!r}")
        by_month.setdefault(month, {g: [] for g in (*GROUPS, UNKNOWN)})[group].append(stats)
    months: list[Month] = []
    pooled: dict[str, dict[str, list[Mapping[str, int | float]]]] = {
        BEFORE: {g: [] for g in GROUPS},
        AFTER: {g: [] for g in GROUPS},
    }
    unknown = {BEFORE: 0, SWITCH: 0, AFTER: 0}
    for month in sorted(by_month):
        period = period_of(month, enabled_since)
        cells = {}
        for group in GROUPS:
            stats = kpis.add_stats(by_month[month][group]) if by_month[month][group] else _empty()
            cells[group] = _cell(stats)
            if period in pooled:
                pooled[period][group].append(stats)
        unlabelled = sum(int(s["conversations"]) for s in by_month[month][UNKNOWN])
        unknown[period] += unlabelled
        months.append(Month(month, period, cells, unlabelled))
    before = {g: _cell(kpis.add_stats(pooled[BEFORE][g])) for g in GROUPS}
    after = {g: _cell(kpis.add_stats(pooled[AFTER][g])) for g in GROUPS}
    did: dict[str, float | None] = {}
    did_interval: dict[str, Estimate] = {}
    for rate in RATES:
        count = COUNTS[rate]
        interval = combined_interval(
            [
                (getattr(after[HIGH], count), after[HIGH].conversations, +1),
                (getattr(before[HIGH], count), before[HIGH].conversations, -1),
                (getattr(after[OTHERS], count), after[OTHERS].conversations, -1),
                (getattr(before[OTHERS], count), before[OTHERS].conversations, +1),
            ]
        )
        did_interval[rate] = interval
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
    return Effect(months, before, after, did, did_interval, unknown)
