"""Quarterly certification (季度认证): three components weighted into one score.

    total = (knowledge × w_k + communication × w_c + problem × w_p) / (w_k + w_c + w_p)

- knowledge: the best graded score (0–100) of the cycle's knowledge exam (or its re-test);
- communication: from the agent's QA results of the quarter, the communication items of
  the scorecard (sections `speech`, `politeness`, `proactivity` by default): per result
  100 plus the signed points of those sections' items (−5 for a deduction; kept within
  0–100), averaged over the results;
- problem analysis: the best graded score of the cycle's scenario exam (or a practical).

Seed weights 40 / 30 / 30 (editable per cycle). A missing component leaves the total
undecided (None): nobody passes or fails on a part never measured.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean
from typing import Any

COMMUNICATION_SECTIONS = ("speech", "politeness", "proactivity")


@dataclass(frozen=True)
class Weights:
    knowledge: int = 40
    communication: int = 30
    problem: int = 30

    def __post_init__(self) -> None:
        parts = (self.knowledge, self.communication, self.problem)
        if any(w < 0 for w in parts) or sum(parts) <= 0:
            raise ValueError("weights must be ≥ 0 and not all 0")


@dataclass(frozen=True)
class Components:
    knowledge: float | None
    communication: float | None
    problem: float | None


def weighted_total(components: Components, weights: Weights) -> float | None:
    """The certification score (0–100), None while a weighted component is missing."""
    pairs = (
        (components.knowledge, weights.knowledge),
        (components.communication, weights.communication),
        (components.problem, weights.problem),
    )
    if any(value is None for value, weight in pairs if weight):
        return None
    total_weight = sum(weight for _, weight in pairs)
    return sum((value or 0.0) * weight for value, weight in pairs) / total_weight


def passes(total: float | None, pass_score: float) -> bool:
    return total is not None and total >= pass_score


def communication_score(
    results: Iterable[Sequence[Mapping[str, Any]]],
    sections: Sequence[str] = COMMUNICATION_SECTIONS,
) -> float | None:
    """Mean over QA results of 100 + the signed points of the items in `sections` (each
    result's items as stored: [{item, section, points: −5, …}] for the items that fired)."""
    wanted = set(sections)
    scores = []
    for items in results:
        change = sum(float(i.get("points") or 0) for i in items if i.get("section") in wanted)
        scores.append(min(100.0, max(0.0, 100.0 + change)))
    return round(fmean(scores), 1) if scores else None


def certificate_number(cycle_name: str, agent_external_id: str) -> str:
    """Stable and readable: the cycle and the agent (one certificate per cycle and agent)."""
    return f"KF-{cycle_name}-{agent_external_id}".upper()
