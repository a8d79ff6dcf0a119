"""Item analysis of an exam, as Moodle's quiz statistics report does it (pure; no Django).

For each question i, over the attempts a that drew it (n_i of them):

- item score fraction  p_ai = x_ai / m_i  (points earned / the question's points);
- facility index       F_i = 100 × mean_a(p_ai)   (the mean score fraction, in %);
- standard deviation   SD_i = 100 × sqrt(Σ (p_ai − mean)² / (n_i − 1));
- rest of the test     r_ai = (X_a − x_ai) / (M_a − m_i), the attempt's score on its
  other questions as a fraction (X_a earned, M_a possible in attempt a: papers drawn at
  random differ, so the rest is taken as a fraction rather than in points);
- discrimination index D_i = 100 × corr(p_i, r_i), Pearson's correlation of the item
  score with the rest-of-test score (Moodle's "discrimination index"; see
  https://docs.moodle.org/dev/Quiz_statistics_calculations). It is None when fewer than
  two attempts drew the question, or when either score does not vary (all right, all
  wrong, or equal rests).

Flags (docs/training-exams.md): too easy when F ≥ 95 and too hard when F < 20 (Moodle's
facility bands, "extremely easy" and "difficult" and worse), non-discriminating when
D < 20 (flagged negative as well when D < 0: the key or the wording is probably wrong).
Flags need at least MIN_ATTEMPTS attempts of the question; the discrimination flags need
a discrimination index.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

TOO_EASY_AT = 95.0
TOO_HARD_BELOW = 20.0
WEAK_DISCRIMINATION_BELOW = 20.0
MIN_ATTEMPTS = 5

TOO_EASY, TOO_HARD, NON_DISCRIMINATING, NEGATIVE = (
    "too_easy", "too_hard", "non_discriminating", "negative",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ItemScore:
    """One answer of an attempt: the question, points earned, the question's points."""

    question: int
    earned: float
    possible: float


@dataclass(frozen=True, slots=True)
class ItemStats:
    question: int
    n: int  # attempts that drew the question
    facility: float  # 0–100
    sd: float | None  # 0–100; None with one attempt
    discrimination: float | None  # −100 … 100
    flags: tuple[str, ...]


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def _correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < 2:
        return None
    mx, my = _mean(xs), _mean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def flags_for(n: int, facility: float, discrimination: float | None) -> tuple[str, ...]:
    if n < MIN_ATTEMPTS:
        return ()
    out = []
    if facility >= TOO_EASY_AT:
        out.append(TOO_EASY)
    if facility < TOO_HARD_BELOW:
        out.append(TOO_HARD)
    if discrimination is not None and discrimination < WEAK_DISCRIMINATION_BELOW:
        out.append(NON_DISCRIMINATING)
        if discrimination < 0:
            out.append(NEGATIVE)
    return tuple(out)


def analyse(attempts: Sequence[Sequence[ItemScore]]) -> list[ItemStats]:
    """Statistics per question (ordered by question id) from graded attempts (each
    attempt: its answers, one per question drawn)."""
    fractions: dict[int, list[float]] = defaultdict(list)
    rests: dict[int, list[float]] = defaultdict(list)
    for answers in attempts:
        earned = sum(a.earned for a in answers)
        possible = sum(a.possible for a in answers)
        for a in answers:
            if a.possible <= 0:
                continue
            fractions[a.question].append(a.earned / a.possible)
            rest_possible = possible - a.possible
            rests[a.question].append(
                (earned - a.earned) / rest_possible if rest_possible > 0 else math.nan
            )
    out = []
    for question in sorted(fractions):
        ps = fractions[question]
        n = len(ps)
        facility = 100.0 * _mean(ps)
        sd = 100.0 * math.sqrt(sum((p - _mean(ps)) ** 2 for p in ps) / (n - 1)) if n > 1 else None
        pairs = [(p, r) for p, r in zip(ps, rests[question], strict=True) if not math.isnan(r)]
        r = _correlation([p for p, _ in pairs], [r for _, r in pairs])
        discrimination = None if r is None else 100.0 * r
        flags = flags_for(n, facility, discrimination)
        out.append(ItemStats(question, n, facility, sd, discrimination, flags))
    return out
