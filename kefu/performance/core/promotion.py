"""The promotion pool: who meets the criteria, and how many of the reserve get promoted.

Criteria (`PerformanceSettings`), each met or not per agent:

- certificate: a valid certificate today (when the setting requires one);
- score: the final score (after calibration) ≥ X in each of the N latest quarterly
  cycles with computed reviews: consecutive, and the agent must have a review in each;
- 360: the mean of the 360-degree answers (1–5, the mean of the dimension means) ≥ Y,
  from the latest submitted answer of each rater in the last 12 months, and only when at
  least the anonymity threshold of raters answered (below it there is no figure to use);
- no fatal QA hit in the last Z months.

Conversion (one definition): promoted ÷ (promoted + withdrawn), over the entries that
have left the reserve pool; entries still in the reserve have no outcome yet and are not
counted (counting them would make the figure fall every time the pool grows).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

CERTIFICATE, SCORE, FEEDBACK, NO_FATAL = "certificate", "score", "feedback", "no_fatal"
CRITERIA = (CERTIFICATE, SCORE, FEEDBACK, NO_FATAL)
FEEDBACK_DAYS = 365  # the 360-degree answers considered: the last 12 months


@dataclass(frozen=True)
class Rules:
    min_score: float
    cycles: int
    min_feedback: float
    no_fatal_months: int
    requires_certificate: bool = True


@dataclass(frozen=True)
class Evidence:
    """What the criteria are judged on, for one agent."""

    certified: bool
    recent_scores: Sequence[float | None]  # the N latest quarterly cycles, newest first
    feedback: float | None  # 360 mean (1–5), None below the anonymity threshold
    feedback_raters: int
    fatal_hits: int  # in the last Z months


@dataclass(frozen=True)
class Check:
    code: str
    met: bool | None  # None: not required


def sustained(scores: Sequence[float | None], minimum: float, cycles: int) -> bool:
    """Score ≥ minimum in each of the `cycles` latest cycles (newest first)."""
    latest = list(scores[:cycles])
    return (
        cycles > 0 and len(latest) == cycles and all(s is not None and s >= minimum for s in latest)
    )


def evaluate(evidence: Evidence, rules: Rules) -> list[Check]:
    return [
        Check(CERTIFICATE, evidence.certified if rules.requires_certificate else None),
        Check(SCORE, sustained(evidence.recent_scores, rules.min_score, rules.cycles)),
        Check(FEEDBACK, evidence.feedback is not None and evidence.feedback >= rules.min_feedback),
        Check(NO_FATAL, evidence.fatal_hits == 0),
    ]


def eligible(checks: Sequence[Check]) -> bool:
    """Every required criterion met."""
    return all(check.met is not False for check in checks)


def conversion(promoted: int, withdrawn: int) -> float | None:
    """Promoted ÷ entries that left the reserve pool (promoted + withdrawn); None before
    any has left."""
    decided = promoted + withdrawn
    if promoted < 0 or withdrawn < 0:
        raise ValueError("counts must not be negative")
    return promoted / decided if decided else None


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
