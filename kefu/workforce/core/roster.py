"""A week's roster with OR-Tools CP-SAT: who works which shift, on which channel, with
the break where, so that the requirement is covered by as few agents as possible.

The week starts Monday 00:00 and has 7 × `intervals_per_day` intervals. It is treated
as repeating (rosters are weekly patterns): Sunday's night shift covers Monday 00:00 on,
and the rest between Sunday's shift and Monday's is checked across the wrap.

Hard constraints (a roster never breaks them; `violations` checks any roster):
- at most one shift a day; never on an agent's days off; only templates allowed to them;
- only channels the agent is skilled for (one channel per shift);
- weekly paid hours within the agent's min–max (an agent not used works 0 hours);
- at most `max_days` working days (so at least 7 − max_days days off);
- at least `min_rest` intervals between the end of one shift and the next start;
- at most `max_nights` night shifts; tiers in `night_excluded_tiers` (new hires) and
  agents with `nights=False` never work nights;
- every shift with a break has exactly one, inside the template's break window.

Soft goals, in this order (weights far apart, so each dominates the next):
1. cover the requirement per channel and interval (the gap left is reported);
2. a senior (`senior_tiers`) on shift whenever there is a requirement;
3. as few agents as possible;
4. as few staffed intervals beyond the requirement as possible;
5. fair nights and weekends: the most any one agent gets is kept low.

Breaks are placed on counts, not agents (how many of a day's shift take their break at
each offset): the coverage only depends on the counts, and that keeps the model small.
Agents are given breaks from those counts afterwards.
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # OR-Tools loads in ~0.3 s: only when a roster is solved
    from ortools.sat.python import cp_model

DAYS = 7
WEEKEND = (5, 6)
W_SHORT = 100_000
W_SENIOR = 10_000
W_AGENT = 1_000
W_SURPLUS = 1
W_FAIR = 20


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    key: str
    start: int  # interval of the day the shift starts (0 = 00:00)
    length: int  # intervals from start to end, break included
    break_length: int = 0  # unpaid
    break_earliest: int = 0  # first interval (from the start) the break may begin
    break_latest: int = 0  # last interval (from the start) the break may begin

    def paid(self) -> int:
        return self.length - self.break_length

    def break_offsets(self) -> list[int]:
        if not self.break_length:
            return []
        return list(range(self.break_earliest, self.break_latest + 1))

    def is_night(self, intervals_per_day: int = 48) -> bool:
        """Works any time from 22:00 to 06:00."""
        for i in range(self.start, self.start + self.length):
            hour = (i % intervals_per_day) * 24 / intervals_per_day
            if hour >= 22 or hour < 6:
                return True
        return False


@dataclass(frozen=True, slots=True)
class RosterAgent:
    key: str
    skills: frozenset[str]  # channels
    tier: str = ""
    min_hours: float = 0.0
    max_hours: float = 40.0
    days_off: frozenset[int] = frozenset()  # weekdays (0 = Monday) never worked
    max_days: int = 5
    templates: frozenset[str] | None = None  # None: every template
    nights: bool = True  # False: never a night shift, whatever the tier


@dataclass
class RosterProblem:
    requirement: dict[str, list[int]]  # channel → agents needed per interval of the week
    agents: Sequence[RosterAgent]
    templates: Sequence[ShiftTemplate]
    intervals_per_day: int = 48
    min_rest: int = 22  # intervals (11 h)
    max_nights: int = 3
    night_excluded_tiers: frozenset[str] = frozenset({"new"})
    senior_tiers: frozenset[str] = frozenset({"senior", "lead", "expert"})
    time_limit_s: float = 20.0
    workers: int = 2

    @property
    def week(self) -> int:
        return DAYS * self.intervals_per_day

    def interval_hours(self) -> float:
        return 24 / self.intervals_per_day


@dataclass(frozen=True, slots=True)
class Shift:
    agent: str
    day: int
    template: str
    channel: str
    start: int  # interval of the week
    end: int  # exclusive; may run past the week
    break_start: int | None = None  # interval of the week
    break_length: int = 0


@dataclass
class RosterResult:
    status: str  # optimal, feasible, infeasible, unknown
    shifts: list[Shift]
    scheduled: dict[str, list[int]]  # on duty (on shift, not on break) per interval
    gap: dict[str, list[int]]  # requirement − scheduled where short (0 elsewhere)
    agents_used: int
    wall_s: float
    objective: float | None = None
    notes: list[str] = field(default_factory=list)
    # Each stage's own outcome ("counts", "assign"): `status` is "optimal" only when both
    # were proven optimal within the time limit.
    stages: dict[str, str] = field(default_factory=dict)

    @property
    def short_intervals(self) -> int:
        return sum(1 for values in self.gap.values() for v in values if v > 0)


def _no_nights(problem: RosterProblem, agent: RosterAgent) -> bool:
    return not agent.nights or agent.tier in problem.night_excluded_tiers


def _allowed(problem: RosterProblem, agent: RosterAgent, day: int, t: ShiftTemplate) -> bool:
    if day in agent.days_off:
        return False
    if agent.templates is not None and t.key not in agent.templates:
        return False
    if t.is_night(problem.intervals_per_day) and _no_nights(problem, agent):
        return False
    hours = t.paid() * problem.interval_hours()
    return hours <= agent.max_hours + 1e-9


def _rest_conflicts(problem: RosterProblem) -> dict[str, list[str]]:
    """Template → the templates that may not follow it the next day."""
    per_day = problem.intervals_per_day
    conflicts: dict[str, list[str]] = {}
    for a in problem.templates:
        end = a.start + a.length
        conflicts[a.key] = [
            b.key for b in problem.templates if per_day + b.start - end < problem.min_rest
        ]
    return conflicts


def _minutes(hours: float) -> int:
    return round(hours * 60)


def solve(problem: RosterProblem, on_stage: Callable[[str], None] | None = None) -> RosterResult:
    """Two stages, as workforce tools do: first how many of each shift (day, template,
    channel) and where their breaks go, so the requirement is covered with the fewest
    staffed intervals (a small model, solved to optimality or close); then which agents
    work them, under every per-agent rule, with as few agents as possible. One model of
    both does not converge in the time a person waits on two cores.

    `on_stage("counts")` and `on_stage("assign")` are called as each stage starts (a
    background build reports its progress with them)."""
    started = time.perf_counter()
    week = problem.week
    for channel, values in problem.requirement.items():
        if len(values) != week:
            raise ValueError(f"requirement of {channel} has {len(values)} intervals, not {week}")
    templates = {t.key: t for t in problem.templates}
    options = _options(problem)
    if on_stage is not None:
        on_stage("counts")
    counts, breaks, status1 = _plan_counts(problem, options, templates, 0.3 * problem.time_limit_s)
    remaining = max(1.0, problem.time_limit_s - (time.perf_counter() - started))
    if on_stage is not None:
        on_stage("assign")
    shifts, status2, objective = _assign(problem, options, counts, breaks, templates, remaining)
    scheduled, gap = coverage(problem, shifts)
    statuses = {status1, status2}
    status = (
        "infeasible"
        if "infeasible" in statuses
        else "unknown"
        if "unknown" in statuses
        else "optimal"
        if statuses == {"optimal"}
        else "feasible"
    )
    return RosterResult(
        status=status,
        shifts=shifts,
        scheduled=scheduled,
        gap=gap,
        agents_used=len({s.agent for s in shifts}),
        wall_s=time.perf_counter() - started,
        objective=objective,
        stages={"counts": status1, "assign": status2},
    )


def _status(code: Any) -> str:  # a CpSolverStatus (an int in older OR-Tools)
    from ortools.sat.python import cp_model

    names: dict[Any, str] = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible",
             cp_model.INFEASIBLE: "infeasible"}  # fmt: skip
    return names.get(code, "unknown")


def _solver(time_limit_s: float, workers: int) -> cp_model.CpSolver:
    from ortools.sat.python import cp_model

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    return solver


def _options(problem: RosterProblem) -> dict[tuple[int, int, str], list[str]]:
    """(agent index, day, template) → the channels that agent may work it on."""
    out = {}
    for ai, agent in enumerate(problem.agents):
        channels = [c for c in sorted(agent.skills) if c in problem.requirement]
        for day in range(DAYS):
            for t in problem.templates:
                if channels and _allowed(problem, agent, day, t):
                    out[ai, day, t.key] = channels
    return out


def _plan_counts(problem, options, templates, time_limit_s):
    from ortools.sat.python import cp_model

    """Stage 1: shifts per (day, template, channel) and breaks per offset."""
    per_day, week = problem.intervals_per_day, problem.week
    model = cp_model.CpModel()
    # Upper bounds from the agents who could work each cell keep the plan staffable.
    able: dict[tuple[int, str, str], int] = defaultdict(int)
    able_day: dict[tuple[int, str], int] = defaultdict(int)
    for (_ai, day, tk), channels in options.items():
        for c in channels:
            able[day, tk, c] += 1
    for day in range(DAYS):
        for c in problem.requirement:
            able_day[day, c] = len(
                {ai for (ai, d, _t), chs in options.items() if d == day and c in chs}
            )
    n, z = {}, {}
    on_duty: dict[tuple[str, int], list] = defaultdict(list)
    off_duty: dict[tuple[str, int], list] = defaultdict(list)
    for (day, tk, c), bound in able.items():
        t = templates[tk]
        n[day, tk, c] = model.new_int_var(0, bound, f"n{day}_{tk}_{c}")
        start = day * per_day + t.start
        for i in range(start, start + t.length):
            on_duty[c, i % week].append(n[day, tk, c])
        offsets = t.break_offsets()
        if offsets:
            z[day, tk, c] = [
                (o, model.new_int_var(0, bound, f"z{day}_{tk}_{c}_{o}")) for o in offsets
            ]
            model.add(sum(v for _o, v in z[day, tk, c]) == n[day, tk, c])
            for o, v in z[day, tk, c]:
                for i in range(start + o, start + o + t.break_length):
                    off_duty[c, i % week].append(v)
    for day in range(DAYS):
        for c in problem.requirement:
            cells = [v for (d, _t, c2), v in n.items() if d == day and c2 == c]
            if cells:
                model.add(sum(cells) <= able_day[day, c])
        # One shift a day per agent, whatever the channel.
        cells = [v for (d, _t, _c), v in n.items() if d == day]
        if cells:
            available = len({ai for (ai, d, _t) in options if d == day})
            model.add(sum(cells) <= available)
    capacity = sum(
        min(a.max_days, DAYS - len(a.days_off), int(a.max_hours // _min_paid_hours(problem)))
        for a in problem.agents
    )
    if n:
        model.add(sum(n.values()) <= capacity)
    shortfall, surplus = [], []
    for c, requirement in problem.requirement.items():
        for i, need in enumerate(requirement):
            staffed = sum(on_duty[c, i]) - sum(off_duty[c, i])
            short = model.new_int_var(0, need, f"s_{c}_{i}") if need > 0 else 0
            model.add(staffed + short >= need)
            if need > 0:
                shortfall.append(short)
            surplus.append(staffed + short - need)
    # Fewer, longer shifts mean fewer agents: each shift costs a little on its own.
    model.minimize(W_SHORT * sum(shortfall) + W_SURPLUS * 10 * sum(surplus) + 5 * sum(n.values()))
    solver = _solver(time_limit_s, problem.workers)
    status = _status(solver.solve(model))
    if status not in ("optimal", "feasible"):
        return {}, {}, status
    counts = {key: solver.value(v) for key, v in n.items() if solver.value(v)}
    breaks = {
        key: [o for o, v in values for _ in range(solver.value(v))] for key, values in z.items()
    }
    return counts, breaks, status


def _min_paid_hours(problem: RosterProblem) -> float:
    return min(t.paid() for t in problem.templates) * problem.interval_hours()


def _assign(problem, options, counts, breaks, templates, time_limit_s):
    from ortools.sat.python import cp_model

    """Stage 2: agents for the planned shifts, as few as possible, every rule kept."""
    per_day = problem.intervals_per_day
    step = round(problem.interval_hours() * 60)
    model = cp_model.CpModel()
    x: dict[tuple[int, int, str, str], cp_model.IntVar] = {}
    for (ai, day, tk), channels in options.items():
        for c in channels:
            if counts.get((day, tk, c)):
                x[ai, day, tk, c] = model.new_bool_var(f"x{ai}_{day}_{tk}_{c}")
    by_agent_day: dict[tuple[int, int], list] = defaultdict(list)
    by_agent_day_template: dict[tuple[int, int, str], list] = defaultdict(list)
    by_cell: dict[tuple[int, str, str], list] = defaultdict(list)
    of_agent: dict[int, list[tuple[int, str, cp_model.IntVar]]] = defaultdict(list)
    for (ai, day, tk, c), var in x.items():
        by_agent_day[ai, day].append(var)
        by_agent_day_template[ai, day, tk].append(var)
        by_cell[day, tk, c].append(var)
        of_agent[ai].append((day, tk, var))
    missing = []
    for cell, count in counts.items():
        miss = model.new_int_var(0, count, f"miss{cell}")
        model.add(sum(by_cell[cell]) + miss == count)
        missing.append(miss)
    conflicts = _rest_conflicts(problem)
    night = {t.key: t.is_night(per_day) for t in problem.templates}
    used, nights_of, weekends_of = [], [], []
    for ai, agent in enumerate(problem.agents):
        u = model.new_bool_var(f"used{ai}")
        used.append(u)
        own = of_agent[ai]
        if not own:
            model.add(u == 0)
            continue
        for day in range(DAYS):
            if len(by_agent_day[ai, day]) > 1:
                model.add_at_most_one(by_agent_day[ai, day])
        model.add(sum(v for _d, _t, v in own) <= min(agent.max_days, DAYS) * u)
        paid = sum(templates[tk].paid() * step * v for _d, tk, v in own)
        model.add(paid <= _minutes(agent.max_hours) * u)
        model.add(paid >= _minutes(agent.min_hours) * u)
        for day in range(DAYS):  # Sunday → Monday too: the week repeats
            for tk, following in conflicts.items():
                today = by_agent_day_template.get((ai, day, tk))
                if not today:
                    continue
                after = (day + 1) % DAYS
                tomorrow = [
                    v for t2 in following for v in by_agent_day_template.get((ai, after, t2), [])
                ]
                if tomorrow:
                    model.add(sum(today) + sum(tomorrow) <= 1)
        nights = [v for _d, tk, v in own if night[tk]]
        if nights:
            model.add(sum(nights) <= problem.max_nights)
            nights_of.append(sum(nights))
        weekend = [v for d, _t, v in own if d in WEEKEND]
        if weekend:
            weekends_of.append(sum(weekend))
    _break_symmetry(model, problem.agents, used)
    senior_short = _senior_cover(model, problem, x, templates)
    max_nights = model.new_int_var(0, DAYS, "max_nights")
    for value in nights_of:
        model.add(max_nights >= value)
    max_weekend = model.new_int_var(0, 2, "max_weekend")
    for value in weekends_of:
        model.add(max_weekend >= value)
    model.minimize(
        W_SHORT * sum(missing)
        + W_SENIOR * sum(senior_short)
        + W_AGENT * sum(used)
        + W_FAIR * (max_nights + max_weekend)
    )
    solver = _solver(time_limit_s, problem.workers)
    status = _status(solver.solve(model))
    if status not in ("optimal", "feasible"):
        return [], status, None
    return _read_shifts(problem, solver, x, breaks, templates), status, solver.objective_value


def _break_symmetry(model: cp_model.CpModel, agents: Sequence[RosterAgent], used: list) -> None:
    """Agents alike in every constraint are interchangeable: use them in list order, so
    the solver does not explore each permutation."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, a in enumerate(agents):
        key = (
            a.skills, a.tier, a.min_hours, a.max_hours, a.days_off, a.max_days, a.templates,
            a.nights,
        )  # fmt: skip
        groups[key].append(i)
    for members in groups.values():
        for first, second in itertools.pairwise(members):
            model.add(used[first] >= used[second])


