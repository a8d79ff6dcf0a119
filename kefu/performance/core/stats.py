"""Intervals, shrinkage and rankings that do not pretend: the statistics of a review.

Pure Python (scipy for the t quantile only). Every figure about one agent over a period
is an estimate from few observations; these functions say how sure it is:

- `wilson(k, n)`: a rate's 95 % interval (Wilson score; stays inside 0–1 and is sane
  for k = 0 or k = n, unlike the normal approximation).
- `mean_interval(n, total, total_sq)` / `mean_of(values)`: a mean's t interval from its
  count, sum and sum of squares (what a roll-up can store) or from the values.
- `bootstrap_mean(values)`: percentile bootstrap, for skewed small samples.
- `nps_interval(promoters, detractors, n)`: NPS (−100…100) with the variance of a
  difference of two shares of one multinomial (adjusted: one pseudo-answer per category).
- `shrink_rates` / `shrink_means`: empirical Bayes towards the group mean (moment
  estimators weighted by sample size): an agent with 4 surveys moves most of the way
  to the team; one with 400 hardly moves.
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

# The rate interval is shared with the other apps' cores (one definition, kefu/core).
from kefu.core.intervals import NOTHING, Z95, Estimate, wilson  # noqa: F401

K = TypeVar("K", bound=Hashable)


def t_quantile(df: int, confidence: float = 0.95) -> float:
    return float(student_t.ppf(0.5 + confidence / 2, df))


def _t_estimate(n: int, mean: float, variance: float) -> Estimate:
    if n < 2:
        return Estimate(mean, n)
    half = t_quantile(n - 1) * math.sqrt(max(0.0, variance) / n)
    return Estimate(mean, n, mean - half, mean + half)


def mean_interval(n: int, total: float, total_sq: float) -> Estimate:
    """A mean with its t interval, from the count, the sum and the sum of squares."""
    if n <= 0:
        return NOTHING
    mean = total / n
    variance = (total_sq - n * mean * mean) / (n - 1) if n > 1 else 0.0
    return _t_estimate(n, mean, variance)


def mean_of(values: Sequence[float]) -> Estimate:
    """A mean with its t interval, from the values (two passes: exact for close values)."""
    n = len(values)
    if n == 0:
        return NOTHING
    mean = math.fsum(values) / n
    variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
    return _t_estimate(n, mean, variance)


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
    """NPS in points with an adjusted Wald interval: Var(p − d) = (p + d − (p − d)²) / n
    computed on the shares after one pseudo-answer per category (promoter, passive,
    detractor), so ten promoters of ten do not give the interval [100, 100]."""
    if n <= 0:
        return NOTHING
    nps = (promoters - detractors) / n
    p, d, m = (promoters + 1) / (n + 3), (detractors + 1) / (n + 3), n + 3
    centre = p - d
    half = z * math.sqrt(max(0.0, p + d - centre * centre) / m)
    return Estimate(100 * nps, n, 100 * max(-1.0, centre - half), 100 * min(1.0, centre + half))


# --- empirical Bayes ------------------------------------------------------------------------
def shrink_rates(counts: Mapping[K, tuple[int, int]]) -> dict[K, float]:
    """{key: (successes, n)} → {key: shrunk rate}. Beta-binomial empirical Bayes: prior
    mean = the pooled rate; the between-agent variance τ² by the method of moments with
    each agent weighted by its n (so a tiny sample's extreme rate does not widen the
    prior it is shrunk with); agent i moves by s / (n_i + s), s = p(1−p)/τ² − 1. No
    spread beyond chance → everyone gets the pooled rate; keys with n = 0 are left out."""
    rows = {key: (k, n) for key, (k, n) in counts.items() if n > 0}
    if not rows:
        return {}
    total = sum(n for _, n in rows.values())
    pooled = sum(k for k, _ in rows.values()) / total
    if len(rows) < 2 or pooled in (0.0, 1.0):
        return {key: pooled for key in rows}
    spread = sum(n * (k / n - pooled) ** 2 for k, n in rows.values())
    between = (spread - (len(rows) - 1) * pooled * (1 - pooled)) / (
        total - sum(n * n for _, n in rows.values()) / total
    )
    if between <= 0:
        return {key: pooled for key in rows}
    strength = max(0.0, pooled * (1 - pooled) / between - 1)
    return {key: (k + pooled * strength) / (n + strength) for key, (k, n) in rows.items()}


def shrink_means(moments: Mapping[K, tuple[int, float, float]]) -> dict[K, float]:
    """{key: (n, sum, sum of squares)} → {key: shrunk mean}. Normal-normal empirical
    Bayes: s² the pooled within-agent variance, τ² the between-agent variance by the
    DerSimonian–Laird moment estimator (weights n_i / s²), the prior mean the weighted
    mean; agent i moves towards it by B = (s²/n_i) / (s²/n_i + τ²)."""
    rows = {key: m for key, m in moments.items() if m[0] > 0}
    if not rows:
        return {}
    means = {key: total / n for key, (n, total, _) in rows.items()}
    within_n = sum(n - 1 for n, _, _ in rows.values())
    if len(rows) < 2 or within_n <= 0:
        return dict(means)
    within = sum(total_sq - n * (total / n) ** 2 for n, total, total_sq in rows.values()) / within_n
    if within <= 0:
        return dict(means)
    weights = {key: n / within for key, (n, _, _) in rows.items()}
    weight_sum = sum(weights.values())
    centre = sum(weights[key] * means[key] for key in rows) / weight_sum
    q = sum(weights[key] * (means[key] - centre) ** 2 for key in rows)
    between = (q - (len(rows) - 1)) / (
        weight_sum - sum(w * w for w in weights.values()) / weight_sum
    )
    if between <= 0:
        return {key: centre for key in rows}
    shrunk = {}
    for key, (n, _, _) in rows.items():
        noise = within / n
        pull = noise / (noise + between)
        shrunk[key] = pull * centre + (1 - pull) * means[key]
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
