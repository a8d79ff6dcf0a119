"""Routing of one arriving conversation (pure: no Django).

`decide(arrival, candidates, rules, policy)` answers which agent takes the conversation,
or that it waits in the queue for a target tier, with the reasons as data (codes and
parameters; the pages render them in the reader's language, docs/routing.md):

1. The first rule (in `position` order) whose conditions all hold names the target:
   dedicated seats (named agents) and/or tiers, in overflow order. No rule: every agent.
2. The targets are pools tried in order. The arrival may use pool k once it has waited
   k × `overflow_after_s` (a queued conversation overflows to the next pool; 0 = every
   pool at once).
3. In a pool, an agent is eligible when online, skilled for the arrival (channel, product
   line, language: an empty skill list takes all) and below their capacity.
4. The customer's last agent is taken first when eligible in an allowed pool
   (`prefer_last_agent`); otherwise least-loaded (lowest share of capacity in use, then
   fewest active, then longest since their last assignment) or round-robin (longest since
   their last assignment).
5. Nobody eligible: the conversation is queued for the first allowed pool's tier.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

LEAST_LOADED = "least_loaded"
ROUND_ROBIN = "round_robin"
STRATEGIES = (LEAST_LOADED, ROUND_ROBIN)

ASSIGNED = "assigned"
QUEUED = "queued"

DEDICATED = "dedicated"  # a pool of named agents, not a tier
ANY = "any"  # no rule: every agent


@dataclass(frozen=True, slots=True)
class Arrival:
    """What routing knows of an arriving conversation."""

    channel: str
    product_line: str = ""
    language: str = ""
    risk_label: str = ""  # the customer's stored label (high / normal / low); "" unknown
    tags: frozenset[int] = frozenset()  # the customer's tag ids
    last_agent_id: int | None = None  # the agent of the customer's previous conversation
    waited_s: float = 0.0  # 0 on arrival; the time in the queue when drained


@dataclass(frozen=True, slots=True)
class Candidate:
    agent_id: int
    tier: str
    capacity: int
    active: int = 0
    online: bool = False
    channels: frozenset[str] = frozenset()  # empty: every channel
    product_lines: frozenset[str] = frozenset()  # empty: every product line
    languages: frozenset[str] = frozenset()  # empty: every language
    last_assigned_at: float = 0.0  # epoch seconds; 0: never


@dataclass(frozen=True, slots=True)
class Rule:
    """Conditions (each non-empty one must hold; a list holds when any value matches)
    and the target: dedicated agents first, then tiers, in overflow order."""

    id: int
    name: str = ""
    risk_labels: frozenset[str] = frozenset()
    tag_ids: frozenset[int] = frozenset()
    channels: frozenset[str] = frozenset()
    product_lines: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    agent_ids: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()

    def matches(self, arrival: Arrival) -> bool:
        return (
            (not self.risk_labels or arrival.risk_label in self.risk_labels)
            and (not self.tag_ids or bool(self.tag_ids & arrival.tags))
            and (not self.channels or arrival.channel in self.channels)
            and (not self.product_lines or arrival.product_line in self.product_lines)
            and (not self.languages or arrival.language in self.languages)
        )

    def matched_on(self, arrival: Arrival) -> dict[str, Any]:
        """The conditions that selected the arrival (for the reasons)."""
        found: dict[str, Any] = {}
        if self.risk_labels:
            found["risk_label"] = arrival.risk_label
        if self.tag_ids:
            found["tags"] = sorted(self.tag_ids & arrival.tags)
        if self.channels:
            found["channel"] = arrival.channel
        if self.product_lines:
            found["product_line"] = arrival.product_line
        if self.languages:
            found["language"] = arrival.language
        return found


@dataclass(frozen=True, slots=True)
class Policy:
    strategy: str = LEAST_LOADED
    overflow_after_s: float = 60.0
    prefer_last_agent: bool = True


@dataclass(frozen=True, slots=True)
class Pool:
    kind: str  # DEDICATED, a tier, or ANY
    agent_ids: frozenset[int] = frozenset()  # DEDICATED only

    def holds(self, candidate: Candidate) -> bool:
        if self.kind == ANY:
            return True
        if self.kind == DEDICATED:
            return candidate.agent_id in self.agent_ids
        return candidate.tier == self.kind


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(frozen=True, slots=True)
class Decision:
    kind: str  # ASSIGNED or QUEUED
    agent_id: int | None
    target: str  # the pool the agent came from, or the pool the arrival waits for
    step: int  # that pool's index (0: the first target; higher: overflowed)
    steps: int  # how many pools the target has
    rule_id: int | None
    reasons: tuple[Reason, ...]

    @property
    def overflowed(self) -> bool:
        return self.step > 0

    def reasons_data(self) -> list[dict[str, Any]]:
        return [r.as_dict() for r in self.reasons]


def pools_of(rule: Rule | None) -> list[Pool]:
    if rule is None or (not rule.agent_ids and not rule.tiers):
        return [Pool(ANY)]
    pools = [Pool(DEDICATED, frozenset(rule.agent_ids))] if rule.agent_ids else []
    pools.extend(Pool(tier) for tier in rule.tiers)
    return pools


def allowed_steps(waited_s: float, steps: int, overflow_after_s: float) -> int:
    """How many pools an arrival that has waited `waited_s` may use (at least one)."""
    if overflow_after_s <= 0:
        return steps
    return max(1, min(steps, 1 + int(waited_s // overflow_after_s)))


def first_rule(arrival: Arrival, rules: Iterable[Rule]) -> Rule | None:
    """`rules` in position order; the first that matches decides."""
    return next((rule for rule in rules if rule.matches(arrival)), None)


def skilled(candidate: Candidate, arrival: Arrival) -> str | None:
    """None when skilled for the arrival, else the missing skill."""
    if candidate.channels and arrival.channel not in candidate.channels:
        return "channel"
    product = arrival.product_line
    if product and candidate.product_lines and product not in candidate.product_lines:
        return "product_line"
    if arrival.language and candidate.languages and arrival.language not in candidate.languages:
        return "language"
    return None


def _load_key(c: Candidate) -> tuple:
    return (c.active / c.capacity if c.capacity else 1.0, c.active, c.last_assigned_at, c.agent_id)


def _round_robin_key(c: Candidate) -> tuple:
    return (c.last_assigned_at, c.agent_id)


def decide(
    arrival: Arrival,
    candidates: Sequence[Candidate],
    rules: Sequence[Rule],
    policy: Policy,
) -> Decision:
    """Choose an agent for the arrival, or queue it (see the module's docstring)."""
    reasons: list[Reason] = []
    rule = first_rule(arrival, rules)
    if rule is not None:
        reasons.append(
            Reason("rule", {"rule": rule.id, "name": rule.name, **rule.matched_on(arrival)})
        )
    else:
        reasons.append(Reason("no_rule"))
    pools = pools_of(rule)
    allowed = allowed_steps(arrival.waited_s, len(pools), policy.overflow_after_s)
    if allowed > 1:
        reasons.append(
            Reason("overflow", {"waited_s": int(arrival.waited_s), "to": pools[allowed - 1].kind})
        )

    # why agents of the allowed pools are out: counted per cause
    excluded: dict[str, int] = {}
    by_step: list[list[Candidate]] = [[] for _ in range(allowed)]
    last: Candidate | None = None
    last_step = -1
    last_cause: str | None = None
    # the pool of each tier / dedicated agent (the earliest allowed pool that holds it)
    anyone = any(pool.kind == ANY for pool in pools[:allowed])
    tier_step: dict[str, int] = {}
    agent_step: dict[int, int] = {}
    for i in range(allowed - 1, -1, -1):  # earlier pools win
        pool = pools[i]
        if pool.kind == DEDICATED:
            agent_step.update(dict.fromkeys(pool.agent_ids, i))
        elif pool.kind != ANY:
            tier_step[pool.kind] = i
    channel, product, language = arrival.channel, arrival.product_line, arrival.language
    last_id = arrival.last_agent_id
    for candidate in candidates:
        agent_id = candidate.agent_id
        step = agent_step.get(agent_id, -1)
        if step < 0:
            step = 0 if anyone else tier_step.get(candidate.tier, -1)
        is_last = agent_id == last_id
        if step < 0:
            if is_last:
                last_cause = "not_in_target"
            continue
        # why the agent cannot take it: presence, then skills (as `skilled`), then capacity
        if not candidate.online:
            cause: str | None = "offline"
        elif candidate.channels and channel not in candidate.channels:
            cause = "skill_channel"
        elif product and candidate.product_lines and product not in candidate.product_lines:
            cause = "skill_product_line"
        elif language and candidate.languages and language not in candidate.languages:
            cause = "skill_language"
        elif candidate.active >= candidate.capacity:
            cause = "full"
        else:
            cause = None
        if cause is not None:
            excluded[cause] = excluded.get(cause, 0) + 1
            if is_last:
                last_cause = cause
            continue
        by_step[step].append(candidate)
        if is_last:
            last, last_step = candidate, step
    for cause in ("offline", "skill_channel", "skill_product_line", "skill_language", "full"):
        if excluded.get(cause):
            reasons.append(Reason(f"excluded_{cause}", {"count": excluded[cause]}))

    if policy.prefer_last_agent and arrival.last_agent_id is not None:
        if last is not None:
            reasons.append(Reason("last_agent", {"agent": last.agent_id}))
            return Decision(
                ASSIGNED,
                last.agent_id,
                pools[last_step].kind,
                last_step,
                len(pools),
                rule.id if rule else None,
                tuple(reasons),
            )
        reasons.append(
            Reason(
                "last_agent_unavailable",
                {"agent": arrival.last_agent_id, "why": last_cause or "offline"},
            )
        )

    for step, eligible in enumerate(by_step):
        if not eligible:
            continue
        if policy.strategy == ROUND_ROBIN:
            chosen = min(eligible, key=_round_robin_key)
            reasons.append(
                Reason("round_robin", {"agent": chosen.agent_id, "eligible": len(eligible)})
            )
        else:
            chosen = min(eligible, key=_load_key)
            reasons.append(
                Reason(
                    "least_loaded",
                    {
                        "agent": chosen.agent_id,
                        "active": chosen.active,
                        "capacity": chosen.capacity,
                        "eligible": len(eligible),
                    },
                )
            )
        if step > 0:
            reasons.append(Reason("from_pool", {"pool": pools[step].kind, "step": step}))
        return Decision(
            ASSIGNED,
            chosen.agent_id,
            pools[step].kind,
            step,
            len(pools),
            rule.id if rule else None,
            tuple(reasons),
        )

    waiting_for = pools[allowed - 1].kind if allowed > 1 else pools[0].kind
    reasons.append(Reason("queued", {"pool": waiting_for}))
    if allowed < len(pools):
        reasons.append(
            Reason(
                "overflow_next",
                {"pool": pools[allowed].kind, "after_s": int(allowed * policy.overflow_after_s)},
            )
        )
    return Decision(
        QUEUED,
        None,
        waiting_for,
        allowed - 1,
        len(pools),
        rule.id if rule else None,
        tuple(reasons),
    )


def next_overflow_s(step: int, steps: int, overflow_after_s: float) -> float | None:
    """Seconds after arrival when a queued conversation at pool `step` may use the next
    pool; None when there is none."""
    if overflow_after_s <= 0 or step + 1 >= steps:
        return None
    return (step + 1) * overflow_after_s