def _senior_cover(model, problem: RosterProblem, x: dict, templates: dict) -> list:
    """A senior on shift (any channel) wherever any channel needs someone."""
    seniors = {i for i, a in enumerate(problem.agents) if a.tier in problem.senior_tiers}
    if not seniors or not problem.senior_tiers:
        return []
    per_day, week = problem.intervals_per_day, problem.week
    covering: dict[int, list] = defaultdict(list)
    for (ai, day, tk, _channel), var in x.items():
        if ai in seniors:
            t = templates[tk]
            start = day * per_day + t.start
            for i in range(start, start + t.length):
                covering[i % week].append(var)
    short = []
    for i in range(week):
        if any(values[i] > 0 for values in problem.requirement.values()):
            missing = model.new_bool_var(f"senior_short_{i}")
            model.add(sum(covering[i]) + missing >= 1)
            short.append(missing)
    return short


def _read_shifts(problem, solver, x, breaks, templates) -> list[Shift]:
    per_day = problem.intervals_per_day
    chosen: dict[tuple[int, str, str], list[int]] = defaultdict(list)
    for (ai, day, tk, channel), var in x.items():
        if solver.boolean_value(var):
            chosen[day, tk, channel].append(ai)
    shifts = []
    for (day, tk, channel), members in sorted(chosen.items()):
        t = templates[tk]
        start = day * per_day + t.start
        # Breaks as planned; a cell left short gives its extra planned breaks to nobody.
        offsets = list(breaks.get((day, tk, channel), []))
        for i, ai in enumerate(sorted(members)):
            offset = offsets[i] if t.break_length else None
            shifts.append(
                Shift(
                    agent=problem.agents[ai].key,
                    day=day,
                    template=tk,
                    channel=channel,
                    start=start,
                    end=start + t.length,
                    break_start=None if offset is None else start + offset,
                    break_length=t.break_length if offset is not None else 0,
                )
            )
    shifts.sort(key=lambda s: (s.agent, s.day))
    return shifts


