"""Agreement between reviewers in a calibration session (校准).

Krippendorff's alpha, computed by the maintained `krippendorff` package (numpy):
α = 1 − D_o / D_e, the observed disagreement between reviewers of the same conversation
over the disagreement expected by chance from all values given. 1 is perfect agreement,
0 no better than chance; ≥ 0.8 is the usual bar for reliable scoring, ≥ 0.667 for
tentative conclusions. Missing ratings (a reviewer who did not score a conversation)
are allowed.

The level of measurement follows what the values are (`level_for`): a pass/fail item
(一票否决: applies or not) or a categorical answer is **nominal** (any two different
answers disagree equally), a 1–5 scale **ordinal** (only the order counts), points and
total scores **interval** (−5 is further from 0 than −2). Measuring a pass/fail or a
categorical answer at the interval level would weigh disagreements by the size of the
codes, which mean nothing there.

Alpha is undefined when there is nothing to disagree about (every value the same: an
item nobody applied) or fewer than two conversations have two ratings; it is then None
and the exact-agreement share tells the story.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

import krippendorff
import numpy as np

from kefu.qa.core.scorecard import Item

Ratings = Mapping[int, Mapping[int, float]]  # reviewer → unit (conversation) → value

NOMINAL, ORDINAL, INTERVAL = "nominal", "ordinal", "interval"
LEVELS = (NOMINAL, ORDINAL, INTERVAL)
# Item kinds → level of measurement.
KIND_LEVELS = {"pass_fail": NOMINAL, "category": NOMINAL, "scale": ORDINAL, "points": INTERVAL}


def level_for(kind: str) -> str:
    """The level of measurement of an item kind (`KIND_LEVELS`)."""
    try:
        return KIND_LEVELS[kind]
    except KeyError:
        raise ValueError(f"unknown item kind {kind!r}: one of {', '.join(KIND_LEVELS)}") from None


def item_kind(item: Item) -> str:
    """The kind of a scorecard item's answer: a fatal item (一票否决) is pass/fail (it
    applies or not); any other item is given in points (a partial deduction is allowed)."""
    return "pass_fail" if item.fatal else "points"


def alpha(
    ratings: Ratings, units: Sequence[int] | None = None, level: str = INTERVAL
) -> float | None:
    """Krippendorff's alpha of reviewers × units at `level` (nominal, ordinal or
    interval); None when undefined."""
    if level not in LEVELS:
        raise ValueError(f"unknown level of measurement {level!r}")
    reviewers = sorted(ratings)
    units = sorted({u for r in ratings.values() for u in r}) if units is None else list(units)
    pairable = [u for u in units if sum(u in ratings[r] for r in reviewers) >= 2]
    if len(reviewers) < 2 or len(pairable) < 2:
        return None
    data = np.array([[ratings[r].get(u, np.nan) for u in pairable] for r in reviewers], dtype=float)
    values = data[~np.isnan(data)]
    if values.size == 0 or np.all(values == values[0]):
        return None
    # `level` is one of LEVELS (checked above), krippendorff's Literal
    result = krippendorff.alpha(reliability_data=data, level_of_measurement=level)  # type: ignore[arg-type]
    return None if math.isnan(result) else round(float(result), 4)


def exact_share(ratings: Ratings) -> float | None:
    """Share of units rated by ≥ 2 reviewers on which all of them gave the same value."""
    by_unit: dict[int, list[float]] = {}
    for per_unit in ratings.values():
        for u, v in per_unit.items():
            by_unit.setdefault(u, []).append(v)
    rated = [vs for vs in by_unit.values() if len(vs) >= 2]
    if not rated:
        return None
    return sum(max(vs) - min(vs) < 1e-9 for vs in rated) / len(rated)


@dataclass(frozen=True)
class Deviation:
    reviewer: int
    units: int
    mean: float  # signed: > 0 scores higher (more lenient) than the group
    mean_abs: float
    vs_agreed: float | None  # mean absolute difference from the agreed scores


def deviations(totals: Ratings, agreed: Mapping[int, float] | None = None) -> list[Deviation]:
    """Each reviewer's deviation from the group mean of each conversation they scored
    (the mean of all reviewers of that conversation, them included)."""
    by_unit: dict[int, list[float]] = {}
    for per_unit in totals.values():
        for u, v in per_unit.items():
            by_unit.setdefault(u, []).append(v)
    means = {u: fmean(vs) for u, vs in by_unit.items()}
    agreed = agreed or {}
    rows = []
    for reviewer in sorted(totals):
        diffs = [v - means[u] for u, v in totals[reviewer].items()]
        to_agreed = [abs(v - agreed[u]) for u, v in totals[reviewer].items() if u in agreed]
        rows.append(
            Deviation(
                reviewer,
                len(diffs),
                round(fmean(diffs), 2) if diffs else 0.0,
                round(fmean(abs(d) for d in diffs), 2) if diffs else 0.0,
                round(fmean(to_agreed), 2) if to_agreed else None,
            )
        )
    return rows


@dataclass(frozen=True)
class Agreement:
    overall: float | None  # alpha on the total scores
    items_pooled: float | None  # alpha over every (conversation, item) unit
    exact_overall: float | None
    per_item: dict[str, tuple[float | None, float | None]]  # item → (alpha, exact share)
    deviations: list[Deviation]
    levels: dict[str, str] = field(default_factory=dict)  # item → level of its alpha
    pooled_level: str = INTERVAL


def measure(
    item_points: Mapping[int, Mapping[int, Mapping[str, float]]],
    totals: Ratings,
    items: Sequence[str],
    agreed: Mapping[int, float] | None = None,
    levels: Mapping[str, str] | None = None,
) -> Agreement:
    """item_points: reviewer → conversation → item → value (signed points; for a nominal
    item its answer, e.g. 1 = applies; an item the reviewer did not apply is 0); totals:
    reviewer → conversation → score (interval). `levels`: item → level of measurement
    (default interval). The pooled alpha over every (conversation, item) is nominal when
    every item is, else interval."""
    levels = {item: (levels or {}).get(item, INTERVAL) for item in items}
    pooled_level = NOMINAL if items and all(v == NOMINAL for v in levels.values()) else INTERVAL
    per_item = {}
    pooled: dict[int, dict[int, float]] = {r: {} for r in item_points}
    for n, item in enumerate(items):
        ratings = {
            r: {u: per_unit.get(item, 0.0) for u, per_unit in convs.items()}
            for r, convs in item_points.items()
        }
        per_item[item] = (alpha(ratings, level=levels[item]), exact_share(ratings))
        for r, per_unit in ratings.items():
            for u, v in per_unit.items():
                pooled[r][u * len(items) + n] = v
    return Agreement(
        overall=alpha(totals),
        items_pooled=alpha(pooled, level=pooled_level),
        exact_overall=exact_share(totals),
        per_item=per_item,
        deviations=deviations(totals, agreed),
        levels=levels,
        pooled_level=pooled_level,
    )
