"""The knowledge base's figures (KCS evolve loop), one definition each (docs/knowledge.md,
"Figures"). Pure: plain numbers, datetimes and strings in; rates as fractions 0–1, times
in hours; a figure whose denominator is empty is None, never 0.

- link rate      = closed conversations with ≥ 1 linked article ÷ closed conversations
- reuse rate     = reused ÷ (reused + new): of the closed conversations where knowledge was
                   used or found missing, the share solved with an existing article (KCS's
                   "known vs new"). reused = closed conversations with a link; new = closed
                   conversations without one from which a new article was requested
- freshness      = hours from a change request to the published version that resolved it
                   (`resolved_at − requested_at`), median and mean, by month of resolution
- overdue        = live articles whose review date is before the day they are counted on
- quality index  = mean share of the checklist criteria met (core/quality.py)
- not found      = searches that found nothing, grouped by their normalised query
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from kefu.knowledge.core.text import normalise

# KCS v6: a link rate between these is healthy (below: knowledge is not used; above:
# links are probably made without reading).
LINK_RATE_HEALTHY = (0.6, 0.8)
# the seeds: change request → published update in ≤ 4 h (from 28 h)
FRESHNESS_GOAL_HOURS = 4.0


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def link_rate(closed: int, linked: int) -> float | None:
    """Closed conversations with at least one linked article ÷ closed conversations."""
    return ratio(linked, closed)


def reuse_rate(reused: int, new: int) -> float | None:
    """reused ÷ (reused + new) (see the module's docstring)."""
    return ratio(reused, reused + new)


def in_band(rate: float | None, band: tuple[float, float] = LINK_RATE_HEALTHY) -> bool | None:
    if rate is None:
        return None
    return band[0] <= rate <= band[1]


@dataclass(frozen=True)
class Freshness:
    resolved: int
    median_h: float | None
    mean_h: float | None

    @property
    def meets_goal(self) -> bool | None:
        return None if self.median_h is None else self.median_h <= FRESHNESS_GOAL_HOURS


def hours(requested_at: datetime, resolved_at: datetime) -> float:
    return (resolved_at - requested_at).total_seconds() / 3600


def freshness(durations_h: Iterable[float]) -> Freshness:
    """Median and mean of the request → publication times (hours)."""
    values = sorted(durations_h)
    if not values:
        return Freshness(0, None, None)
    return Freshness(len(values), statistics.median(values), statistics.fmean(values))


def freshness_by_month(
    rows: Iterable[tuple[str, float]], months: Iterable[str]
) -> dict[str, Freshness]:
    """(month key of the resolution, hours) rows → every month listed (empty ones too)."""
    grouped: dict[str, list[float]] = {m: [] for m in months}
    for month, value in rows:
        if month in grouped:
            grouped[month].append(value)
    return {month: freshness(values) for month, values in grouped.items()}


def overdue(review_dates: Iterable[date | None], on: date) -> int:
    """Articles whose review date is before `on` (those without one are never overdue)."""
    return sum(1 for due in review_dates if due is not None and due < on)


def normalize_query(query: str) -> str:
    """A query as searches are grouped: normalised like the index's text (NFKC, lower case,
    punctuation → space, digits → 0), spaces collapsed."""
    return " ".join(normalise(query).split())


def not_found(queries: Iterable[str], limit: int = 20) -> list[tuple[str, int]]:
    """The most frequent normalised queries among searches that found nothing, most
    frequent first (ties by the query), at most `limit`."""
    counts = Counter(q for q in (normalize_query(query) for query in queries) if q)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
