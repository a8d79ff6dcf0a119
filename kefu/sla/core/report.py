"""The SLA report's one definition: how a conversation's first response is judged.

Pure Python (no Django). Every reader asks this module: the KPI `frt_over_target`
(`kefu.metrics.core.kpis.over_target` calls `breached`), the facts that store it
(`judged_seconds`), and the SLA report's page, CSV and API (`judge`, `Tally`).

A conversation's first-response wait runs from its first customer message to the first
agent message after it. With the policy version that judged it (None: no policy
matched):

- **judged time**: the wait as the policy measures it, calendar seconds, or business
  seconds of its calendar when the policy is judged in business time
  (`Policy.elapsed`);
- **target**: the policy's first-response target; without a policy or target,
  `FALLBACK_FIRST_RESPONSE_S` (30 s);
- **met**: answered and judged time ≤ target; **breached**: answered and judged time
  > target (strictly over, as `frt_over_target`); **no reply**: the customer wrote and
  no agent answered; conversations without a customer message are not judged;
- **paused**: answered, judged in business time, and the wait's calendar seconds exceed
  its business seconds: the clock stopped outside opening hours for
  `paused_s = calendar seconds − business seconds`.

Rates (`Tally.rates`): met and breach rate over the answered (met + breached: the breach
rate is `frt_over_target_rate`), no-reply rate over the conversations with a customer
message, paused rate over the answered.

The **resolution target** (`judge_resolution`) is judged on the conversation's resolution
time (`created_at` → `resolved_at`, the KPI `resolution_time_mean_s`'s span), in calendar
seconds or in the policy calendar's business seconds as the policy measures: **resolved
in time** when ≤ the policy's resolution target, **resolved late** when strictly over,
**open** while unresolved; conversations whose policy sets no resolution target are not
judged. Rate: resolved late ÷ (in time + late).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from kefu.sla.core.policies import BUSINESS, FALLBACK_FIRST_RESPONSE_S, Policy

MET = "met"
BREACHED = "breached"
NO_REPLY = "no_reply"
NOT_JUDGED = "not_judged"  # no customer message: nothing to answer
OUTCOMES = (MET, BREACHED, NO_REPLY, NOT_JUDGED)


def judged_seconds(
    policy: Policy | None,
    frt_s: float | None,
    first_customer_at: datetime | None,
    first_response_at: datetime | None,
) -> float | None:
    """The first-response wait as the policy measures it; None when the calendar FRT
    (`frt_s`) stands (no policy, no reply, or the instants are unknown)."""
    if policy is None or frt_s is None or first_customer_at is None or first_response_at is None:
        return None
    return policy.elapsed(first_customer_at, first_response_at)


def target_seconds(policy: Policy | None) -> float:
    """The first-response target that applies (the fallback without one)."""
    if policy is None or policy.first_response_s is None:
        return FALLBACK_FIRST_RESPONSE_S
    return policy.first_response_s


def breached(frt_s: float | None, judged_s: float | None, target_s: float | None) -> bool:
    """Did an answered first response miss its target (strictly over)? `judged_s` None:
    the calendar FRT is judged; `target_s` None: the fallback target. Unanswered: False."""
    if frt_s is None:
        return False
    value = frt_s if judged_s is None else judged_s
    return value > (FALLBACK_FIRST_RESPONSE_S if target_s is None else target_s)


RESOLVED_IN_TIME = "in_time"
RESOLVED_LATE = "late"
OPEN = "open"


def judge_resolution(
    policy: Policy | None, resolution_s: float | None, business_resolution_s: float | None
) -> str | None:
    """The resolution against the policy's resolution target (see the module docstring):
    RESOLVED_IN_TIME, RESOLVED_LATE, OPEN, or None when no resolution target applies.
    `resolution_s` is the calendar resolution time (None: unresolved),
    `business_resolution_s` the same span in the policy calendar's business seconds."""
    if policy is None or policy.resolution_s is None:
        return None
    if resolution_s is None:
        return OPEN
    judged = resolution_s
    if policy.measure == BUSINESS and policy.calendar is not None:
        judged = resolution_s if business_resolution_s is None else business_resolution_s
    return RESOLVED_LATE if judged > policy.resolution_s else RESOLVED_IN_TIME


