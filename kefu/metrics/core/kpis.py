"""The KPI definitions of the contract (`shared/spec/metrics.md`), one place per figure.

Pure Python: rows in, numbers out. Every figure is built in two steps so that stored
aggregates and a direct computation share one definition:

1. `contribution(row)` gives one conversation's additive statistics (`STATS`: counts
   and sums); statistics of a group are the sums of its conversations' contributions,
   whether Python, SQL or a stored daily roll-up adds them.
2. `finalize(stats, frt_counts)` turns a group's sums (and, for the percentiles, the
   multiset of its first response times) into the contract keys.

`compute(rows)` is both steps at once. A figure whose denominator is empty is None,
never 0. Rates are fractions 0–1, times are seconds unless the key ends in `_min`, NPS
is points (−100…100).

Every time figure has a calendar-time variant (the contract's, the default) and a
business-time variant: the same formula with each span measured by `Row.business`, the
business seconds of the conversation's service-level calendar (`business_span`; no
calendar: always open, business time = calendar time). The business statistics are
stored beside the calendar ones (`BUSINESS_STATS`); `business_view(stats)` puts them in
the calendar ones' place, so `finalize` serves both.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from kefu.interactions.core.facts import REPEAT_WINDOW
from kefu.sla.core import report as sla_report
from kefu.sla.core.business_time import Calendar, business_seconds

COMPLAINT_CLOSE_WINDOW = timedelta(hours=72)
FRT_THRESHOLD_S = 30.0
KEYS = (
    "conversations",
    "frt_mean_s",
    "frt_median_s",
    "frt_p90_s",
    "frt_over_30s_rate",
    "frt_over_target_rate",
    "response_rate",
    "aht_s",
    "resolution_time_mean_s",
    "repeat_contact_rate",
    "fcr_rate",
    "csat_mean",
    "csat_satisfied_rate",
    "nps",
    "survey_response_rate",
    "complaint_rate",
    "complaint_closed_72h_rate",
    "escalation_rate",
    "escalation_mean_min",
    "conversion_rate",
)
# Additive statistics of a group: each is a sum over its conversations' contributions.
STATS = (
    "conversations",
    "frt_n",
    "frt_sum_s",
    "frt_over_30s",
    "frt_over_target",
    "with_customer",
    "responded",
    "handle_n",
    "handle_sum_s",
    "resolved",
    "resolution_sum_s",
    "repeat_contacts",
    "first_contact_resolved",
    "csat_n",
    "csat_sum",
    "csat_satisfied",
    "nps_n",
    "nps_promoters",
    "nps_detractors",
    "surveyed",
    "complaints",
    "complaints_closed_72h",
    "escalated",
    "escalations_resolved",
    "escalation_sum_min",
    "orders",
    "converted",
    # business-time counterparts (BUSINESS_STATS)
    "biz_frt_sum_s",
    "biz_handle_sum_s",
    "biz_resolution_sum_s",
    "biz_complaints_closed_72h",
    "biz_escalation_sum_min",
)
# The statistics that measure a time, and their business-time counterparts. Counts
# (frt_n, handle_n, resolved, complaints, escalations_resolved) are the same in both.
BUSINESS_STATS = {
    "frt_sum_s": "biz_frt_sum_s",
    "handle_sum_s": "biz_handle_sum_s",
    "resolution_sum_s": "biz_resolution_sum_s",
    "complaints_closed_72h": "biz_complaints_closed_72h",
    "escalation_sum_min": "biz_escalation_sum_min",
}
# The statistics `finalize` reads (the business ones stand in for their calendar
# counterparts in business time, `business_view`).
CALENDAR_STATS = tuple(k for k in STATS if k not in BUSINESS_STATS.values())
FLOAT_STATS = frozenset(
    {
        "frt_sum_s",
        "handle_sum_s",
        "resolution_sum_s",
        "escalation_sum_min",
        "biz_frt_sum_s",
        "biz_handle_sum_s",
        "biz_resolution_sum_s",
        "biz_escalation_sum_min",
    }
)
# Which time the time figures are measured in: the contract's calendar time (default),
# or the business time of each conversation's service-level calendar.
CALENDAR_TIME = "calendar"
BUSINESS_TIME = "business"
TIMES = (CALENDAR_TIME, BUSINESS_TIME)
# The contract keys that are times (or a time window) and so have a business variant.
TIME_KEYS = (
    "frt_mean_s",
    "frt_median_s",
    "frt_p90_s",
    "aht_s",
    "resolution_time_mean_s",
    "complaint_closed_72h_rate",
    "escalation_mean_min",
)

Span = Callable[[datetime, datetime], float]  # seconds of [start, end) in some time


def business_span(calendar: Calendar | None) -> Span | None:
    """The one definition of a conversation's business time: the business seconds of its
    service-level policy's calendar. None (no policy, a policy without a calendar, or an
    always-open calendar): business time is calendar time."""
    if calendar is None or calendar.is_always_open():
        return None
    return partial(business_seconds, calendar)


@dataclass(frozen=True, slots=True)
class Escalation:
    at: datetime
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """What the KPIs need to know about one conversation."""

    customer: str
    created_at: datetime
    has_customer_message: bool = False
    first_response_s: float | None = None  # first customer message → first agent after it
    handle_time_s: float | None = None
    resolved_at: datetime | None = None
    complaint: bool = False
    escalations: tuple[Escalation, ...] = ()
    csat: int | None = None
    nps: int | None = None
    order_converted: bool | None = None  # None: no order (not a pre-sale inquiry)
    repeat_contact: bool = False  # see repeat_contacts()
    # The service-level policy's first-response target (kefu.sla; None: no policy matched,
    # FRT_THRESHOLD_S applies) and the FRT as that policy measures it (business time when
    # the policy says so; None: first_response_s, calendar time).
    first_response_target_s: float | None = None
    first_response_judged_s: float | None = None
    # For business time: where the first response and the handle time start (the first
    # customer message; the first message or segment), and the business-time measure of
    # the conversation's calendar (`business_span`; None: always open, calendar time).
    first_customer_at: datetime | None = None
    handle_start: datetime | None = None
    business: Span | None = None


def _business(row: Row, start: datetime | None, seconds: float | None) -> float | None:
    """Business seconds of the span of `seconds` from `start` (calendar seconds when the
    calendar is always open or the start is unknown)."""
    if seconds is None or row.business is None or start is None:
        return seconds
    return row.business(start, start + timedelta(seconds=seconds))


def business_first_response_s(row: Row) -> float | None:
    """The first response time in business time (None when there is none)."""
    return _business(row, row.first_customer_at, row.first_response_s)


def _business_between(row: Row, start: datetime, end: datetime) -> float:
    if row.business is None:
        return (end - start).total_seconds()
    return row.business(start, end)


def business_contribution(row: Row) -> dict[str, int | float]:
    """The business-time statistics of one conversation (the values of BUSINESS_STATS):
    each time statistic of `contribution` with its spans measured in business time."""
    frt = business_first_response_s(row)
    resolution = (
        _business_between(row, row.created_at, row.resolved_at)
        if row.resolved_at is not None
        else None
    )
    return {
        "biz_frt_sum_s": frt or 0.0,
        "biz_handle_sum_s": _business(row, row.handle_start, row.handle_time_s) or 0.0,
        "biz_resolution_sum_s": resolution or 0.0,
        "biz_complaints_closed_72h": int(
            row.complaint
            and resolution is not None
            and resolution <= COMPLAINT_CLOSE_WINDOW.total_seconds()
        ),
        "biz_escalation_sum_min": math.fsum(
            _business_between(row, e.at, e.resolved_at) / 60
            for e in row.escalations
            if e.resolved_at is not None
        ),
    }


def over_target(row: Row) -> bool:
    """Did the first response miss its service-level target (strictly over)? The SLA
    report's definition (`kefu.sla.core.report.breached`; no policy: 30 s)."""
    return sla_report.breached(
        row.first_response_s, row.first_response_judged_s, row.first_response_target_s
    )


