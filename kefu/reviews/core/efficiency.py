"""QA efficiency figures (质检效率), by month and by specialist, from completed reviews.

One `Fact` per submitted review. With n reviews in a group:
- reviews = n; hours = Σ seconds / 3600 (the reviewers' time: the cost of manual QA)
- minutes per review = Σ seconds / n / 60 (reviews with no recorded time are left out)
- pass rate = reviews passed / n (manual result)
- verdict agreement = reviews whose automatic pass/fail equals the manual one / reviews
  with an automatic result
- item agreement = scorecard items on which both agree / items compared
- problems per 100 = 100 × Σ problems / n; key problems per 100 likewise
- missed by automatic QA per 100 = 100 × Σ problems the automatic result did not flag / n
- appeal rate = reviews with an appeal / n; overturn rate = appeals upheld / appeals decided
An empty denominator gives None.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Fact:
    month: str  # "2024-05"
    reviewer: int | None
    seconds: int | None
    passed: bool
    auto_passed: bool | None  # None: no automatic result to compare with
    items_agree: int
    items_compared: int
    problems: int
    key_problems: int
    missed_by_auto: int
    appeals: int
    appeals_decided: int
    appeals_upheld: int


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    return None if not den else round(scale * num / den, 4)


def figures(facts: Iterable[Fact], hourly_cost: float | None = None) -> dict:
    facts = list(facts)
    n = len(facts)
    timed = [f.seconds for f in facts if f.seconds]
    compared = [f for f in facts if f.auto_passed is not None]
    seconds = sum(timed)
    decided = sum(f.appeals_decided for f in facts)
    return {
        "reviews": n,
        "hours": round(seconds / 3600, 2),
        "cost": None if hourly_cost is None else round(seconds / 3600 * hourly_cost, 2),
        "minutes_per_review": _ratio(seconds, len(timed) * 60),
        "pass_rate": _ratio(sum(f.passed for f in facts), n),
        "verdict_agreement": _ratio(
            sum(f.auto_passed == f.passed for f in compared), len(compared)
        ),
        "item_agreement": _ratio(
            sum(f.items_agree for f in facts), sum(f.items_compared for f in facts)
        ),
        "problems_per_100": _ratio(sum(f.problems for f in facts), n, 100),
        "key_problems_per_100": _ratio(sum(f.key_problems for f in facts), n, 100),
        "missed_by_auto_per_100": _ratio(sum(f.missed_by_auto for f in facts), n, 100),
        "appeal_rate": _ratio(sum(f.appeals > 0 for f in facts), n),
        "overturn_rate": _ratio(sum(f.appeals_upheld for f in facts), decided),
    }


def grouped(
    facts: Iterable[Fact], key: Callable[[Fact], Hashable], hourly_cost: float | None = None
) -> dict[Hashable, dict]:
    groups: dict[Hashable, list[Fact]] = defaultdict(list)
    for f in facts:
        groups[key(f)].append(f)
    return {
        k: figures(v, hourly_cost) for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))
    }


def change(before: float | None, after: float | None) -> float | None:
    """Relative change after/before − 1 (−0.30 = 30 % less); None without a base."""
    if before is None or after is None or before == 0:
        return None
    return round(after / before - 1, 4)