@dataclass(frozen=True, slots=True)
class Wait:
    """What the report needs to know about one conversation."""

    has_customer_message: bool
    frt_s: float | None  # calendar seconds, as stored (None: no reply)
    first_customer_at: datetime | None = None
    first_response_at: datetime | None = None
    policy: Policy | None = None
    resolution_s: float | None = None  # calendar seconds created → resolved (None: open)
    business_resolution_s: float | None = None  # the same in the policy's business time


@dataclass(frozen=True, slots=True)
class Judgement:
    outcome: str
    target_s: float
    measure: str  # "calendar" or "business": how the target was judged
    judged_s: float | None = None  # the wait as judged (None: not answered)
    paused_s: float = 0.0
    resolution: str | None = None  # judge_resolution's outcome (None: no target)

    @property
    def paused(self) -> bool:
        return self.paused_s > 0


def judge(wait: Wait) -> Judgement:
    """The conversation's first response against its policy (see the module docstring)."""
    policy = wait.policy
    target = target_seconds(policy)
    measure = policy.measure if policy is not None and policy.calendar is not None else "calendar"
    resolution = judge_resolution(policy, wait.resolution_s, wait.business_resolution_s)
    if wait.frt_s is None:
        outcome = NO_REPLY if wait.has_customer_message else NOT_JUDGED
        return Judgement(outcome, target, measure, resolution=resolution)
    judged = judged_seconds(policy, wait.frt_s, wait.first_customer_at, wait.first_response_at)
    paused = 0.0
    if (
        judged is not None
        and policy is not None
        and policy.measure == BUSINESS
        and policy.calendar is not None
        and wait.first_customer_at is not None
        and wait.first_response_at is not None
    ):
        calendar_s = (wait.first_response_at - wait.first_customer_at).total_seconds()
        paused = max(0.0, calendar_s - judged)
    outcome = BREACHED if breached(wait.frt_s, judged, target) else MET
    judged_s = wait.frt_s if judged is None else judged
    return Judgement(outcome, target, measure, judged_s, paused, resolution)


@dataclass
class Tally:
    """Additive counts of a group's judgements (sums of groups are groups)."""

    conversations: int = 0
    met: int = 0
    breached: int = 0
    no_reply: int = 0
    paused: int = 0
    paused_s: float = 0.0
    # (target seconds, measure) → conversations judged by it: the targets shown
    targets: Counter = field(default_factory=Counter)
    # resolution target outcomes
    resolved_in_time: int = 0
    resolved_late: int = 0
    open: int = 0

    def add(self, judgement: Judgement) -> None:
        self.conversations += 1
        if judgement.outcome == MET:
            self.met += 1
        elif judgement.outcome == BREACHED:
            self.breached += 1
        elif judgement.outcome == NO_REPLY:
            self.no_reply += 1
        if judgement.paused:
            self.paused += 1
            self.paused_s = math.fsum((self.paused_s, judgement.paused_s))
        if judgement.outcome != NOT_JUDGED:
            self.targets[(judgement.target_s, judgement.measure)] += 1
        if judgement.resolution == RESOLVED_IN_TIME:
            self.resolved_in_time += 1
        elif judgement.resolution == RESOLVED_LATE:
            self.resolved_late += 1
        elif judgement.resolution == OPEN:
            self.open += 1

    def merge(self, other: Tally) -> Tally:
        return Tally(
            self.conversations + other.conversations,
            self.met + other.met,
            self.breached + other.breached,
            self.no_reply + other.no_reply,
            self.paused + other.paused,
            math.fsum((self.paused_s, other.paused_s)),
            self.targets + other.targets,
            self.resolved_in_time + other.resolved_in_time,
            self.resolved_late + other.resolved_late,
            self.open + other.open,
        )

    @property
    def answered(self) -> int:
        return self.met + self.breached

    @property
    def waiting(self) -> int:
        """Conversations with a customer message (answered or not)."""
        return self.answered + self.no_reply

    def rates(self) -> dict[str, float | None]:
        """Fractions 0–1; None when the denominator is empty."""

        def ratio(a: float, b: float) -> float | None:
            return a / b if b else None

        return {
            "met_rate": ratio(self.met, self.answered),
            "breach_rate": ratio(self.breached, self.answered),
            "no_reply_rate": ratio(self.no_reply, self.waiting),
            "paused_rate": ratio(self.paused, self.answered),
            "resolution_breach_rate": ratio(
                self.resolved_late, self.resolved_in_time + self.resolved_late
            ),
        }


def tally(judgements: Iterable[Judgement]) -> Tally:
    out = Tally()
    for judgement in judgements:
        out.add(judgement)
    return out
