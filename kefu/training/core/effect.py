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
    """Conversations, hits and distinct agents summed over windows."""

    def __init__(self) -> None:
        self.conversations = 0
        self.hits = 0
        self.agents: set[int] = set()

    def window(self) -> Window:
        return Window(self.conversations, self.hits, len(self.agents))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _add_agent(pool: _Pool, agent: int, by_day: Mapping[date, tuple[int, int]], days) -> None:
    conversations = hits = 0
    for day in days:
        n, h = by_day.get(day, (0, 0))
        conversations += n
        hits += h
    if conversations:
        pool.conversations += conversations
        pool.hits += hits
        pool.agents.add(agent)


def _add_group(
    pool: _Pool,
    totals: Mapping[date, tuple[int, int]],
    active: Mapping[date, set[int]],
    days,
) -> None:
    for day in days:
        n, h = totals.get(day, (0, 0))
        pool.conversations += n
        pool.hits += h
        pool.agents |= active.get(day, set())


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
    # The comparison group summed per day once (its agents are the same for every window).
    totals: dict[date, tuple[int, int]] = {}
    active: dict[date, set[int]] = {}
    for agent in comparison:
        for day, (n, h) in series.get(agent, {}).items():
            if n:
                t = totals.get(day, (0, 0))
                totals[day] = (t[0] + n, t[1] + h)
                active.setdefault(day, set()).add(agent)
    tb, ta, cb, ca = _Pool(), _Pool(), _Pool(), _Pool()
    empty: Mapping[date, tuple[int, int]] = {}
    for c in measured:
        (b0, b1), (a0, a1) = windows(c.day, days)
        before, after = _days(b0, b1), _days(a0, a1)
        mine = series.get(c.agent, empty)
        _add_agent(tb, c.agent, mine, before)
        _add_agent(ta, c.agent, mine, after)
        _add_group(cb, totals, active, before)
        _add_group(ca, totals, active, after)
    return Effect(
        trained_before=tb.window(),
        trained_after=ta.window(),
        comparison_before=cb.window(),
        comparison_after=ca.window(),
        completions=len(measured),
        pending=pending,
        comparison_agents=len(comparison),
        trained_agents=tuple(sorted({c.agent for c in measured})),
    )
