"""The workforce part of `kefu demo` (after the conversations and log-ins): rosters for
the last four full weeks of the demo's data — the shifts each agent worked, chosen to
cover when they answered conversations (`core.demo_history`) — and every agent's
presence history over them, so schedule adherence (`/workforce/adherence/`) has figures
on the demo; the page opens on the newest of these weeks.

The rosters are finished rosters like the solver's (status done), marked
`plan["source"] = "demo"` (their page says so instead of the solver's outcome), with the
week's forecast, requirement, coverage and predicted service computed as a build does.
Deterministic (the seed), idempotent (nothing happens when the demo's rosters exist),
written with bulk inserts (about a second on the default demo)."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from kefu.accounts.models import Agent
from kefu.bulk import fast_bulk_insert
from kefu.interactions.models import Conversation, Message
from kefu.workforce import selectors
from kefu.workforce.choices import DEMO_ROSTER, BuildStatus, SolverStatus
from kefu.workforce.core import demo_history, prediction
from kefu.workforce.core.adherence import pooled
from kefu.workforce.core.forecast import week_start
from kefu.workforce.core.roster import RosterProblem, Shift, coverage
from kefu.workforce.models import AgentPresence, PresenceChange, Roster, RosterAssignment

WEEKS = 4
SOURCE = DEMO_ROSTER


def demo_weeks(weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last `weeks` full weeks of the data, oldest first."""
    last = Conversation.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is None:
        return []
    end = timezone.localtime(last, selectors.local_tz()).date()
    monday = week_start(end) - timedelta(days=0 if end.weekday() == 6 else 7)
    return [monday - timedelta(weeks=i) for i in reversed(range(weeks))]


def seed_demo(seed: int, weeks: int = WEEKS, planner_username: str = "manager") -> dict[str, Any]:
    """Rosters and presence history of the demo's last `weeks` full weeks (see the
    module). Returns what was written and the pooled adherence."""
    if Roster.objects.filter(plan__source=SOURCE).exists():
        return {"rosters": 0}
    mondays = demo_weeks(weeks)
    templates = selectors.core_templates()
    if not mondays or not templates:
        return {"rosters": 0}
    per_day = selectors.PER_DAY
    period_start, _ = selectors.week_bounds(mondays[0])
    _, period_end = selectors.week_bounds(mondays[-1])
    period_end += timedelta(days=1)  # a Sunday night shift ends on Monday
    answers, by_channel = _answers(period_start, period_end)
    rng = random.Random(seed * 7919 + 11)
    agents = list(Agent.objects.order_by("pk").values_list("pk", "tier", "hired_on"))
    # each agent's shifts serve one channel, drawn by their share of answers on each (so
    # the roster's channels follow the contacts'); no answers: chat
    channel = {}
    for pk, counts in sorted(by_channel.items()):
        names = sorted(counts)
        channel[pk] = rng.choices(names, weights=[counts[n] for n in names])[0]
    punctuality = {pk: min(3.0, max(0.3, rng.lognormvariate(0, 0.45))) for pk, _t, _h in agents}
    candidates = {
        nights: demo_history.candidate_weeks(templates, nights=nights, per_day=per_day)
        for nights in (True, False)
    }
    spans = {pk: demo_history.answering_spans(times) for pk, times in answers.items()}
    planner = get_user_model().objects.filter(username=planner_username).first()
    now = timezone.now()
    weeks_shifts: list[tuple[date, list[Shift]]] = []
    for monday in mondays:
        start, _ = selectors.week_bounds(monday)
        shifts: list[Shift] = []
        for pk, tier, hired_on in agents:
            if hired_on is not None and hired_on > monday:
                continue
            profile = demo_history.activity_profile(spans.get(pk, ()), start, per_day)
            nights = tier not in demo_history.NO_NIGHT_TIERS
            shifts += demo_history.plan_week(
                str(pk), channel.get(pk, "chat"), profile, candidates[nights], rng, per_day
            )
        weeks_shifts.append((monday, shifts))
    worked: dict[int, list[demo_history.WorkedShift]] = defaultdict(list)
    changes: list[dict[str, Any]] = []
    with transaction.atomic():
        for monday, shifts in weeks_shifts:
            roster = Roster.objects.create(
                week_start=monday, created_by=planner, status=BuildStatus.DONE,
                solver_status=SolverStatus.FEASIBLE, started_at=now, finished_at=now,
                agents_used=len({s.agent for s in shifts}),
                plan={"source": SOURCE, **_plan(monday, shifts, templates)},
            )  # fmt: skip
            rows = [_assignment(roster.pk, monday, s) for s in shifts]
            fast_bulk_insert(RosterAssignment, rows)
            for row in rows:
                worked[row["agent_id"]].append(
                    demo_history.WorkedShift(
                        row["start"], row["end"], row["break_start"], row["break_end"]
                    )
                )
        states = []
        for pk, _tier, _hired in agents:
            history = demo_history.presence(
                worked.get(pk, []), spans.get(pk, []), rng, punctuality[pk]
            )
            changes += [{"agent_id": pk, "state": s, "at": at, "by_id": None} for at, s in history]
            if history:
                (since, state) = history[-1]
                states.append(AgentPresence(agent_id=pk, state=state, since=since))
        fast_bulk_insert(PresenceChange, changes)
        AgentPresence.objects.bulk_create(states, ignore_conflicts=True)
    figures = selectors.adherence_rows(
        RosterAssignment.objects.filter(roster__plan__source=SOURCE), until=now
    )
    return {
        "rosters": len(mondays),
        "weeks": [str(m) for m in mondays],
        "shifts": sum(len(s) for _m, s in weeks_shifts),
        "changes": len(changes),
        "adherence": pooled(r.figure for r in figures),
    }


