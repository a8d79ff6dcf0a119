"""Intervals, shrinkage and rankings that do not pretend: the statistics of a review.

Pure Python (scipy for the t quantile only). Every figure about one agent over a period
is an estimate from few observations; these functions say how sure it is:

- `wilson(k, n)`: a rate's 95 % interval (Wilson score; stays inside 0–1 and is sane
  for k = 0 or k = n, unlike the normal approximation).
- `mean_interval(n, total, total_sq)` / `mean_of(values)`: a mean's t interval from its
  count, sum and sum of squares (what a roll-up can store) or from the values.
- `bootstrap_mean(values)`: percentile bootstrap, for skewed small samples.
- `nps_interval(promoters, detractors, n)`: NPS (−100…100) with the variance of a
  difference of two shares of one multinomial.
- `shrink_rates` / `shrink_means`: empirical Bayes towards the group mean (method of
  moments): an agent with 4 surveys moves most of the way to the team; one with 400
  hardly moves.
- `indistinguishable(items)`: ranking groups: agents whose intervals overlap the
  group leader's are "not distinguishable" and share a rank.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from scipy.stats import t as student_t

Z95 = 1.959963984540054
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Estimate:
    """A figure, how many observations it rests on, and its 95 % interval (None when
    there are too few observations to say)."""

    value: float | None
    n: int
    low: float | None = None
    high: float | None = None

    @property
    def width(self) -> float | None:
        if self.low is None or self.high is None:
            return None
        return self.high - self.low


NOTHING = Estimate(None, 0)


def wilson(successes: int, n: int, z: float = Z95) -> Estimate:
    """A rate k/n with its Wilson score interval."""
    if n <= 0:
        return NOTHING
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Estimate(p, n, max(0.0, centre - half), min(1.0, centre + half))


def t_quantile(df: int, confidence: float = 0.95) -> float:
    return float(student_t.ppf(0.5 + confidence / 2, df))


def mean_interval(n: int, total: float, total_sq: float) -> Estimate:
    """A mean with its t interval, from the count, the sum and the sum of squares."""
    if n <= 0:
        return NOTHING
    mean = total / n
    if n < 2:
        return Estimate(mean, n)
    variance = max(0.0, (total_sq - n * mean * mean) / (n - 1))
    half = t_quantile(n - 1) * math.sqrt(variance / n)
    return Estimate(mean, n, mean - half, mean + half)


def mean_of(values: Sequence[float]) -> Estimate:
    return mean_interval(len(values), math.fsum(values), math.fsum(v * v for v in values))


def bootstrap_mean(
    values: Sequence[float], *, resamples: int = 2000, seed: int = 0, confidence: float = 0.95
) -> Estimate:
    """A mean with a percentile bootstrap interval (seeded: the same data, the same
    interval)."""
    n = len(values)
    if n == 0:
        return NOTHING
    mean = math.fsum(values) / n
    if n < 2:
        return Estimate(mean, n)
    rng = random.Random(seed)
    means = sorted(math.fsum(rng.choices(values, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    low = means[math.floor(tail * (resamples - 1))]
    high = means[math.ceil((1 - tail) * (resamples - 1))]
    return Estimate(mean, n, low, high)


def nps_interval(promoters: int, detractors: int, n: int, z: float = Z95) -> Estimate:
    """NPS in points with a normal interval: Var(p − d) = (p + d − (p − d)²) / n."""
    if n <= 0:
        return NOTHING
    p, d = promoters / n, detractors / n
    nps = p - d
    half = z * math.sqrt(max(0.0, p + d - nps * nps) / n)
    return Estimate(100 * nps, n, 100 * max(-1.0, nps - half), 100 * min(1.0, nps + half))


# --- empirical Bayes ------------------------------------------------------------------------
def shrink_rates(counts: Mapping[K, tuple[int, int]]) -> dict[K, float]:
    """{key: (successes, n)} → {key: shrunk rate}. Beta-binomial by the method of
    moments: prior mean = the pooled rate; prior strength from how much the rates vary
    beyond what their sample sizes explain. No spread beyond chance → everyone gets the
    pooled rate; keys with n = 0 are left out."""
    rows = {key: (k, n) for key, (k, n) in counts.items() if n > 0}
    if not rows:
        return {}
    pooled = sum(k for k, _ in rows.values()) / sum(n for _, n in rows.values())
    if len(rows) < 2 or pooled in (0.0, 1.0):
        return {key: pooled for key in rows}
    rates = [k / n for k, n in rows.values()]
    mean_rate = sum(rates) / len(rates)
    observed = sum((r - mean_rate) ** 2 for r in rates) / (len(rates) - 1)
    chance = pooled * (1 - pooled) * sum(1 / n for _, n in rows.values()) / len(rows)
    between = observed - chance
    if between <= 0:
        return {key: pooled for key in rows}
    strength = max(0.0, pooled * (1 - pooled) / between - 1)
    return {key: (k + pooled * strength) / (n + strength) for key, (k, n) in rows.items()}


def shrink_means(moments: Mapping[K, tuple[int, float, float]]) -> dict[K, float]:
    """{key: (n, sum, sum of squares)} → {key: shrunk mean}. Normal-normal: each mean
    moves towards the group's mean of means by B = s²/n ÷ (s²/n + τ²), s² the pooled
    within-agent variance, τ² the between-agent variance beyond chance."""
    rows = {key: m for key, m in moments.items() if m[0] > 0}
    if not rows:
        return {}
    means = {key: total / n for key, (n, total, _) in rows.items()}
    grand = sum(means.values()) / len(means)
    if len(rows) < 2:
        return dict(means)
    within_n = sum(n - 1 for n, _, _ in rows.values())
    if within_n <= 0:
        return dict(means)
    within = sum(total_sq - n * (total / n) ** 2 for n, total, total_sq in rows.values()) / within_n
    within = max(within, 0.0)
    spread = sum((m - grand) ** 2 for m in means.values()) / (len(means) - 1)
    chance = within * sum(1 / n for n, _, _ in rows.values()) / len(rows)
    between = spread - chance
    if between <= 0:
        return {key: grand for key in rows}
    shrunk = {}
    for key, (n, _, _) in rows.items():
        noise = within / n
        weight = noise / (noise + between)
        shrunk[key] = weight * grand + (1 - weight) * means[key]
    return shrunk


# --- rankings -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ranked:
    key: Hashable
    rank: int  # shared by everyone in the group (1 = the top group)
    group_size: int


def indistinguishable(items: Sequence[tuple[K, float, float | None, float | None]]) -> list[Ranked]:
    """(key, value, low, high) → ranks where overlapping intervals share one. Sorted by
    value, best first; a group starts at its leader and takes everyone below whose
    interval reaches the leader's (high ≥ leader's low); an item with no interval is a
    group of its own (nothing can be said against it, nor for it)."""
    ordered = sorted(items, key=lambda item: -item[1])
    ranks: list[Ranked] = []
    position = 0
    while position < len(ordered):
        _, _, leader_low, _ = ordered[position]
        members = [ordered[position]]
        following = position + 1
        if leader_low is not None:
            while following < len(ordered):
                _, _, low, high = ordered[following]
                if low is None or high is None or high < leader_low:
                    break
                members.append(ordered[following])
                following += 1
        for key, _, _, _ in members:
            ranks.append(Ranked(key, position + 1, len(members)))
        position = following
    return ranks
