"""Reads for workforce planning: history per interval, the week's plan (forecast and
requirement per channel), what actually happened (through the KPI engine), the agents
to schedule, which rosters a user may see, agents' presence and schedule adherence."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np
from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.utils import timezone

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.interactions.models import Conversation
from kefu.lib.localtime import configured_tz as local_tz
from kefu.metrics import selectors as metrics_selectors
from kefu.metrics.core.kpis import STATS, finalize
from kefu.metrics.facts import refresh as refresh_facts
from kefu.metrics.models import KpiFact
from kefu.sla import selectors as sla_selectors
from kefu.workforce.choices import AVAILABLE_STATES, BuildStatus, PresenceState, SolverStatus
from kefu.workforce.core import adherence as adherence_core
from kefu.workforce.core import erlang
from kefu.workforce.core.forecast import (
    DEFAULT_WINDOW_DAYS,
    Event,
    backtest,
    forecast,
    week_start,
)
from kefu.workforce.core.prediction import ChannelParameters
from kefu.workforce.core.roster import RosterAgent
from kefu.workforce.core.roster import ShiftTemplate as CoreTemplate
from kefu.workforce.models import (
    INTERVAL_MIN,
    AgentWorkRule,
    ForecastEvent,
    PresenceChange,
    Roster,
    RosterAssignment,
    ShiftTemplate,
    StaffingParameters,
)

if TYPE_CHECKING:
    import pandas as pd

PER_DAY = 1440 // INTERVAL_MIN
WEEK = 7 * PER_DAY
BACKTEST_DAYS = 14
WAPE_WARNING = 0.5  # interval WAPE above which the page warns
SKILL_SHARE = 0.1  # a channel is a skill when ≥ 10 % of the agent's conversations


def week_bounds(week_start: date) -> tuple[datetime, datetime]:
    tz = local_tz()
    start = datetime.combine(week_start, datetime.min.time(), tzinfo=tz)
    return start, start + timedelta(days=7)


def interval_labels(week_start: date) -> list[str]:
    return [
        (
            datetime.combine(week_start, datetime.min.time()) + timedelta(minutes=INTERVAL_MIN * i)
        ).strftime("%m-%d %H:%M")
        for i in range(WEEK)
    ]


def default_week() -> date:
    """The Monday after the data end (plan the coming week), else this week's. A thin
    newest month (one `kefu simulate` run after a year of history) is passed over, as by
    the KPI pages' default period (`metrics.selectors.last_substantial_day`)."""
    end = metrics_selectors.last_substantial_day()
    if end is None:
        return week_start(timezone.localdate())
    return week_start(end) + timedelta(days=7)


def missing_parameters() -> list[str]:
    """Channels with conversations but no staffing parameters (not forecast)."""
    have = set(StaffingParameters.objects.values_list("channel", flat=True))
    used = Conversation.objects.values_list("channel", flat=True).distinct().order_by()
    return sorted(set(used) - have)


# --- settings as core inputs ---------------------------------------------------------------
def parameters() -> dict[str, ChannelParameters]:
    sla_targets = sla_selectors.channel_first_response_targets()
    return {
        p.channel: ChannelParameters(
            aht_s=p.aht_s,
            target_s=p.target_s,
            sl_target=p.sl_target,
            shrinkage=p.shrinkage,
            max_occupancy=p.max_occupancy,
            concurrency=p.concurrency,
            interval_s=INTERVAL_MIN * 60,
            sla_target_s=sla_targets.get(p.channel),
        )
        for p in StaffingParameters.objects.all()
    }


def events() -> list[Event]:
    return [Event(e.name, e.start, e.end, e.uplift, e.channel) for e in ForecastEvent.objects.all()]


def core_templates() -> list[CoreTemplate]:
    out = []
    for t in ShiftTemplate.objects.filter(active=True):
        start = (t.start.hour * 60 + t.start.minute) // INTERVAL_MIN
        out.append(
            CoreTemplate(
                key=t.key,
                start=start,
                length=round(t.length_minutes / INTERVAL_MIN),
                break_length=round(t.break_minutes / INTERVAL_MIN),
                break_earliest=round(t.break_earliest_minutes / INTERVAL_MIN),
                break_latest=round(t.break_latest_minutes / INTERVAL_MIN),
            )
        )
    return out


