"""Choosing conversations for human review (抽检): random, stratified, or aimed at risk.

Every draw is reproducible: its random generator is seeded from the plan's seed, the
period and the group (agent or department), and the candidates are sorted by id first,
so the same inputs always give the same sample. A conversation a plan already sampled is
never a candidate again, and a run only tops the period up to its quota, so running a
plan twice for the same period adds nothing.

- random: a simple random sample of the candidates.
- stratified: the quota is split over the strata (team, channel, or team × channel) in
  proportion to their sizes, by largest remainders (Hamilton), then drawn at random in
  each stratum: a small channel keeps its share instead of being missed by chance.
- risk: weighted sampling without replacement (Efraimidis & Spirakis 2006: each
  candidate draws key = u^(1/w), the largest keys win). A candidate's weight is the base
  weight plus the weight of each risk factor it shows (low automatic score, fatal hit,
  negative emotion, complaint, low CSAT). With base weight 0 only risky conversations
  can be drawn, and the sample is smaller when there are fewer of them.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from kefu.qa.core.scorecard import DEFAULT_PASS_LINE

METHODS = ("random", "stratified", "risk")
STRATA = ("team", "channel", "team_channel")
RISK_FACTORS = ("low_score", "fatal", "negative_emotion", "complaint", "low_csat")
DEFAULT_RISK_WEIGHTS: dict[str, float] = {
    "low_score": 3.0,
    "fatal": 5.0,
    "negative_emotion": 2.0,
    "complaint": 3.0,
    "low_csat": 2.0,
}
LOW_CSAT = 2  # CSAT 1 or 2 of 5


@dataclass(frozen=True)
class Candidate:
    id: int
    agent: int | None = None
    team: int | None = None
    channel: str = ""
    score: float | None = None  # automatic QA score, None when not scored
    fatal: bool = False
    negative_emotion: bool = False
    complaint: bool = False
    csat: int | None = None


@dataclass(frozen=True)
class Rules:
    method: str = "random"
    quota: int = 100
    per_agent: bool = False
    strata: str = "team"
    risk_weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RISK_WEIGHTS))
    base_weight: float = 0.0
    low_score_below: float = float(DEFAULT_PASS_LINE)  # the scorecard's pass line

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        if self.strata not in STRATA:
            raise ValueError(f"strata must be one of {', '.join(STRATA)}")
        if self.quota < 0:
            raise ValueError("quota must be ≥ 0")
        if self.base_weight < 0 or any(w < 0 for w in self.risk_weights.values()):
            raise ValueError("weights must be ≥ 0")
        unknown = set(self.risk_weights) - set(RISK_FACTORS)
        if unknown:
            raise ValueError(f"unknown risk factor {sorted(unknown)[0]}")


@dataclass(frozen=True)
class Pick:
    id: int
    stratum: str = ""
    factors: tuple[str, ...] = ()


def risk_factors(c: Candidate, low_score_below: float) -> tuple[str, ...]:
    found = []
    if c.score is not None and c.score < low_score_below:
        found.append("low_score")
    if c.fatal:
        found.append("fatal")
    if c.negative_emotion:
        found.append("negative_emotion")
    if c.complaint:
        found.append("complaint")
    if c.csat is not None and c.csat <= LOW_CSAT:
        found.append("low_csat")
    return tuple(found)


def weight(c: Candidate, rules: Rules) -> float:
    return rules.base_weight + sum(
        rules.risk_weights.get(f, 0.0) for f in risk_factors(c, rules.low_score_below)
    )


def stratum_of(c: Candidate, strata: str) -> str:
    if strata == "team":
        return f"team:{c.team}"
    if strata == "channel":
        return f"channel:{c.channel}"
    return f"team:{c.team}|channel:{c.channel}"


def allocate(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of n over strata by largest remainders; ties go to the
    larger stratum, then the stratum key (deterministic). Never more than a stratum has."""
    total = sum(sizes.values())
    n = min(n, total)
    if n <= 0 or total == 0:
        return dict.fromkeys(sizes, 0)
    exact = {k: n * s / total for k, s in sizes.items()}
    shares = {k: math.floor(v) for k, v in exact.items()}
    left = n - sum(shares.values())
    order = sorted(sizes, key=lambda k: (-(exact[k] - shares[k]), -sizes[k], k))
    for k in order[:left]:
        shares[k] += 1
    return shares


def _rng(seed: int, period: str, group: str) -> random.Random:
    # A str seed is hashed with SHA-512 by `random`: stable across runs and machines.
    return random.Random(f"{seed}:{period}:{group}")


def _draw(cands: list[Candidate], n: int, rules: Rules, rng: random.Random) -> list[Pick]:
    if n <= 0 or not cands:
        return []
    if rules.method == "risk":
        keyed = []
        for c in cands:
            w = weight(c, rules)
            u = rng.random()
            if w > 0:
                keyed.append((u ** (1.0 / w), c))
        keyed.sort(key=lambda kc: (-kc[0], kc[1].id))
        return [Pick(c.id, "", risk_factors(c, rules.low_score_below)) for _, c in keyed[:n]]
    if rules.method == "stratified":
        groups: dict[str, list[Candidate]] = defaultdict(list)
        for c in cands:
            groups[stratum_of(c, rules.strata)].append(c)
        shares = allocate({k: len(v) for k, v in groups.items()}, n)
        picks = []
        for key in sorted(groups):
            for c in rng.sample(groups[key], shares[key]):
                picks.append(Pick(c.id, key, risk_factors(c, rules.low_score_below)))
        return picks
    return [Pick(c.id, "", risk_factors(c, rules.low_score_below)) for c in rng.sample(cands, n)]


def sample(
    candidates: Iterable[Candidate],
    rules: Rules,
    *,
    seed: int,
    period: str,
    already: Iterable[int] = (),
    already_by_agent: Mapping[int | None, int] | None = None,
) -> list[Pick]:
    """The conversations to add for a period. `already`: ids this plan sampled before
    (never drawn again); `already_by_agent`: how many the plan already holds for the
    period per agent (per-agent quotas) — their sum is the department count."""
    taken = set(already)
    pool = sorted((c for c in candidates if c.id not in taken), key=lambda c: c.id)
    counts = dict(already_by_agent or {})
    if not rules.per_agent:
        n = rules.quota - sum(counts.values())
        return _draw(pool, n, rules, _rng(seed, period, "all"))
    by_agent: dict[int, list[Candidate]] = defaultdict(list)
    for c in pool:
        if c.agent is not None:
            by_agent[c.agent].append(c)
    picks: list[Pick] = []
    for agent in sorted(by_agent):
        n = rules.quota - counts.get(agent, 0)
        picks.extend(_draw(by_agent[agent], n, rules, _rng(seed, period, f"agent:{agent}")))
    return picks


def describe(picks: Sequence[Pick]) -> dict[str, int]:
    """How many picks show each risk factor (for a run's summary)."""
    counts = dict.fromkeys(RISK_FACTORS, 0)
    for p in picks:
        for f in p.factors:
            counts[f] += 1
    return counts


# --- periods --------------------------------------------------------------------------


def period_of(period: str, day: date) -> tuple[date, date]:
    """The period (month, ISO week, day) containing `day`, as inclusive dates."""
    if period == "day":
        return day, day
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return start, following - timedelta(days=1)
    raise ValueError(f"unknown period {period!r}")


def last_complete(period: str, today: date) -> tuple[date, date]:
    """The most recent period that has ended before `today` (what a schedule samples)."""
    start, _end = period_of(period, today)
    return period_of(period, start - timedelta(days=1))


def period_key(start: date) -> str:
    return start.isoformat()
