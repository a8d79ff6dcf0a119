"""Bias checks: do review scores differ by team, shift, channel mix or tenure, once the
other factors are held equal?

Pure Python with statsmodels (loaded on first use, ~0.8 s). One row per agent of a cycle:
their score and four factors, each turned into groups:

- team: the team the review was computed in;
- shift: "night" when more than `night_threshold` (50 %) of the agent's conversations in
  the cycle started between 22:00 and 06:00 local time, else "day";
- channel: the agent's main channel, the one with the largest share of their
  conversations (ties: the first by name);
- tenure: months from the hire date to the cycle's end, in bands < 6, 6–24, ≥ 24.

Per factor, each group is compared with a reference group (shift: "day"; the others: the
largest group):

- raw gap: the OLS coefficient of `score ~ C(factor)` alone = the difference of the two
  groups' mean scores;
- adjusted gap: the coefficient in `score ~ C(team) + C(shift) + C(channel) + C(tenure)`,
  all factors together: the gap between agents alike in the other three factors.

Both with heteroskedasticity-robust standard errors (HC3, which holds up in small samples
and with unequal group variances), t quantiles on the residual degrees of freedom, the
95 % interval and the p-value. A gap "remains" when the adjusted one is significant
(p < 0.05); it is "explained" when only the raw one was (the other factors account for
it). Agents missing a factor (no conversation in the cycle, no hire date) are left out,
and so are groups of fewer than `min_group` agents (3): no interval can be trusted there.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

NIGHT_FROM, NIGHT_TO = 22, 6  # local hours: [22:00, 06:00)
NIGHT_THRESHOLD = 0.5  # a night agent: more than half of their conversations at night
TENURE_BANDS: tuple[tuple[float | None, str], ...] = ((6, "<6"), (24, "6-24"), (None, "24+"))
MIN_GROUP = 3
ALPHA = 0.05

FACTORS = ("team", "shift", "channel", "tenure")
DAY, NIGHT = "day", "night"
PREFERRED_REFERENCE = {"shift": DAY}

# What a gap's figures say (the pages word each one in the reader's language).
REMAINS = "remains"  # significant after adjustment (and before)
HIDDEN = "hidden"  # significant only after adjustment: the other factors masked it
EXPLAINED = "explained"  # significant before, not after: the other factors account for it
NONE = "none"  # significant neither before nor after
TOO_FEW = "too_few"  # too few agents in the group, or the model could not be fitted


def is_night_hour(hour: int) -> bool:
    """Whether a local hour (0–23) is in the night shift window."""
    return hour >= NIGHT_FROM or hour < NIGHT_TO


def tenure_months(hired_on: date, on: date) -> float:
    """Months of service from `hired_on` to `on` (whole months plus the share of one)."""
    months = (on.year - hired_on.year) * 12 + (on.month - hired_on.month)
    return months + (on.day - hired_on.day) / 30.4375


def tenure_band(months: float) -> str:
    for upper, label in TENURE_BANDS:
        if upper is None or months < upper:
            return label
    raise AssertionError("unreachable: the last band is open")


def main_channel(counts: Mapping[str, int]) -> str | None:
    """The channel with the most conversations (ties: the first by name)."""
    present = [(channel, n) for channel, n in counts.items() if n > 0]
    if not present:
        return None
    return min(present, key=lambda item: (-item[1], item[0]))[0]


@dataclass(frozen=True)
class AgentFactors:
    """One agent in one cycle: the score and what it may depend on."""

    key: Hashable
    score: float | None
    team: str | None
    conversations: int  # in the cycle
    night_conversations: int
    channels: Mapping[str, int]  # conversations per channel
    tenure_months: float | None

    @property
    def night_share(self) -> float | None:
        return self.night_conversations / self.conversations if self.conversations else None

    def groups(self, night_threshold: float = NIGHT_THRESHOLD) -> dict[str, str | None]:
        share = self.night_share
        return {
            "team": self.team,
            "shift": None if share is None else (NIGHT if share > night_threshold else DAY),
            "channel": main_channel(self.channels),
            "tenure": None if self.tenure_months is None else tenure_band(self.tenure_months),
        }


@dataclass(frozen=True)
class Effect:
    """A gap in points with its 95 % interval and p-value."""

    estimate: float
    low: float
    high: float
    p_value: float

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA


@dataclass(frozen=True)
class Gap:
    factor: str
    level: str
    reference: str
    n: int  # agents in the group (in the model, or counted when too few)
    mean: float | None  # the group's mean score
    raw: Effect | None = None
    adjusted: Effect | None = None

    @property
    def verdict(self) -> str:
        if self.raw is None or self.adjusted is None:
            return TOO_FEW
        if self.adjusted.significant:
            return REMAINS if self.raw.significant else HIDDEN
        return EXPLAINED if self.raw.significant else NONE


@dataclass
class Report:
    n: int  # agents in the model
    left_out: int  # agents with a score but a factor missing (or in a group too small)
    references: dict[str, str] = field(default_factory=dict)
    reference_means: dict[str, float] = field(default_factory=dict)
    reference_sizes: dict[str, int] = field(default_factory=dict)
    gaps: list[Gap] = field(default_factory=list)
    formula: str = ""
    r_squared: float | None = None
    fitted: bool = False

    def of(self, factor: str) -> list[Gap]:
        return [g for g in self.gaps if g.factor == factor]

    @property
    def remaining(self) -> list[Gap]:
        """The gaps that hold once the other factors are equal."""
        return [g for g in self.gaps if g.verdict in (REMAINS, HIDDEN)]


def check(
    rows: Sequence[AgentFactors],
    *,
    night_threshold: float = NIGHT_THRESHOLD,
    min_group: int = MIN_GROUP,
) -> Report:
    """Raw and adjusted score gaps per factor group (see the module's text)."""
    records: list[dict[str, object]] = []
    for row in rows:
        if row.score is None or not math.isfinite(row.score):
            continue
        groups = row.groups(night_threshold)
        records.append({"score": float(row.score), **groups})
    scored = len(records)
    complete = [r for r in records if all(r[f] is not None for f in FACTORS)]
    too_small: dict[tuple[str, str], list[float]] = {}
    # Groups below min_group leave the model; leaving can shrink other groups: repeat.
    while True:
        counts = {f: Counter(str(r[f]) for r in complete) for f in FACTORS}
        small = {(f, level) for f in FACTORS for level, n in counts[f].items() if n < min_group}
        if not small:
            break
        kept = []
        for record in complete:
            hit = [(f, str(record[f])) for f in FACTORS if (f, str(record[f])) in small]
            if hit:
                for key in hit:
                    too_small.setdefault(key, []).append(float(record["score"]))  # type: ignore[arg-type]
            else:
                kept.append(record)
        complete = kept
    n = len(complete)
    report = Report(n=n, left_out=scored - n)
    if n == 0:
        report.gaps = _too_few(too_small, {})
        return report
    references = {f: _reference(f, Counter(str(r[f]) for r in complete)) for f in FACTORS}
    report.references = references
    for f in FACTORS:
        members = [float(r["score"]) for r in complete if r[f] == references[f]]  # type: ignore[arg-type]
        report.reference_sizes[f] = len(members)
        report.reference_means[f] = sum(members) / len(members)
    varying = [f for f in FACTORS if len({r[f] for r in complete}) > 1]
    codes = {f: _codes(complete, f, references[f]) for f in varying}
    frame = _frame(complete, codes)
    terms = {f: f'C({f}, Treatment(reference="L0"))' for f in varying}
    report.formula = "score ~ " + (" + ".join(f"C({f})" for f in varying) or "1")
    adjusted = _fit("score ~ " + (" + ".join(terms[f] for f in varying) or "1"), frame)
    if adjusted is not None:
        report.fitted = True
        report.r_squared = float(adjusted.rsquared)
    for f in varying:
        raw = _fit(f"score ~ {terms[f]}", frame)
        for level, code in codes[f].items():
            if code == "L0":
                continue
            members = [float(r["score"]) for r in complete if r[f] == level]  # type: ignore[arg-type]
            name = f"{terms[f]}[T.{code}]"
            report.gaps.append(
                Gap(
                    factor=f,
                    level=level,
                    reference=references[f],
                    n=len(members),
                    mean=sum(members) / len(members),
                    raw=_effect(raw, name),
                    adjusted=_effect(adjusted, name),
                )
            )
    report.gaps.extend(_too_few(too_small, references))
    return report


def _reference(factor: str, counts: Counter[str]) -> str:
    preferred = PREFERRED_REFERENCE.get(factor)
    if preferred is not None and preferred in counts:
        return preferred
    return min(counts.items(), key=lambda item: (-item[1], item[0]))[0]


def _codes(records: list[dict[str, object]], factor: str, reference: str) -> dict[str, str]:
    """Level → a formula-safe code; the reference is L0 (team names are free text)."""
    levels = sorted({str(r[factor]) for r in records} - {reference})
    return {reference: "L0", **{level: f"L{i + 1}" for i, level in enumerate(levels)}}


def _frame(records: list[dict[str, object]], codes: dict[str, dict[str, str]]):
    import pandas as pd

    data: dict[str, list] = {"score": [r["score"] for r in records]}
    for factor, mapping in codes.items():
        data[factor] = [mapping[str(r[factor])] for r in records]
    return pd.DataFrame(data)


def _fit(formula: str, frame):
    """OLS with HC3 errors and t quantiles; None when there are no residual degrees of
    freedom left."""
    import statsmodels.formula.api as smf

    model = smf.ols(formula, data=frame)
    if model.df_resid < 1:
        return None
    return model.fit(cov_type="HC3", use_t=True)


def _effect(fit, name: str) -> Effect | None:
    if fit is None or name not in fit.params.index:
        return None
    estimate = float(fit.params[name])
    low, high = (float(v) for v in fit.conf_int(alpha=ALPHA).loc[name])
    p_value = float(fit.pvalues[name])
    if not all(math.isfinite(v) for v in (estimate, low, high, p_value)):
        return None  # a group whose leverage leaves no robust error (too few agents)
    return Effect(estimate, low, high, p_value)


def _too_few(small: dict[tuple[str, str], list[float]], references: dict[str, str]) -> list[Gap]:
    return [
        Gap(factor, level, references.get(factor, ""), len(scores), sum(scores) / len(scores))
        for (factor, level), scores in sorted(small.items())
    ]
