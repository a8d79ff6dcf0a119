"""Did the lesson work? The effect of an assignment rule on its own indicator. Pure Python.

For each completed assignment of a rule (agent a, completed on day c) and the rule's
window of D days:

- **before** = the days c − D … c − 1, **after** = c + 1 … c + D (the day of completion
  belongs to neither);
- the trained agents' **hit rate** in a window = conversations with a hit of the rule's
  indicator (or failing its scorecard item) / conversations scored, pooled over every
  completion;
- the **comparison group**: agents the rule did not assign in the period the windows
  span, measured in the same calendar windows (each completion's before and after days),
  pooled the same way; so a change that every agent shows (a quiet month, a new script)
  shows in both;
- **difference** = (trained after − before) − (comparison after − before), in rate
  points: below 0, the trained agents improved more than the others;
- every rate comes with the conversations and the distinct agents behind it; a completion
  whose after-window has not ended by `until` is left out and counted as pending.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

# agent → day → (conversations scored, conversations with a hit)
Series = Mapping[int, Mapping[date, tuple[int, int]]]


@dataclass(frozen=True, slots=True)
class Completion:
    agent: int
    day: date  # the local day the assignment was completed


@dataclass(frozen=True, slots=True)
class Window:
    conversations: int = 0
    hits: int = 0
    agents: int = 0

    @property
    def rate(self) -> float | None:
        return self.hits / self.conversations if self.conversations else None


@dataclass(frozen=True, slots=True)
class Effect:
    trained_before: Window
    trained_after: Window
    comparison_before: Window
    comparison_after: Window
    completions: int  # measured (after-window over)
    pending: int  # completed too recently to measure
    comparison_agents: int = 0
    trained_agents: tuple[int, ...] = field(default=())

    @property
    def trained_change(self) -> float | None:
        return _change(self.trained_before, self.trained_after)

    @property
    def comparison_change(self) -> float | None:
        return _change(self.comparison_before, self.comparison_after)

    @property
    def difference(self) -> float | None:
        trained, comparison = self.trained_change, self.comparison_change
        if trained is None or comparison is None:
            return None
        return trained - comparison


def _change(before: Window, after: Window) -> float | None:
    if before.rate is None or after.rate is None:
        return None
    return after.rate - before.rate


def windows(day: date, days: int) -> tuple[tuple[date, date], tuple[date, date]]:
    """(before, after) as inclusive (first, last) days around a completion day."""
    one = timedelta(days=1)
    return (day - days * one, day - one), (day + one, day + days * one)


def span(completions: Iterable[Completion], days: int) -> tuple[date, date] | None:
    """The first and last day any window of these completions covers."""
    days_ = [c.day for c in completions]
    if not days_:
        return None
    return min(days_) - timedelta(days=days), max(days_) + timedelta(days=days)


class _Pool:
    def __init__(self) -> None:
        self.conversations = 0
        self.hits = 0
        self.agents: set[int] = set()

    def add(self, agent: int, by_day: Mapping[date, tuple[int, int]], first: date, last: date):
        conversations = hits = 0
        day = first
        while day <= last:
            n, h = by_day.get(day, (0, 0))
            conversations += n
            hits += h
            day += timedelta(days=1)
        if conversations:
            self.conversations += conversations
            self.hits += hits
            self.agents.add(agent)

    def window(self) -> Window:
        return Window(self.conversations, self.hits, len(self.agents))


def effect(
    series: Series,
    completions: Iterable[Completion],
    comparison: Iterable[int],
    days: int,
    until: date | None = None,
) -> Effect:
    """The rule's effect (see the module's text). `series` holds the daily counts of the
    trained and the comparison agents; `comparison` the agents of the comparison group."""
    if days < 1:
        raise ValueError("the window must be at least one day")
    comparison = sorted(set(comparison))
    measured, pending = [], 0
    for c in completions:
        if until is not None and c.day + timedelta(days=days) > until:
            pending += 1
        else:
            measured.append(c)
    pools = {name: _Pool() for name in ("tb", "ta", "cb", "ca")}
    empty: Mapping[date, tuple[int, int]] = {}
    for c in measured:
        (b0, b1), (a0, a1) = windows(c.day, days)
        mine = series.get(c.agent, empty)
        pools["tb"].add(c.agent, mine, b0, b1)
        pools["ta"].add(c.agent, mine, a0, a1)
        for other in comparison:
            theirs = series.get(other, empty)
            pools["cb"].add(other, theirs, b0, b1)
            pools["ca"].add(other, theirs, a0, a1)
    return Effect(
        trained_before=pools["tb"].window(),
        trained_after=pools["ta"].window(),
        comparison_before=pools["cb"].window(),
        comparison_after=pools["ca"].window(),
        completions=len(measured),
        pending=pending,
        comparison_agents=len(comparison),
        trained_agents=tuple(sorted({c.agent for c in measured})),
    )