def contribution(row: Row) -> dict[str, int | float]:
    """One conversation's additive statistics (every key of STATS)."""
    frt = row.first_response_s
    resolved = row.resolved_at is not None
    closed = [e for e in row.escalations if e.resolved_at is not None]
    return {
        "conversations": 1,
        "frt_n": int(frt is not None),
        "frt_sum_s": frt or 0.0,
        "frt_over_30s": int(frt is not None and frt > FRT_THRESHOLD_S),
        "frt_over_target": int(over_target(row)),
        "with_customer": int(row.has_customer_message),
        "responded": int(row.has_customer_message and frt is not None),
        "handle_n": int(row.handle_time_s is not None),
        "handle_sum_s": row.handle_time_s or 0.0,
        "resolved": int(resolved),
        "resolution_sum_s": (
            (row.resolved_at - row.created_at).total_seconds()
            if row.resolved_at is not None
            else 0.0
        ),
        "repeat_contacts": int(row.repeat_contact),
        "first_contact_resolved": int(resolved and not row.escalations and not row.repeat_contact),
        "csat_n": int(row.csat is not None),
        "csat_sum": row.csat or 0,
        "csat_satisfied": int(row.csat is not None and row.csat >= 4),
        "nps_n": int(row.nps is not None),
        "nps_promoters": int(row.nps is not None and row.nps >= 9),
        "nps_detractors": int(row.nps is not None and row.nps <= 6),
        "surveyed": int(row.csat is not None or row.nps is not None),
        "complaints": int(row.complaint),
        "complaints_closed_72h": int(
            row.complaint
            and row.resolved_at is not None
            and row.resolved_at - row.created_at <= COMPLAINT_CLOSE_WINDOW
        ),
        "escalated": int(bool(row.escalations)),
        "escalations_resolved": len(closed),
        "escalation_sum_min": math.fsum(
            (e.resolved_at - e.at).total_seconds() / 60
            for e in row.escalations
            if e.resolved_at is not None
        ),
        "orders": int(row.order_converted is not None),
        "converted": int(bool(row.order_converted)),
    } | business_contribution(row)