def _answers(
    start: datetime, end: datetime
) -> tuple[dict[int, list[datetime]], dict[int, Counter]]:
    """When each agent answered (their messages) in [start, end), and their answers per
    channel."""
    rows = Message.objects.filter(
        role="agent",
        agent__isnull=False,
        at__gte=start,
        at__lt=end,
        conversation__created_at__gte=start - timedelta(days=7),
        conversation__created_at__lt=end,
    ).values_list("agent_id", "at", "conversation__channel")
    times: dict[int, list[datetime]] = defaultdict(list)
    channels: dict[int, Counter] = defaultdict(Counter)
    for agent_id, at, channel in rows:
        times[agent_id].append(at)
        channels[agent_id][channel] += 1
    return times, channels


def _assignment(roster_id: int, monday: date, s: Shift) -> dict[str, Any]:
    start, _ = selectors.week_bounds(monday)
    step = timedelta(minutes=selectors.INTERVAL_MIN)
    brk = s.break_start is not None
    return {
        "roster_id": roster_id,
        "agent_id": int(s.agent),
        "day": monday + timedelta(days=s.day),
        "template": s.template,
        "channel": s.channel,
        "start": start + s.start * step,
        "end": start + s.end * step,
        "break_start": start + s.break_start * step if brk else None,
        "break_end": start + (s.break_start + s.break_length) * step if brk else None,
    }


def _plan(monday: date, shifts: list[Shift], templates) -> dict[str, Any]:
    """The week's forecast, requirement, coverage and predicted service per channel, as
    a build stores them (`building._build`)."""
    plans = selectors.week_plan(monday)
    params = selectors.parameters()
    problem = RosterProblem(
        requirement={c: p.requirement["positions"] for c, p in plans.items()},
        agents=[],
        templates=templates,
        intervals_per_day=selectors.PER_DAY,
    )
    scheduled, gap = coverage(problem, shifts)
    channels = {}
    for c, plan in plans.items():
        channels[c] = {
            "forecast": plan.forecast,
            "requirement": plan.requirement["positions"],
            "raw": plan.requirement["raw_positions"],
            "scheduled": scheduled[c],
            "gap": gap[c],
            "predicted": prediction.predict(scheduled[c], plan.forecast, params[c]),
            "parameters": asdict(params[c]),
        }
    return {
        "channels": channels,
        "short_intervals": sum(1 for values in gap.values() for v in values if v > 0),
        "stages": {},
    }