# --- history and the plan --------------------------------------------------------------------
def data_end(before: date) -> datetime | None:
    """The start of the newest 30-minute interval (local, naive) holding a conversation
    of any channel before the week of `before`: where the history ends."""
    end, _ = week_bounds(before)
    last = (
        Conversation.objects.filter(created_at__lt=end)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if last is None:
        return None
    local = timezone.localtime(last, local_tz()).replace(tzinfo=None)
    return local.replace(minute=local.minute - local.minute % INTERVAL_MIN, second=0, microsecond=0)


def history(
    channel: str,
    before: date,
    days: int = DEFAULT_WINDOW_DAYS,
    last: datetime | None = None,
) -> pd.Series:
    """Conversations per 30-minute interval (local time) in the `days` before `before`,
    up to where the data ends (`last`, default `data_end(before)`: the newest
    conversation of any channel): the days after it are unknown, not days without
    contacts, and must not be read as zeros."""
    import pandas as pd  # loaded on first use: ~0.2 s

    end, _ = week_bounds(before)
    start = end - timedelta(days=days)
    rows = Conversation.objects.filter(
        channel=channel, created_at__gte=start, created_at__lt=end
    ).values_list("created_at", flat=True)
    stamps = pd.DatetimeIndex(list(rows.iterator(chunk_size=20000)))
    if stamps.empty:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    last = last or data_end(before)
    if last is None:
        return pd.Series(dtype=float, index=pd.DatetimeIndex([]))
    local = stamps.tz_convert(local_tz()).tz_localize(None).floor(f"{INTERVAL_MIN}min")
    counts = local.value_counts().sort_index()
    full = pd.date_range(counts.index[0].normalize(), last, freq=f"{INTERVAL_MIN}min")
    return counts.reindex(full, fill_value=0).astype(float)


@dataclass
class ChannelPlan:
    channel: str
    history: list[float | None]  # the 3 weeks before the week (None: after the data)
    forecast: list[float]
    requirement: dict[str, list]  # erlang.required_many's keys, per interval
    uplifts: dict[str, float]
    learnt: dict[str, bool]
    trend_per_week: float
    mape_daily: float | None
    mape_interval: float | None
    wape: float | None
    # the forecast of the same 3 weeks where they lie after the data (None: history)
    gap_forecast: list[float | None] = field(default_factory=list)
    data_end: datetime | None = None  # the last interval of history
    horizon_days: float = 7.0  # from the end of the data to the end of the week
    wape_daily: float | None = None
    naive_wape: float | None = None  # seasonal naive (same weekday and interval a week earlier)
    mase: float | None = None
    noise_wape: float | None = None  # a perfect forecast's WAPE from Poisson chance alone
    beats_naive: bool | None = None

    @property
    def warnings(self) -> list[str]:
        """What a planner must know before trusting the forecast (codes; the page and
        the API word them): `naive` the back-test did not beat the seasonal-naive
        forecast; `wape` the interval error is over `WAPE_WARNING`."""
        out = []
        if self.beats_naive is False:
            out.append("naive")
        if self.wape is not None and self.wape > WAPE_WARNING:
            out.append("wape")
        return out


def week_plan(week_start: date, channels: Iterable[str] | None = None) -> dict[str, ChannelPlan]:
    """Forecast and requirement of every channel with parameters (or of `channels`
    among them), for the week. The horizon is what it is: from the end of the data to
    the end of the week (the days between are forecast too, and shown as such)."""
    import pandas as pd  # loaded on first use: ~0.2 s

    plans = {}
    all_events = events()
    start, _ = week_bounds(week_start)
    naive_start = start.replace(tzinfo=None)
    shown_start = naive_start - timedelta(weeks=3)
    shown_index = pd.date_range(shown_start, periods=3 * WEEK, freq=f"{INTERVAL_MIN}min")
    wanted = None if channels is None else set(channels)
    last = data_end(week_start)
    for channel, params in parameters().items():
        if wanted is not None and channel not in wanted:
            continue
        past = history(channel, week_start, last=last)
        known = shown_index <= pd.Timestamp(last) if last is not None else shown_index < shown_start
        gap = np.full(len(shown_index), np.nan)
        # One fit for the shown gap after the data and the week (contiguous): the model
        # forecasts each day from its date, however far from the data it lies.
        ahead = forecast(
            past,
            shown_index[~known][0].to_pydatetime() if not known.all() else naive_start,
            int((~known).sum()) + WEEK,
            events=all_events,
            channel=channel,
        )
        gap[~known] = ahead.values[: int((~known).sum())]
        result = replace(ahead, index=ahead.index[-WEEK:], values=ahead.values[-WEEK:])
        test = backtest(past, holdout_days=BACKTEST_DAYS, events=all_events, channel=channel)
        need = erlang.required_many(
            result.values,
            interval_s=params.interval_s,
            aht_s=params.aht_s,
            target_s=params.target_s,
            sl_target=params.sl_target,
            shrinkage=params.shrinkage,
            max_occupancy=params.max_occupancy,
            concurrency=params.concurrency,
        )
        shown = past.reindex(shown_index, fill_value=0)
        plans[channel] = ChannelPlan(
            channel=channel,
            history=[float(v) if k else None for v, k in zip(shown, known, strict=True)],
            forecast=[round(float(v), 3) for v in result.values],
            requirement={k: np.asarray(v).tolist() for k, v in need.items()},
            uplifts=result.uplifts,
            learnt=result.learnt,
            trend_per_week=result.trend_per_week,
            mape_daily=test.mape_daily if test else None,
            mape_interval=test.mape_interval if test else None,
            wape=test.wape if test else None,
            gap_forecast=[None if np.isnan(v) else round(float(v), 3) for v in gap],
            data_end=last,
            horizon_days=(
                (naive_start + timedelta(days=7) - last - timedelta(minutes=INTERVAL_MIN))
                / timedelta(days=1)
                if last is not None
                else 7.0
            ),
            wape_daily=test.wape_daily if test else None,
            naive_wape=test.naive_wape if test else None,
            mase=test.mase if test else None,
            noise_wape=test.noise_wape if test else None,
            beats_naive=test.beats_naive if test else None,
        )
    return plans


ACTUAL = ("conversations", "frt_over_30s_rate", "frt_over_target_rate")


def actual(week_start: date) -> dict[str, dict]:
    """What happened per channel and interval: conversations and the shares of first
    responses over 30 s and over their SLA target, from the KPI facts through the KPI
    definitions; under "week" the same figures of the whole week (its summed statistics
    through the same definitions)."""
    refresh_facts()
    start, end = week_bounds(week_start)
    rows = KpiFact.objects.filter(
        day__gte=week_start,
        day__lt=week_start + timedelta(days=7),
        conversation__created_at__gte=start,
        conversation__created_at__lt=end,
    ).values_list("channel", "conversation__created_at", *STATS)
    sums: dict[tuple[str, int], Counter] = defaultdict(Counter)
    tz = local_tz()
    for channel, created, *values in rows.iterator(chunk_size=20000):
        local = created.astimezone(tz)
        index = (local.date() - week_start).days * PER_DAY + (
            local.hour * 60 + local.minute
        ) // INTERVAL_MIN
        sums[channel, index].update(dict(zip(STATS, values, strict=True)))
    out: dict[str, dict] = {}
    weeks: dict[str, Counter] = defaultdict(Counter)
    for (channel, index), stats in sums.items():
        series = out.setdefault(
            channel, {key: [0 if key == "conversations" else None] * WEEK for key in ACTUAL}
        )
        figures = finalize({k: stats.get(k, 0) for k in STATS}, {})
        for key in ACTUAL:
            series[key][index] = figures[key]
        weeks[channel].update(stats)
    for channel, stats in weeks.items():
        figures = finalize({k: stats.get(k, 0) for k in STATS}, {})
        out[channel]["week"] = {key: figures[key] for key in ACTUAL}
    return out


# --- agents -------------------------------------------------------------------------------
def skills_until(before: date | None = None) -> datetime:
    """Where the history that skills are learnt from ends: the start of the planned week
    (`before`), or earlier where the data end (passing over a thin newest month, so a short
    test run does not become everyone's history)."""
    end = metrics_selectors.last_substantial_day()
    days = [d for d in (before, end + timedelta(days=1) if end else None) if d is not None]
    until = min(days) if days else timezone.localdate() + timedelta(days=1)
    return datetime.combine(until, datetime.min.time(), tzinfo=local_tz())


def learnt_skills(
    days: int = 90, agent_ids: list[int] | None = None, before: date | None = None
) -> dict[int, set[str]]:
    """Agent id → the channels that make ≥ SKILL_SHARE of the agent's conversations in
    the `days` days of data before `skills_until(before)` (the skills of an agent whose
    rule names none)."""
    until = skills_until(before)
    since = until - timedelta(days=days)
    mix: dict[int, Counter] = defaultdict(Counter)
    rows = Conversation.objects.filter(
        created_at__gte=since, created_at__lt=until, agent__isnull=False
    )
    if agent_ids is not None:
        rows = rows.filter(agent_id__in=agent_ids)
    rows = rows.values("agent_id", "channel").annotate(n=Count("pk")).order_by()
    for row in rows:
        mix[row["agent_id"]][row["channel"]] = row["n"]
    out = {}
    for agent_id, counts in mix.items():
        total = sum(counts.values())
        out[agent_id] = {c for c, n in counts.items() if total and n / total >= SKILL_SHARE}
    return out


def roster_agents(
    days: int = 90, before: date | None = None
) -> tuple[list[RosterAgent], dict[str, Agent]]:
    """The agents to schedule (core form) for the week starting `before`, and the Agent
    behind each key."""
    channels = set(parameters())
    learnt = learnt_skills(days, before=before)
    out, by_key = [], {}
    for agent in Agent.objects.select_related("team", "work_rule").order_by("external_id"):
        rule = getattr(agent, "work_rule", None)
        if rule is not None and not rule.schedulable:
            continue
        skills = (
            set(rule.skills) if rule is not None and rule.skills else learnt.get(agent.pk, set())
        )
        skills &= channels
        if not skills:
            continue
        key = agent.external_id
        out.append(
            RosterAgent(
                key=key,
                skills=frozenset(skills),
                tier=agent.tier,
                min_hours=rule.min_hours if rule else AgentWorkRule.DEFAULT_MIN_HOURS,
                max_hours=rule.max_hours if rule else AgentWorkRule.DEFAULT_MAX_HOURS,
                days_off=frozenset(rule.days_off) if rule else frozenset(),
                max_days=rule.max_days if rule else AgentWorkRule.DEFAULT_MAX_DAYS,
                templates=frozenset(rule.templates) if rule and rule.templates else None,
                nights=rule.nights if rule else True,
            )
        )
        by_key[key] = agent
    return out, by_key


def agents_with_rules(team_id: int | None = None) -> QuerySet[Agent]:
    """Every agent with their rule (None: the defaults), for the rules page."""
    qs = Agent.objects.select_related("team", "work_rule").order_by("team__name", "external_id")
    return qs if team_id is None else qs.filter(team_id=team_id)


# --- visibility ---------------------------------------------------------------------------
# The rules are registered with kefu.accounts.access (kefu/workforce/apps.py).
may_manage = access.manages_workforce


def rosters_visible_to(user) -> QuerySet[Roster]:
    """Planners see every roster; supervisors too (their teams' part of it)."""
    return access.restrict(Roster.objects.all(), user)


def assignments_visible_to(user, roster: Roster) -> QuerySet[RosterAssignment]:
    qs = roster.assignments.select_related("agent", "agent__team").order_by(
        "agent__team__name", "agent__external_id", "day"
    )
    return access.restrict(qs, user)


def own_shifts(user, weeks: int = 8) -> QuerySet[RosterAssignment]:
    """An agent's shifts in the newest roster of each of the latest `weeks` weeks that
    have one (the demo's year lies in the past, so not relative to today)."""
    agent_id = access.own_agent_id(user)
    if agent_id is None:
        return RosterAssignment.objects.none()
    newest: dict[date, int] = {}
    for pk, week in Roster.objects.values_list("pk", "week_start"):  # newest first
        if week not in newest and len(newest) < weeks:
            newest[week] = pk
    return (
        RosterAssignment.objects.filter(roster_id__in=newest.values(), agent_id=agent_id)
        .select_related("agent")
        .order_by("start")
    )


def own_agent_id_of(user) -> int | None:
    return access.own_agent_id(user)


# --- presence -----------------------------------------------------------------------------
# The access action on Agent (registered in apps.py): whose presence a user sees and may
# set — planners every agent's, supervisors their teams', an agent their own.
PRESENCE = "presence"


def presence_agents(user) -> QuerySet[Agent]:
    """The agents whose presence the user sees, with their presence row (none: offline)."""
    return (
        access.restrict(Agent.objects.all(), user, PRESENCE)
        .select_related("team", "presence")
        .order_by("team__name", "external_id")
    )


def state_of(agent: Agent) -> tuple[str, datetime | None]:
    """(state, since) of an agent loaded with `presence`; no row: offline, since never."""
    row = getattr(agent, "presence", None)
    return (row.state, row.since) if row is not None else (PresenceState.OFFLINE.value, None)


def own_presence_agent(user) -> Agent | None:
    agent_id = access.own_agent_id(user)
    if agent_id is None:
        return None
    return Agent.objects.select_related("team", "presence").filter(pk=agent_id).first()


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=local_tz())
    return start, start + timedelta(days=1)


