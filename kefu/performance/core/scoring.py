"""From figures to a review score: one definition of the mapping and the weighting.

- An indicator's figure becomes 0–100 points, linearly between a floor (0 points) and
  a target (100 points), clamped; a floor above the target means lower is better (first
  response time). Or by bands: the points of the last band the figure reaches.
- The interval of the figure maps through the same function (it is monotone), so the
  points carry the figure's uncertainty.
- A dimension's points are the weighted mean of its indicators' points; the total is
  the weighted mean of all indicators present. An indicator without a figure (no
  surveys this quarter) is left out and the remaining weights are renormalised; the
  review says which were missing.
- A dimension factor (the training absence rule: > 3 absences in a quarter → the
  development points × 0.85) multiplies that dimension's indicators' points.
- The total's interval: each indicator's points variance from its interval's half
  width (÷ 1.96), independent, weighted: Var = Σ (wᵢ/W)² Varᵢ.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from kefu.performance.core.stats import Z95, Estimate

LINEAR = "linear"
BANDS = "bands"


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    source: str
    dimension: str
    weight: float
    mapping: str = LINEAR
    floor: float | None = None
    target: float | None = None
    bands: tuple[tuple[float, float], ...] = ()

    def validate(self) -> list[str]:
        """What is wrong with this line (empty when usable)."""
        problems = []
        if self.weight <= 0:
            problems.append("weight must be above 0")
        if self.mapping == LINEAR:
            if self.floor is None or self.target is None:
                problems.append("a linear mapping needs a floor and a target")
            elif self.floor == self.target:
                problems.append("floor and target must differ")
        elif self.mapping == BANDS:
            if not self.bands:
                problems.append("bands mapping needs at least one band")
            elif any(a[0] >= b[0] for a, b in zip(self.bands, self.bands[1:], strict=False)):
                problems.append("bands must ascend by their lower bound")
            elif any(not 0 <= p <= 100 for _, p in self.bands):
                problems.append("band points must be within 0–100")
        else:
            problems.append(f"unknown mapping {self.mapping!r}")
        return problems


def points(spec: IndicatorSpec, value: float | None) -> float | None:
    """The figure's 0–100 points under the indicator's mapping."""
    if value is None:
        return None
    if spec.mapping == BANDS:
        earned = 0.0
        for lower, band_points in spec.bands:
            if value >= lower:
                earned = band_points
        return earned
    assert spec.floor is not None and spec.target is not None
    share = (value - spec.floor) / (spec.target - spec.floor)
    return 100.0 * min(1.0, max(0.0, share))


@dataclass(frozen=True, slots=True)
class Line:
    """One indicator of one agent's review."""

    spec: IndicatorSpec
    estimate: Estimate
    points: float | None
    points_low: float | None
    points_high: float | None
    factor: float = 1.0  # a dimension factor applied (the absence rule)


def line(spec: IndicatorSpec, estimate: Estimate, factor: float = 1.0) -> Line:
    earned = points(spec, estimate.value)
    low = high = None
    if earned is not None and estimate.low is not None and estimate.high is not None:
        ends = sorted((points(spec, estimate.low) or 0.0, points(spec, estimate.high) or 0.0))
        low, high = ends[0] * factor, ends[1] * factor
    return Line(spec, estimate, None if earned is None else earned * factor, low, high, factor)


@dataclass(frozen=True, slots=True)
class Review:
    score: float | None
    low: float | None
    high: float | None
    dimensions: dict[str, float] = field(default_factory=dict)
    missing: tuple[str, ...] = ()  # sources without a figure


def review(
    specs: Sequence[IndicatorSpec],
    estimates: Mapping[str, Estimate],
    dimension_factors: Mapping[str, float] | None = None,
) -> tuple[Review, list[Line]]:
    """Score one agent: the lines and the weighted total with its interval."""
    factors = dimension_factors or {}
    lines = [
        line(
            spec, estimates.get(spec.source) or Estimate(None, 0), factors.get(spec.dimension, 1.0)
        )
        for spec in specs
    ]
    present = [entry for entry in lines if entry.points is not None]
    missing = tuple(entry.spec.source for entry in lines if entry.points is None)
    if not present:
        return Review(None, None, None, {}, missing), lines
    total_weight = sum(entry.spec.weight for entry in present)
    score = sum(entry.spec.weight * (entry.points or 0.0) for entry in present) / total_weight
    variance = 0.0
    for entry in present:
        if entry.points_low is None or entry.points_high is None:
            continue  # an exact figure (a certificate) adds no uncertainty
        sd = (entry.points_high - entry.points_low) / (2 * Z95)
        variance += (entry.spec.weight / total_weight) ** 2 * sd * sd
    half = Z95 * math.sqrt(variance)
    dimensions: dict[str, float] = {}
    for dimension in dict.fromkeys(entry.spec.dimension for entry in present):
        members = [entry for entry in present if entry.spec.dimension == dimension]
        weight = sum(entry.spec.weight for entry in members)
        dimensions[dimension] = (
            sum(entry.spec.weight * (entry.points or 0.0) for entry in members) / weight
        )
    return (
        Review(score, max(0.0, score - half), min(100.0, score + half), dimensions, missing),
        lines,
    )
