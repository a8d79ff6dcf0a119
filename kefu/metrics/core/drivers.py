"""What drove a change: how much each team, channel or customer segment contributed to a
figure's change between two periods (a shift-share decomposition).

A ratio figure is R = Σ nᵢ ÷ Σ dᵢ over the groups i, so R = Σ wᵢ rᵢ with the weight
wᵢ = dᵢ ÷ Σ d (the group's share of the denominator: surveyed conversations for NPS) and
the group's own value rᵢ = nᵢ ÷ dᵢ. Between period A and period B

    ΔR = Σᵢ [ w̄ᵢ (rᵢᴮ − rᵢᴬ) ]  +  Σᵢ [ (r̄ᵢ − R̄) (wᵢᴮ − wᵢᴬ) ]
            performance effect        mix effect

with w̄, r̄ the means of the two periods and R̄ the mean of the two totals. The identity is
exact (the mix term's R̄ adds Σ Δw · R̄ = 0), so the contributions add up to the change.
The performance effect is what a group did better or worse; the mix effect is the weight
it gained or lost, counted against the average (a growing group above the average lifts
the total). A group with nothing in one period takes its other period's value there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kefu.metrics.core.kpis import RATIOS

Stats = Mapping[str, float]


def ratio_parts(key: str, stats: Stats) -> tuple[float, float] | None:
    """(numerator, denominator) of a figure from a group's statistics; None for a figure
    that is not a ratio (percentiles)."""
    if key == "nps":
        promoters, detractors = stats.get("nps_promoters", 0), stats.get("nps_detractors", 0)
        return (promoters - detractors) * 100.0, float(stats.get("nps_n", 0))
    if key == "conversations":
        return float(stats.get("conversations", 0)), 1.0
    if key not in RATIOS:
        return None
    numerator, denominator = RATIOS[key]
    return float(stats.get(numerator, 0)), float(stats.get(denominator, 0))


def decomposable(key: str) -> bool:
    return key in RATIOS or key in ("nps", "conversations")


@dataclass(frozen=True)
class Contribution:
    group: object
    before: float | None  # the group's value in period A
    after: float | None
    weight_before: float  # its share of the denominator
    weight_after: float
    performance: float
    mix: float

    @property
    def total(self) -> float:
        return self.performance + self.mix


@dataclass(frozen=True)
class Drivers:
    key: str
    before: float | None
    after: float | None
    contributions: tuple[Contribution, ...]  # largest |total| first

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def decompose(key: str, before: Mapping[object, Stats], after: Mapping[object, Stats]) -> Drivers:
    """Each group's contribution to the figure's change from `before` to `after`
    ({group: statistics} per period). Counts (conversations) add up: the contribution is
    the group's own change, all of it "performance"."""
    if not decomposable(key):
        raise ValueError(f"{key} is not a ratio of sums and cannot be decomposed")
    parts_a = {g: ratio_parts(key, s) for g, s in before.items()}
    parts_b = {g: ratio_parts(key, s) for g, s in after.items()}
    if key == "conversations":
        groups = set(parts_a) | set(parts_b)
        a_total = sum(p[0] for p in parts_a.values() if p)
        b_total = sum(p[0] for p in parts_b.values() if p)
        rows = []
        for g in groups:
            a = (parts_a.get(g) or (0.0, 1.0))[0]
            b = (parts_b.get(g) or (0.0, 1.0))[0]
            rows.append(Contribution(g, a, b, 0.0, 0.0, b - a, 0.0))
        rows.sort(key=lambda c: -abs(c.total))
        return Drivers(key, a_total, b_total, tuple(rows))
    den_a = sum(p[1] for p in parts_a.values() if p)
    den_b = sum(p[1] for p in parts_b.values() if p)
    total_a = sum(p[0] for p in parts_a.values() if p) / den_a if den_a else None
    total_b = sum(p[0] for p in parts_b.values() if p) / den_b if den_b else None
    if total_a is None or total_b is None:
        return Drivers(key, total_a, total_b, ())
    mean_total = (total_a + total_b) / 2
    rows = []
    for g in set(parts_a) | set(parts_b):
        num_a, d_a = parts_a.get(g) or (0.0, 0.0)
        num_b, d_b = parts_b.get(g) or (0.0, 0.0)
        if not d_a and not d_b:
            continue
        r_a = num_a / d_a if d_a else None
        r_b = num_b / d_b if d_b else None
        # a group absent in one period keeps its other period's value there
        ra = r_a if r_a is not None else r_b
        rb = r_b if r_b is not None else r_a
        assert ra is not None and rb is not None
        w_a, w_b = d_a / den_a, d_b / den_b
        performance = (w_a + w_b) / 2 * (rb - ra)
        mix = ((ra + rb) / 2 - mean_total) * (w_b - w_a)
        rows.append(Contribution(g, r_a, r_b, w_a, w_b, performance, mix))
    rows.sort(key=lambda c: -abs(c.total))
    return Drivers(key, total_a, total_b, tuple(rows))
