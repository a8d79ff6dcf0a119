"""The demo's worked weeks: which shift each agent worked, and their presence, built from
when they handled conversations (pure: no Django).

The demo's conversations are spread over the whole day; a roster is a week of shifts.
For each agent and week, `plan_week` picks the week (two days off, the shift template of
each working day, the break) that covers most of the time the agent spent answering
that week, among weeks that keep the roster's hard rules (`core.roster.violations`: one
shift a day, at most 5 days, ≥ 11 h rest — across the week's wrap too —, at most 3
night shifts, none for new hires, the break inside its window). Each working day is one
template; a week with night shifts works them on consecutive days, then rests two days.

`presence` then writes the day the agent really had: logged in a few minutes before the
shift (sometimes late), away for the break (sometimes back late), now and then away for
a while or busy, logged off at the end (sometimes early, sometimes late), now and then
absent. How often depends on the agent's `punctuality` (1 average, 2 twice as often
late). Whenever the agent was answering a conversation they are online, whatever the
plan said (an answer outside the shift is overtime): the history never contradicts the
conversations. All draws come from the caller's seeded `random.Random`.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.workforce.core.roster import Shift, ShiftTemplate

DAYS = 7
WORK_DAYS = 5
MIN_REST = 22  # intervals (11 h)
MAX_NIGHTS = 3
NO_NIGHT_TIERS = frozenset({"new"})
ONLINE, BUSY, AWAY, OFFLINE = "online", "busy", "away", "offline"
AVAILABLE = frozenset({ONLINE, BUSY})
# An answer keeps the agent online from a little before it to a little after it; answers
# closer than this are one stretch of work.
ANSWER_BEFORE = timedelta(minutes=2)
ANSWER_AFTER = timedelta(minutes=1)
ANSWER_GAP = timedelta(minutes=10)

Span = tuple[datetime, datetime]


@dataclass(frozen=True)
class Habits:
    """How often an average agent departs from the plan (per shift) and by how much
    (minutes, drawn uniformly). `punctuality` scales the chances."""

    late_login: float = 0.16  # logs in after the start
    late_login_min: tuple[float, float] = (2, 35)
    early_login_min: tuple[float, float] = (1, 10)  # otherwise: before the start
    break_leave_min: tuple[float, float] = (-3, 4)  # leaves for the break (from its start)
    late_back: float = 0.18  # back from the break late
    late_back_min: tuple[float, float] = (4, 18)
    back_min: tuple[float, float] = (-4, 1)  # otherwise: back (from the break's end)
    away: float = 0.25  # away for a while during the shift (a meeting, a coaching talk)
    away_min: tuple[float, float] = (8, 25)
    busy: float = 0.35  # a stretch of "busy" (available: handling what they have)
    busy_min: tuple[float, float] = (15, 60)
    early_leave: float = 0.08  # logs off before the end
    early_leave_min: tuple[float, float] = (10, 50)
    overtime: float = 0.10  # stays on after the end
    overtime_min: tuple[float, float] = (10, 45)
    logoff_min: tuple[float, float] = (0, 8)  # otherwise: logs off (after the end)
    absent: float = 0.012  # never logs in


def night_templates(templates: Iterable[ShiftTemplate], per_day: int) -> frozenset[str]:
    return frozenset(t.key for t in templates if t.is_night(per_day))


def _rest_ok(
    before: tuple[int, ShiftTemplate], after: tuple[int, ShiftTemplate], per_day: int
) -> bool:
    (d1, t1), (d2, t2) = before, after
    return d2 * per_day + t2.start - (d1 * per_day + t1.start + t1.length) >= MIN_REST


def candidate_weeks(
    templates: Sequence[ShiftTemplate], *, nights: bool, per_day: int = 48
) -> list[tuple[ShiftTemplate | None, ...]]:
    """Every week the rules allow, as a template (or None: day off) per weekday: one
    day template all week with two days off anywhere; and, when `nights`, up to three
    consecutive night shifts followed by two days off and day shifts on the other days."""
    night_keys = night_templates(templates, per_day)
    days = [t for t in templates if t.key not in night_keys]
    nighttime = [t for t in templates if t.key in night_keys]
    weeks: list[tuple[ShiftTemplate | None, ...]] = []
    for t in days:
        for off in itertools.combinations(range(DAYS), DAYS - WORK_DAYS):
            weeks.append(tuple(None if d in off else t for d in range(DAYS)))
    if nights:
        for n, day, first in itertools.product(nighttime, days, range(DAYS)):
            week: list[ShiftTemplate | None] = [day] * DAYS
            for i in range(MAX_NIGHTS):
                week[(first + i) % DAYS] = n
            for i in range(DAYS - WORK_DAYS):
                week[(first + MAX_NIGHTS + i) % DAYS] = None
            weeks.append(tuple(week))
    return [w for w in weeks if _valid(w, per_day)]


def _valid(week: Sequence[ShiftTemplate | None], per_day: int) -> bool:
    worked = [(d, t) for d, t in enumerate(week) if t is not None]
    ordered = [*worked, (worked[0][0] + DAYS, worked[0][1])]  # the week repeats
    return all(_rest_ok(a, b, per_day) for a, b in itertools.pairwise(ordered))


def activity_profile(spans: Iterable[Span], week_start: datetime, per_day: int = 48) -> list[float]:
    """Seconds of answering per interval of the week (and the first day after it, for
    shifts running past Sunday midnight)."""
    step = timedelta(days=1) / per_day
    out = [0.0] * ((DAYS + 1) * per_day)
    for start, end in spans:
        i = max(0, int((start - week_start) / step))
        while i < len(out):
            a = week_start + i * step
            b = a + step
            if a >= end:
                break
            overlap = (min(b, end) - max(a, start)).total_seconds()
            if overlap > 0:
                out[i] += overlap
            i += 1
    return out


def plan_week(
    agent: str,
    channel: str,
    profile: Sequence[float],
    weeks: Sequence[tuple[ShiftTemplate | None, ...]],
    rng: random.Random,
    per_day: int = 48,
) -> list[Shift]:
    """The candidate week covering most answering time (ties: drawn), as core shifts of
    `channel`, with each break where the agent answered least."""
    prefix = list(itertools.accumulate(profile, initial=0.0))

    def covered(start: int, length: int) -> float:
        end = min(start + length, len(profile))
        return prefix[end] - prefix[min(start, end)]

    if prefix[-1] <= 0:  # no answer this week: any week will do
        best = weeks[rng.randrange(len(weeks))]
    else:
        templates = {t.key: t for w in weeks for t in w if t is not None}
        cover = {
            (day, key): covered(day * per_day + t.start, t.length)
            for day in range(DAYS)
            for key, t in templates.items()
        }
        best = max(
            weeks,
            key=lambda w: (sum(cover[d, t.key] for d, t in enumerate(w) if t), rng.random()),
        )
    shifts = []
    for day, t in enumerate(best):
        if t is None:
            continue
        start = day * per_day + t.start
        break_start = None
        if t.break_length:
            offsets = t.break_offsets()
            quiet = min(offsets, key=lambda o: (covered(start + o, t.break_length), rng.random()))
            break_start = start + quiet
        shifts.append(
            Shift(agent, day, t.key, channel, start, start + t.length, break_start, t.break_length)
        )
    return shifts


def answering_spans(times: Iterable[datetime]) -> list[Span]:
    """When an agent was answering: around each of their messages, close ones joined."""
    spans: list[Span] = []
    for at in sorted(times):
        start, end = at - ANSWER_BEFORE, at + ANSWER_AFTER
        if spans and start - spans[-1][1] <= ANSWER_GAP:
            spans[-1] = (spans[-1][0], max(spans[-1][1], end))
        else:
            spans.append((start, end))
    return spans


@dataclass(frozen=True)
class WorkedShift:
    start: datetime
    end: datetime
    break_start: datetime | None
    break_end: datetime | None


def _minutes(rng: random.Random, bounds: tuple[float, float]) -> timedelta:
    return timedelta(minutes=rng.uniform(*bounds))


def _anywhere(rng: random.Random, room: timedelta) -> timedelta:
    return timedelta(seconds=rng.uniform(0, max(0.0, room.total_seconds())))


def shift_states(
    shift: WorkedShift, rng: random.Random, punctuality: float, habits: Habits
) -> list[tuple[datetime, datetime, str]]:
    """The agent's states from logging in to logging off for one shift (non-overlapping,
    in order); empty when absent."""

    def chance(p: float) -> bool:
        return rng.random() < min(1.0, p * punctuality)

    if chance(habits.absent):
        return []
    if chance(habits.late_login):
        login = shift.start + _minutes(rng, habits.late_login_min)
    else:
        login = shift.start - _minutes(rng, habits.early_login_min)
    if chance(habits.early_leave):
        logoff = shift.end - _minutes(rng, habits.early_leave_min)
    elif chance(habits.overtime):
        logoff = shift.end + _minutes(rng, habits.overtime_min)
    else:
        logoff = shift.end + _minutes(rng, habits.logoff_min)
    if logoff <= login:
        return []
    # away stretches: the break (it may start a little early or late), and now and then
    # another while
    aways: list[Span] = []
    if shift.break_start is not None and shift.break_end is not None:
        leave = shift.break_start + _minutes(rng, habits.break_leave_min)
        late = chance(habits.late_back)
        back = shift.break_end + _minutes(rng, habits.late_back_min if late else habits.back_min)
        aways.append((leave, back))
    if chance(habits.away):
        length = _minutes(rng, habits.away_min)
        at = login + _anywhere(rng, logoff - login - length)
        aways.append((at, at + length))
    busy: list[Span] = []
    if rng.random() < habits.busy:
        length = _minutes(rng, habits.busy_min)
        at = login + _anywhere(rng, logoff - login - length)
        busy.append((at, at + length))
    # the states between logging in and off: away beats busy beats online
    cuts = sorted({login, logoff, *(p for s in aways + busy for p in s if login < p < logoff)})
    out: list[tuple[datetime, datetime, str]] = []
    for a, b in itertools.pairwise(cuts):
        if any(s <= a < e for s, e in aways):
            state = AWAY
        elif any(s <= a < e for s, e in busy):
            state = BUSY
        else:
            state = ONLINE
        if out and out[-1][2] == state:
            out[-1] = (out[-1][0], b, state)
        else:
            out.append((a, b, state))
    return out


def presence(
    shifts: Sequence[WorkedShift],
    answering: Sequence[Span],
    rng: random.Random,
    punctuality: float = 1.0,
    habits: Habits | None = None,
) -> list[tuple[datetime, str]]:
    """One agent's presence changes (time, state) over their shifts, oldest first: the
    states of each shift (`shift_states`), offline between them, and online whenever
    they were answering and not otherwise available. Ends offline."""
    habits = habits or Habits()
    planned: list[tuple[datetime, datetime, str]] = []
    for shift in sorted(shifts, key=lambda s: s.start):
        for a, b, state in shift_states(shift, rng, punctuality, habits):
            if planned and a < planned[-1][1]:  # never overlap the shift before
                a = planned[-1][1]
            if b > a:
                planned.append((a, b, state))
    cuts = sorted({p for a, b, _s in planned for p in (a, b)} | {p for s in answering for p in s})
    changes: list[tuple[datetime, str]] = []
    i = j = 0
    for a, _b in itertools.pairwise(cuts):
        while i < len(planned) and planned[i][1] <= a:
            i += 1
        while j < len(answering) and answering[j][1] <= a:
            j += 1
        state = (
            planned[i][2] if i < len(planned) and planned[i][0] <= a < planned[i][1] else OFFLINE
        )
        if state not in AVAILABLE and j < len(answering) and answering[j][0] <= a:
            state = ONLINE  # answering: online whatever the plan said
        if not changes or changes[-1][1] != state:
            if not changes and state == OFFLINE:
                continue
            changes.append((a, state))
    if changes and changes[-1][1] != OFFLINE:
        changes.append((cuts[-1], OFFLINE))
    return changes