def add_stats(groups: Iterable[Mapping[str, int | float]]) -> dict[str, int | float]:
    """The statistics of the union of groups (or of conversations' contributions); a
    statistic a group lacks counts as 0 (stored reads sum only CALENDAR_STATS)."""
    totals: dict[str, int | float] = dict.fromkeys(STATS, 0)
    floats: dict[str, list[float]] = {k: [] for k in FLOAT_STATS}
    for group in groups:
        for key in STATS:
            if key in FLOAT_STATS:
                floats[key].append(group.get(key) or 0.0)
            else:
                totals[key] += group.get(key) or 0
    for key, values in floats.items():
        totals[key] = math.fsum(values)
    return totals


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def percentile_of_counts(counts: Mapping[float, int], pct: float) -> float | None:
    """Percentile of a multiset given as {value: count}, by linear interpolation between
    closest ranks (numpy's default); stored roll-ups keep FRTs this way."""
    total = sum(counts.values())
    if not total:
        return None
    position = (total - 1) * pct / 100
    low_rank = int(position)
    high_rank = min(low_rank + 1, total - 1)
    low: float | None = None
    high: float | None = None
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None  # total > 0: both ranks exist
    return low + (high - low) * (position - low_rank)


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, 'linear')."""
    return percentile_of_counts(Counter(values), pct)


# The figures that are one statistic over another: (numerator, denominator). Rates end in
# `_rate`; the others are means of a per-conversation value (its sum over its count), so
# a figure's interval can be computed from the same statistics (kefu.performance).
RATIOS: dict[str, tuple[str, str]] = {
    "frt_mean_s": ("frt_sum_s", "frt_n"),
    "frt_over_30s_rate": ("frt_over_30s", "frt_n"),
    "frt_over_target_rate": ("frt_over_target", "frt_n"),
    "response_rate": ("responded", "with_customer"),
    "aht_s": ("handle_sum_s", "handle_n"),
    "resolution_time_mean_s": ("resolution_sum_s", "resolved"),
    "repeat_contact_rate": ("repeat_contacts", "conversations"),
    "fcr_rate": ("first_contact_resolved", "resolved"),
    "csat_mean": ("csat_sum", "csat_n"),
    "csat_satisfied_rate": ("csat_satisfied", "csat_n"),
    "survey_response_rate": ("surveyed", "conversations"),
    "complaint_rate": ("complaints", "conversations"),
    "complaint_closed_72h_rate": ("complaints_closed_72h", "complaints"),
    "escalation_rate": ("escalated", "conversations"),
    "escalation_mean_min": ("escalation_sum_min", "escalations_resolved"),
    "conversion_rate": ("converted", "orders"),
}


def business_view(stats: Mapping[str, int | float]) -> dict[str, int | float]:
    """A group's statistics with the business-time ones in the calendar ones' place: what
    `finalize` turns into the business-time figures (same keys)."""
    out = dict(stats)
    for calendar_key, business_key in BUSINESS_STATS.items():
        out[calendar_key] = stats[business_key]
    return out


def nps_points(promoters: float, detractors: float, answered: float) -> float | None:
    return (promoters - detractors) / answered * 100 if answered else None


def finalize(
    stats: Mapping[str, int | float], frt_counts: Mapping[float, int]
) -> dict[str, float | int | None]:
    """Every contract key from a group's statistics and its FRT multiset."""
    s = stats
    figures: dict[str, float | int | None] = {
        key: _ratio(s[numerator], s[denominator])
        for key, (numerator, denominator) in RATIOS.items()
    }
    figures |= {
        "conversations": int(s["conversations"]),
        "frt_median_s": percentile_of_counts(frt_counts, 50),
        "frt_p90_s": percentile_of_counts(frt_counts, 90),
        "nps": nps_points(s["nps_promoters"], s["nps_detractors"], s["nps_n"]),
    }
    return {key: figures[key] for key in KEYS}


def repeat_contacts(
    rows: Iterable[tuple[str, datetime]], history: Mapping[str, Sequence[datetime]]
) -> list[bool]:
    """For each (customer, created_at): did the customer open another conversation, on
    any channel, within 168 h after it? `history` holds every stored conversation's
    created_at per customer, sorted (look-ahead may pass the end of the period)."""
    flags = []
    for customer, created_at in rows:
        times = history.get(customer, ())
        nxt = bisect_right(times, created_at)
        flags.append(nxt < len(times) and times[nxt] - created_at <= REPEAT_WINDOW)
    return flags


def compute(rows: Sequence[Row], time: str = CALENDAR_TIME) -> dict[str, float | int | None]:
    """Every contract key for one group of conversations, in calendar or business time."""
    if time not in TIMES:
        raise ValueError(f"time must be one of {', '.join(TIMES)}")
    stats = add_stats(contribution(r) for r in rows)
    if time == BUSINESS_TIME:
        biz = (business_first_response_s(r) for r in rows)
        return finalize(business_view(stats), Counter(f for f in biz if f is not None))
    frts = Counter(r.first_response_s for r in rows if r.first_response_s is not None)
    return finalize(stats, frts)