def coverage(
    problem: RosterProblem, shifts: Iterable[Shift]
) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    """(agents on duty per channel and interval, the gap where short) from the shifts."""
    week = problem.week
    scheduled = {c: [0] * week for c in problem.requirement}
    for s in shifts:
        row = scheduled.setdefault(s.channel, [0] * week)
        for i in range(s.start, s.end):
            row[i % week] += 1
        if s.break_start is not None:
            for i in range(s.break_start, s.break_start + s.break_length):
                row[i % week] -= 1
    gap = {
        c: [max(0, need - have) for need, have in zip(req, scheduled[c], strict=True)]
        for c, req in problem.requirement.items()
    }
    return scheduled, gap


def violations(problem: RosterProblem, shifts: Sequence[Shift]) -> list[str]:
    """Every hard constraint the shifts break (empty for a valid roster). Independent of
    the model, so tests can check any solver output against the rules."""
    found: list[str] = []
    agents = {a.key: a for a in problem.agents}
    templates = {t.key: t for t in problem.templates}
    per_day, week = problem.intervals_per_day, problem.week
    hours = problem.interval_hours()
    by_agent: dict[str, list[Shift]] = defaultdict(list)
    for s in shifts:
        agent, t = agents.get(s.agent), templates.get(s.template)
        if agent is None or t is None:
            found.append(f"{s.agent}: unknown agent or template {s.template}")
            continue
        by_agent[s.agent].append(s)
        where = f"{s.agent} day {s.day}"
        if s.channel not in agent.skills:
            found.append(f"{where}: not skilled for {s.channel}")
        if s.day in agent.days_off:
            found.append(f"{where}: works on a day off")
        if agent.templates is not None and s.template not in agent.templates:
            found.append(f"{where}: template {s.template} not allowed")
        if t.is_night(per_day) and _no_nights(problem, agent):
            found.append(f"{where}: tier {agent.tier or '-'} on a night shift (no nights)")
        if s.start != s.day * per_day + t.start or s.end != s.start + t.length:
            found.append(f"{where}: times do not match template {s.template}")
        if t.break_length:
            if s.break_start is None or s.break_length != t.break_length:
                found.append(f"{where}: break missing")
            elif not t.break_earliest <= s.break_start - s.start <= t.break_latest:
                found.append(f"{where}: break outside its window")
        elif s.break_start is not None:
            found.append(f"{where}: break on a shift without one")
    for key, own in by_agent.items():
        agent = agents[key]
        days = [s.day for s in own]
        if len(days) != len(set(days)):
            found.append(f"{key}: two shifts on one day")
        if len(set(days)) > agent.max_days:
            found.append(f"{key}: {len(set(days))} working days > {agent.max_days}")
        paid = sum(templates[s.template].paid() for s in own) * hours
        if not agent.min_hours - 1e-6 <= paid <= agent.max_hours + 1e-6:
            found.append(f"{key}: {paid:g} h outside {agent.min_hours:g}–{agent.max_hours:g} h")
        nights = sum(1 for s in own if templates[s.template].is_night(per_day))
        if nights > problem.max_nights:
            found.append(f"{key}: {nights} nights > {problem.max_nights}")
        ordered = sorted(own, key=lambda s: s.start)
        if ordered:  # the week repeats: Sunday's shift is followed by next Monday's
            first = ordered[0]
            ordered.append(replace(first, start=first.start + week, end=first.end + week))
        for before, after in itertools.pairwise(ordered[: len(own) + (len(own) > 1)]):
            if after.start - before.end < problem.min_rest:
                found.append(f"{key}: rest {after.start - before.end} < {problem.min_rest}")
    return found
