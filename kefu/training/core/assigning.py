"""Assignment rules (QA → lesson): who is due a lesson. Pure Python.

A rule reads "≥ N hits of indicator X (or failures of scorecard item Y) in the last D days
→ lesson L, due in K days". On a day T the window is T − D + 1 … T (D days, today
included). A hit counts when its conversation's local day is in the window **and after
the day the agent last completed an assignment of the same rule** (the evidence that led
to a lesson does not assign it again). An agent with an open assignment of the rule is
skipped: one open assignment per agent and rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta


def window(today: date, days: int) -> tuple[date, date]:
    """The rule's window on `today`: (first, last) days, inclusive."""
    if days < 1:
        raise ValueError("the window must be at least one day")
    return today - timedelta(days=days - 1), today


def counted_hits(
    hits: Iterable[tuple[int, date]],
    first: date,
    last: date,
    completed: Mapping[int, date] | None = None,
) -> dict[int, int]:
    """Agent → hits in the window, from (agent, day) pairs (one per conversation with a
    hit), leaving out the days up to and including the agent's last completion."""
    completed = completed or {}
    out: dict[int, int] = {}
    for agent, day in hits:
        if day < first or day > last:
            continue
        done = completed.get(agent)
        if done is not None and day <= done:
            continue
        out[agent] = out.get(agent, 0) + 1
    return out


def due(counts: Mapping[int, int], min_hits: int, open_agents: Iterable[int] = ()) -> list[int]:
    """The agents with at least `min_hits` hits and no open assignment of the rule."""
    skip = set(open_agents)
    return sorted(a for a, n in counts.items() if n >= max(1, min_hits) and a not in skip)


def fails_item(items: Iterable[Mapping], item: str) -> bool:
    """Whether a QA result's applied items (`QaResult.items`) fail scorecard item `item`:
    it applied with a deduction, or it is fatal (added points are not a failure)."""
    return any(
        entry.get("item") == item and (float(entry.get("points") or 0) < 0 or entry.get("fatal"))
        for entry in items
    )
