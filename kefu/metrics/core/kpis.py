"""The KPI definitions of the contract (`shared/spec/metrics.md`), one function per figure.

Pure Python: rows in, numbers out. Pages, API, CLI and exports call `compute()`; a
figure whose denominator is empty is None, never 0. Rates are fractions 0–1, times are
seconds unless the key ends in `_min`, NPS is points (−100…100).
"""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

REPEAT_WINDOW = timedelta(hours=168)
FRT_THRESHOLD_S = 30.0
KEYS = (
    "conversations",
    "frt_mean_s",
    "frt_median_s",
    "frt_p90_s",
    "frt_over_30s_rate",
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


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, 'linear')."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * pct / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


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


def compute(rows: Sequence[Row]) -> dict[str, float | int | None]:
    """Every contract key for one group of conversations."""
    n = len(rows)
    frts = [r.first_response_s for r in rows if r.first_response_s is not None]
    with_customer = [r for r in rows if r.has_customer_message]
    handle = [r.handle_time_s for r in rows if r.handle_time_s is not None]
    resolved = [r for r in rows if r.resolved_at is not None]
    csats = [r.csat for r in rows if r.csat is not None]
    npss = [r.nps for r in rows if r.nps is not None]
    complaints = [r for r in rows if r.complaint]
    escalations = [e for r in rows for e in r.escalations if e.resolved_at is not None]
    orders = [r for r in rows if r.order_converted is not None]
    return {
        "conversations": n,
        "frt_mean_s": _mean(frts),
        "frt_median_s": percentile(frts, 50),
        "frt_p90_s": percentile(frts, 90),
        "frt_over_30s_rate": _ratio(sum(f > FRT_THRESHOLD_S for f in frts), len(frts)),
        "response_rate": _ratio(
            sum(r.first_response_s is not None for r in with_customer), len(with_customer)
        ),
        "aht_s": _mean(handle),
        "resolution_time_mean_s": _mean(
            [(r.resolved_at - r.created_at).total_seconds() for r in resolved]
        ),
        "repeat_contact_rate": _ratio(sum(r.repeat_contact for r in rows), n),
        "fcr_rate": _ratio(
            sum(not r.escalations and not r.repeat_contact for r in resolved), len(resolved)
        ),
        "csat_mean": _mean(csats),
        "csat_satisfied_rate": _ratio(sum(c >= 4 for c in csats), len(csats)),
        "nps": (
            (sum(s >= 9 for s in npss) - sum(s <= 6 for s in npss)) / len(npss) * 100
            if npss
            else None
        ),
        "survey_response_rate": _ratio(
            sum(r.csat is not None or r.nps is not None for r in rows), n
        ),
        "complaint_rate": _ratio(len(complaints), n),
        "complaint_closed_72h_rate": _ratio(
            sum(
                c.resolved_at is not None and c.resolved_at - c.created_at <= timedelta(hours=72)
                for c in complaints
            ),
            len(complaints),
        ),
        "escalation_rate": _ratio(sum(bool(r.escalations) for r in rows), n),
        "escalation_mean_min": _mean(
            [(e.resolved_at - e.at).total_seconds() / 60 for e in escalations]
        ),
        "conversion_rate": _ratio(sum(bool(r.order_converted) for r in orders), len(orders)),
    }
