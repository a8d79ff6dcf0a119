"""What became of the conversations supervisors intervened in (pure Python).

A conversation counts once per group (a month, a supervisor, a rule), from its first
intervention in that group. Its outcome is read from the conversation as it stands:
- escalated: the customer complained (`complaint`), or the conversation was escalated
  (an escalation recorded at or after that first intervention);
- avoided escalation: not escalated — the seeds' "kept 85 % from escalating";
- resolved: resolved or closed with a resolution time; CSAT: the survey's, if answered.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Outcome:
    complaint: bool = False
    escalations: tuple[datetime, ...] = ()
    resolved: bool = False
    csat: int | None = None

    def escalated_after(self, at: datetime) -> bool:
        return self.complaint or any(t >= at for t in self.escalations)


@dataclass(frozen=True)
class Touch:
    """One intervention: when, in which conversation, by whom, on which alert rule."""

    conversation: int
    at: datetime
    supervisor: str
    rule: str  # "" when not tied to an alert
    kind: str


@dataclass
class Tally:
    interventions: int = 0
    conversations: int = 0
    escalated: int = 0
    resolved: int = 0
    csat_sum: int = 0
    csat_n: int = 0
    kinds: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def avoided(self) -> int:
        return self.conversations - self.escalated

    @property
    def avoided_rate(self) -> float | None:
        return self.avoided / self.conversations if self.conversations else None

    @property
    def resolved_rate(self) -> float | None:
        return self.resolved / self.conversations if self.conversations else None

    @property
    def csat_mean(self) -> float | None:
        return self.csat_sum / self.csat_n if self.csat_n else None


def tally(
    touches: Iterable[Touch],
    outcomes: dict[int, Outcome],
    key: Callable[[Touch], Hashable],
) -> dict[Hashable, Tally]:
    """Interventions and their conversations' outcomes grouped by `key`."""
    first: dict[tuple[Hashable, int], datetime] = {}
    out: dict[Hashable, Tally] = defaultdict(Tally)
    for touch in touches:
        group = key(touch)
        out[group].interventions += 1
        out[group].kinds[touch.kind] += 1
        seen = first.get((group, touch.conversation))
        if seen is None or touch.at < seen:
            first[(group, touch.conversation)] = touch.at
    for (group, conversation), at in first.items():
        outcome = outcomes.get(conversation, Outcome())
        row = out[group]
        row.conversations += 1
        row.escalated += outcome.escalated_after(at)
        row.resolved += outcome.resolved
        if outcome.csat is not None:
            row.csat_sum += outcome.csat
            row.csat_n += 1
    return dict(out)