def presence_history(user, agent_id: int, day: date) -> QuerySet[PresenceChange]:
    """One agent's changes on a local day, as the user may see them (an agent: only
    their own; a supervisor: their teams'; planners: everyone's)."""
    start, end = day_bounds(day)
    return (
        access.restrict(PresenceChange.objects.all(), user)
        .filter(agent_id=agent_id, at__gte=start, at__lt=end)
        .select_related("by")
        .order_by("at", "pk")
    )


# --- schedule adherence -------------------------------------------------------------------
def adherence_roster(week: date) -> Roster | None:
    """The newest finished roster (with a result) of the week: the schedule adherence
    is measured against."""
    return (
        Roster.objects.filter(
            week_start=week,
            status=BuildStatus.DONE,
            solver_status__in=(SolverStatus.OPTIMAL, SolverStatus.FEASIBLE),
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def may_view_adherence(user) -> bool:
    """Planners (every agent) and supervisors (their teams)."""
    return access.manages_workforce(user) or bool(access.supervised_team_ids(user))


@dataclass
class AdherenceRow:
    agent: Agent
    day: date
    figure: adherence_core.DayAdherence

    @property
    def value(self) -> float | None:
        return self.figure.value

    @property
    def percent(self) -> float | None:
        return None if self.figure.value is None else 100 * self.figure.value

    @property
    def scheduled_h(self) -> float:
        return self.figure.scheduled_s / 3600

    @property
    def available_h(self) -> float:
        return self.figure.available_s / 3600


def adherence_rows(
    assignments: QuerySet[RosterAssignment], until: datetime | None = None
) -> list[AdherenceRow]:
    """Per agent and day with a shift among `assignments` (already scoped and filtered):
    the adherence from the agent's presence history (kefu.workforce.core.adherence)."""
    until = until or timezone.now()
    shifts: dict[int, list[adherence_core.Shift]] = defaultdict(list)
    agents: dict[int, Agent] = {}
    first = last = None
    for a in assignments.select_related("agent", "agent__team"):
        agents[a.agent_id] = a.agent
        shifts[a.agent_id].append(
            adherence_core.Shift(a.day, a.start, a.end, a.break_start, a.break_end)
        )
        first = a.start if first is None else min(first, a.start)
        last = a.end if last is None else max(last, a.end)
    if not agents or first is None or last is None:
        return []
    changes: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    rows = PresenceChange.objects.filter(agent_id__in=agents, at__gte=first, at__lt=last)
    for agent_id, at, state in rows.values_list("agent_id", "at", "state").order_by("at", "pk"):
        changes[agent_id].append((at, state))
    # the state each agent was in when the period began (its last change before)
    latest = PresenceChange.objects.filter(agent_id=OuterRef("pk"), at__lt=first).order_by(
        "-at", "-pk"
    )
    states = Agent.objects.filter(pk__in=agents).annotate(
        before=Subquery(latest.values("state")[:1])
    )
    for agent_id, before in states.values_list("pk", "before"):
        if before is not None:
            changes[agent_id].insert(0, (first, before))
    out = []
    for agent_id, agent_shifts in shifts.items():
        for figure in adherence_core.adherence(
            agent_shifts, changes[agent_id], until=until, available=AVAILABLE_STATES
        ):
            out.append(AdherenceRow(agents[agent_id], figure.day, figure))
    out.sort(key=lambda r: (r.agent.team.name if r.agent.team else "", r.agent.external_id, r.day))
    return out
