"""Rater flags: supervisors whose behaviour ratings differ systematically from the evidence.

A behaviourally anchored rating (level 1–5) becomes points on the review's 0–100 scale:
level 1 → 0, 2 → 25, 3 → 50, 4 → 75, 5 → 100. The evidence-based figure of the same
agent and cycle is the points of the scale's evidence source (`BarsScale.evidence_source`,
e.g. `qa.score`) in the computed review's breakdown; when the review has no such line,
the agent's QA score (the `qa.score` line's figure, 0–100). A rating with neither is not
compared.

Per rater: gap = rating points − evidence points for each rating, then the mean gap with
its t interval (`stats.mean_of`). Flagged when the interval excludes 0 (the difference is
systematic, not noise) and |mean gap| > the threshold (`PerformanceSettings.
rater_gap_points`, 15): lenient when positive, harsh when negative. One rating gives no
interval and is never flagged.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from kefu.performance.core.stats import Estimate, mean_of

LOWEST, HIGHEST = 1, 5
QA_SCORE = "qa.score"  # the fallback evidence: the QA score (0–100)
LENIENT, HARSH = "lenient", "harsh"


def level_points(level: int) -> float:
    """A BARS level 1–5 on the 0–100 scale."""
    if not LOWEST <= level <= HIGHEST:
        raise ValueError(f"level must be within {LOWEST}..{HIGHEST}, got {level}")
    return 100.0 * (level - LOWEST) / (HIGHEST - LOWEST)


def evidence_points(details: Sequence[Mapping[str, object]], source: str) -> float | None:
    """The evidence figure in a review's breakdown (`AgentScore.details`): the points of
    the `source` line, else the QA score's figure, else None."""
    for line in details:
        if line.get("source") == source and _number(line.get("points")) is not None:
            return _number(line.get("points"))
    for line in details:
        value = _number(line.get("value"))
        if line.get("source") == QA_SCORE and value is not None:
            return min(100.0, max(0.0, value))
    return None


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


@dataclass(frozen=True)
class RaterGap:
    """The gaps of one rater's ratings to the evidence, and whether they are flagged."""

    rater: Hashable
    gap: Estimate  # mean of (rating points − evidence points), with its t interval
    flagged: bool
    direction: str | None  # LENIENT / HARSH when flagged


def rater_gaps(gaps: Iterable[tuple[Hashable, float]], threshold: float) -> list[RaterGap]:
    """(rater, gap in points) per compared rating → one row per rater, the flagged first,
    then by the size of the mean gap."""
    by_rater: dict[Hashable, list[float]] = defaultdict(list)
    for rater, gap in gaps:
        by_rater[rater].append(gap)
    rows = []
    for rater, values in by_rater.items():
        estimate = mean_of(values)
        flagged = is_flagged(estimate, threshold)
        direction = None
        if flagged and estimate.value is not None:
            direction = LENIENT if estimate.value > 0 else HARSH
        rows.append(RaterGap(rater, estimate, flagged, direction))
    rows.sort(key=lambda r: (not r.flagged, -abs(r.gap.value or 0.0), str(r.rater)))
    return rows


def is_flagged(gap: Estimate, threshold: float) -> bool:
    """The interval excludes 0 and the mean gap is larger than the threshold."""
    if gap.value is None or gap.low is None or gap.high is None:
        return False
    excludes_zero = gap.low > 0 or gap.high < 0
    return excludes_zero and abs(gap.value) > threshold
