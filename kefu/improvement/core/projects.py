"""Improvement projects' before/after figures, computed from counts (never typed).

Windows: before = the `before_days` ending the day the project started; after = the
`after_days` starting the day its actions were done (its end date; the start date while
it runs), cut at today. Each rate figure is a count of events over an exposure (the
window's conversations), reported per 1,000 conversations:

    rate = events ÷ conversations × 1,000;  change = rate_after ÷ rate_before − 1

and tested as two Poisson rates with the exposure as offset: the exact conditional test
(given the total events, the after-window's share is binomial with p = e_a/(e_a+e_b) under
"no change"), by statsmodels' `test_poisson_2indep(method="exact-cond")`, and the rate
ratio's 95 % interval from the Clopper–Pearson interval of that binomial share (SciPy's
`binomtest`). CSAT, a share of the rated conversations, is compared with Newcombe's
interval of the difference (kefu.core.intervals).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from kefu.core.intervals import Estimate, newcombe

PLANNED = "planned"
RUNNING = "running"
DONE = "done"
CANCELLED = "cancelled"
PER = 1000
ALPHA = 0.05


@dataclass(frozen=True)
class Windows:
    before_from: date
    before_until: date  # exclusive
    after_from: date
    after_until: date  # exclusive; at most tomorrow (today counted)

    @property
    def after_days(self) -> int:
        return max(0, (self.after_until - self.after_from).days)


def windows(
    start: date, end: date | None, before_days: int, after_days: int, today: date
) -> Windows:
    after_from = end or start
    return Windows(
        before_from=start - timedelta(days=before_days),
        before_until=start,
        after_from=after_from,
        after_until=min(after_from + timedelta(days=after_days), today + timedelta(days=1)),
    )


@dataclass(frozen=True)
class RateChange:
    """events per `PER` conversations before and after, with the test."""

    before_events: int
    before_exposure: int
    after_events: int
    after_exposure: int
    before_rate: float | None
    after_rate: float | None
    change: float | None  # after ÷ before − 1 (−0.82 = "−82 %")
    ratio_low: float | None  # 95 % interval of after ÷ before
    ratio_high: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA


def _rate(events: int, exposure: int) -> float | None:
    return events / exposure * PER if exposure > 0 else None


def rate_change(
    before_events: int, before_exposure: int, after_events: int, after_exposure: int
) -> RateChange:
    """Two Poisson rates (events over conversations) compared; no test without exposure
    on both sides or without a single event."""
    for value in (before_events, before_exposure, after_events, after_exposure):
        if value < 0:
            raise ValueError("counts cannot be negative")
    if before_events > before_exposure or after_events > after_exposure:
        raise ValueError("more events than conversations")
    before = _rate(before_events, before_exposure)
    after = _rate(after_events, after_exposure)
    change = after / before - 1 if before and after is not None else None
    low = high = p_value = None
    total = before_events + after_events
    if before_exposure and after_exposure and total:
        # imported here: scipy and statsmodels take 0.8 s to load, and every command loads
        # this module through the models' choices (`kefu metrics` must answer within 2 s)
        from scipy.stats import binomtest
        from statsmodels.stats.rates import test_poisson_2indep

        test = test_poisson_2indep(
            after_events,
            after_exposure,
            before_events,
            before_exposure,
            method="exact-cond",
            compare="ratio",
        )
        p_value = float(min(1.0, test.pvalue))
        share = binomtest(after_events, total).proportion_ci(1 - ALPHA, method="exact")
        scale = before_exposure / after_exposure
        low = _odds(share.low) * scale
        high = _odds(share.high) * scale
    return RateChange(
        before_events,
        before_exposure,
        after_events,
        after_exposure,
        before,
        after,
        change,
        low,
        high,
        p_value,
    )


def _odds(p: float) -> float:
    return math.inf if p >= 1 else p / (1 - p)


@dataclass(frozen=True)
class ShareChange:
    before_hits: int
    before_n: int
    after_hits: int
    after_n: int
    before: float | None
    after: float | None
    difference: Estimate  # after − before with Newcombe's interval

    @property
    def significant(self) -> bool:
        d = self.difference
        return d.low is not None and d.high is not None and (d.low > 0 or d.high < 0)


def share_change(before_hits: int, before_n: int, after_hits: int, after_n: int) -> ShareChange:
    return ShareChange(
        before_hits,
        before_n,
        after_hits,
        after_n,
        before_hits / before_n if before_n else None,
        after_hits / after_n if after_n else None,
        newcombe(after_hits, after_n, before_hits, before_n),
    )
