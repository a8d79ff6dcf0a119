"""REST API v1 for workforce planning: /api/v1/wfm/…

- `POST /wfm/erlang`: agents required for one interval, as `kefu wfm erlang`.
- `GET /wfm/forecast?channel=&week=`: the week's forecast and requirement per interval.
- `GET /wfm/rosters/{id}`: a roster's shifts and, per channel and interval, requirement,
  scheduled agents, gap and predicted service.
- `GET /wfm/adherence?week=&team=&agent=`: schedule adherence per agent and day.
- `GET|PUT /presence/me`, `GET /presence`: agents' presence (routing reads `online`).

Planning (Erlang, forecast, a roster's figures) is for the workforce permission
(managers, admins; otherwise 403). Rosters are read like the roster page: supervisors
get their teams' rows and no planning figures; anybody else 404. Errors are
`{"detail": …}`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from pydantic import ValidationInfo, field_validator

from kefu.interactions.choices import Channel
from kefu.lib.schemas import Day, ErrorOut, RowId, Text
from kefu.workforce import actions, selectors
from kefu.workforce.choices import PresenceState
from kefu.workforce.core import erlang
from kefu.workforce.core.adherence import pooled
from kefu.workforce.core.forecast import week_start
from kefu.workforce.filtersets import AdherenceFilterSet, assignments_visible_to
from kefu.workforce.filtersets import default_week as default_adherence_week

router = Router(tags=["workforce"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def _planner(request: HttpRequest) -> None:
    if not selectors.may_manage(request.user):
        raise HttpError(403, _("workforce planning needs the workforce permission"))


# --- Erlang C ----------------------------------------------------------------------------
# One request walks the agent count up from 1 to the traffic (Erlangs): bounded, so a
# request cannot keep a worker busy for minutes.
MAX_ERLANGS = 10_000
DAY_S = 86_400.0


class WfmErlangIn(Schema):
    calls: float = Field(..., ge=0, le=1_000_000, description="contacts in the interval")
    interval: float = Field(1800, gt=0, le=DAY_S, description="interval length, s")
    aht: float = Field(..., gt=0, le=DAY_S, description="average handle time, s")
    asa: float = Field(
        ...,
        ge=0,
        le=DAY_S,
        description="answer-time target of the service level, s (the 20 of 80/20)",
    )
    sl: float = Field(..., gt=0, lt=1, description="service-level target, 0–1")
    shrinkage: float = Field(0.0, ge=0, le=0.99, description="0–0.99")
    occupancy: float = Field(1.0, ge=0.01, le=1, description="occupancy cap, 0.01–1")
    concurrency: int = Field(1, ge=1, le=100, description="contacts an agent works at once")
    max_asa: float | None = Field(None, gt=0, le=DAY_S, description="cap on the mean wait, s")

    @field_validator("aht")
    @classmethod
    def _bounded_traffic(cls, value: float, info: ValidationInfo) -> float:
        calls, interval = info.data.get("calls"), info.data.get("interval")
        if calls is not None and interval and calls / interval * value > MAX_ERLANGS:
            raise ValueError(
                _("calls × aht / interval must be at most %(max)s Erlangs") % {"max": MAX_ERLANGS}
            )
        return value


class WfmErlangOut(Schema):
    raw_positions: int = Field(..., description="agents needed while available")
    positions: int = Field(..., description="agents to schedule (after shrinkage)")
    service_level: float
    waiting_probability: float
    asa_s: float
    occupancy: float


@router.post(
    "/wfm/erlang",
    response={200: WfmErlangOut, **ERRORS},
    summary="Agents required for one interval (Erlang C)",
    description="The same inputs and answer as `kefu wfm erlang` (docs/workforce.md).",
)
def erlang_required(request: HttpRequest, body: WfmErlangIn) -> Any:
    _planner(request)
    try:
        result = erlang.required(
            body.calls,
            interval_s=body.interval,
            aht_s=body.aht,
            target_s=body.asa,
            sl_target=body.sl,
            shrinkage=body.shrinkage,
            max_occupancy=body.occupancy,
            concurrency=body.concurrency,
            max_asa_s=body.max_asa,
        )
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return {k: getattr(result, k) for k in erlang.ANSWER_KEYS}


# --- forecast ----------------------------------------------------------------------------
class WfmForecastQuery(Schema):
    channel: str | None = Field(None, description="one channel (default: every channel)")
    week: Day | None = Field(
        None, description="a day of the week (its Monday is used; default: the coming week)"
    )


class WfmForecastInterval(Schema):
    start: datetime
    forecast: float = Field(..., description="expected contacts")
    required: int = Field(..., description="agents to schedule (after shrinkage)")
    required_available: int = Field(..., description="agents needed while available")


class WfmChannelForecast(Schema):
    channel: str
    parameters: dict[str, float]
    contacts: float
    peak_required: int
    agent_hours: float
    trend_per_week: float
    uplifts: dict[str, float]
    mape_daily: float | None
    mape_interval: float | None
    wape: float | None
    wape_daily: float | None = Field(None, description="back-test WAPE on daily totals")
    naive_wape: float | None = Field(
        None,
        description="back-test WAPE of the seasonal-naive forecast (same weekday and "
        "interval a week earlier) over the same days",
    )
    mase: float | None = Field(
        None, description="our mean absolute error over the naive's in-sample one (< 1: better)"
    )
    noise_wape: float | None = Field(
        None, description="the WAPE a perfect forecast would have from Poisson chance alone"
    )
    beats_naive: bool | None = Field(None, description="WAPE below the naive's")
    warnings: list[str] = Field(
        default_factory=list,
        description="`naive`: the back-test did not beat the naive forecast; `wape`: "
        "interval WAPE over 50 %",
    )
    data_end: datetime | None = Field(None, description="the last interval of history (local)")
    horizon_days: float = Field(7.0, description="days from the end of the data to the week's")
    intervals: list[WfmForecastInterval]


class WfmForecastOut(Schema):
    week: date
    interval_minutes: int
    channels: list[WfmChannelForecast]


def _starts(week: date) -> list[datetime]:
    start, _end = selectors.week_bounds(week)
    step = timedelta(minutes=selectors.INTERVAL_MIN)
    return [start + i * step for i in range(selectors.WEEK)]


@router.get(
    "/wfm/forecast",
    response={200: WfmForecastOut, **ERRORS},
    summary="The week's forecast and requirement per interval",
    description="Per channel with staffing parameters: contacts forecast per 30-minute "
    "interval, the agents Erlang C requires, the back-test accuracy (fractions) and the "
    "special days' uplifts. Times are local.",
)
def forecast(request: HttpRequest, query: Query[WfmForecastQuery]) -> Any:
    _planner(request)
    if query.channel is not None and query.channel not in Channel.values:
        raise HttpError(
            422,
            _("unknown channel %(channel)r; one of %(choices)s")
            % {"channel": query.channel, "choices": ", ".join(Channel.values)},
        )
    week = week_start(query.week) if query.week else selectors.default_week()
    channels = None if query.channel is None else [query.channel]
    plans = selectors.week_plan(week, channels)
    params = selectors.parameters()
    starts = _starts(week)
    out = []
    for channel, p in plans.items():
        need, raw = p.requirement["positions"], p.requirement["raw_positions"]
        parameters = params[channel]
        out.append(
            {
                "channel": channel,
                "parameters": {
                    "aht_s": parameters.aht_s,
                    "target_s": parameters.target_s,
                    "sl_target": parameters.sl_target,
                    "shrinkage": parameters.shrinkage,
                    "max_occupancy": parameters.max_occupancy,
                    "concurrency": parameters.concurrency,
                },
                "contacts": round(sum(p.forecast), 2),
                "peak_required": max(need, default=0),
                "agent_hours": sum(need) * selectors.INTERVAL_MIN / 60,
                "trend_per_week": p.trend_per_week,
                "uplifts": p.uplifts,
                "mape_daily": p.mape_daily,
                "mape_interval": p.mape_interval,
                "wape": p.wape,
                "wape_daily": p.wape_daily,
                "naive_wape": p.naive_wape,
                "mase": p.mase,
                "noise_wape": p.noise_wape,
                "beats_naive": p.beats_naive,
                "warnings": p.warnings,
                "data_end": (
                    p.data_end.replace(tzinfo=selectors.local_tz()) if p.data_end else None
                ),
                "horizon_days": p.horizon_days,
                "intervals": [
                    {"start": s, "forecast": f, "required": n, "required_available": r}
                    for s, f, n, r in zip(starts, p.forecast, need, raw, strict=True)
                ],
            }
        )
    return {"week": week, "interval_minutes": selectors.INTERVAL_MIN, "channels": out}


# --- rosters ------------------------------------------------------------------------------
class WfmAssignmentOut(Schema):
    agent: str = Field(..., description="the agent's id")
    agent_name: str
    team: str | None
    day: date
    template: str
    channel: str
    start: datetime
    end: datetime
    break_start: datetime | None
    break_end: datetime | None


class WfmRosterInterval(Schema):
    start: datetime
    forecast: float
    required: int
    scheduled: int = Field(..., description="agents on duty (on shift, not on break)")
    gap: int = Field(..., description="required − scheduled where short, else 0")
    predicted_service_level: float | None
    predicted_frt_over_30s_rate: float | None
    predicted_frt_over_target_rate: float | None = Field(
        None, description="share over the channel's SLA first-response target (null: no policy)"
    )


class WfmRosterChannel(Schema):
    channel: str
    required_hours: float
    scheduled_hours: float
    gap_hours: float
    gap_share: float | None = Field(
        ..., description="gap_hours ÷ required_hours (null: nothing required)"
    )
    uncovered: bool = Field(..., description="work required and nobody scheduled all week")
    short_intervals: int
    sla_target_s: float | None = Field(
        None, description="the first-response target of the channel's SLA policy (seconds)"
    )
    predicted_service_level: float | None
    predicted_frt_over_30s_rate: float | None
    predicted_frt_over_target_rate: float | None = None
    intervals: list[WfmRosterInterval]


class WfmRosterOut(Schema):
    id: int
    week_start: date
    status: str = Field(..., description="the build: queued, running, done, failed")
    solver_status: str = Field(
        ..., description="optimal (proven), feasible (best found in the time), infeasible, "
        "unknown; empty until built"
    )  # fmt: skip
    optimal: bool = Field(
        ...,
        description="proven optimal by the solver and no large coverage gap (more than 5 % of "
        "the required agent-hours, or of one channel's, uncovered)",
    )
    time_limit_s: float
    created_at: datetime
    finished_at: datetime | None
    error: str
    agents_used: int
    wall_s: float
    assignments: list[WfmAssignmentOut]
    channels: list[WfmRosterChannel] | None = Field(
        ..., description="planning figures; null for callers without the workforce permission"
    )


def _channels(roster, starts: list[datetime]) -> list[dict]:
    covered = {c.channel: c for c in roster.coverage.channels}
    out = []
    for channel, data in roster.plan.get("channels", {}).items():
        cover = covered[channel]
        predicted = data["predicted"]
        over_target = predicted.get("frt_over_target_rate") or [None] * len(starts)
        rows = zip(
            starts, data["forecast"], data["requirement"], data["scheduled"], data["gap"],
            predicted["service_level"], predicted["frt_over_30s_rate"], over_target, strict=True,
        )  # fmt: skip
        out.append(
            {
                "channel": channel,
                "required_hours": cover.required_hours,
                "scheduled_hours": cover.scheduled_hours,
                "gap_hours": cover.gap_hours,
                "gap_share": cover.gap_share,
                "uncovered": cover.uncovered,
                "short_intervals": cover.short_intervals,
                "predicted_service_level": predicted["total_service_level"],
                "sla_target_s": data["parameters"].get("sla_target_s"),
                "predicted_frt_over_30s_rate": predicted["total_frt_over_30s_rate"],
                "predicted_frt_over_target_rate": predicted.get("total_frt_over_target_rate"),
                "intervals": [
                    {
                        "start": s,
                        "forecast": f,
                        "required": n,
                        "scheduled": k,
                        "gap": g,
                        "predicted_service_level": sl,
                        "predicted_frt_over_30s_rate": over,
                        "predicted_frt_over_target_rate": over_sla,
                    }
                    for s, f, n, k, g, sl, over, over_sla in rows
                ],
            }
        )
    return out


@router.get(
    "/wfm/rosters/{roster_id}",
    response={200: WfmRosterOut, **ERRORS},
    summary="A roster: shifts, and the gap per channel and interval",
    description="Managers and admins get every shift and the planning figures per "
    "interval; supervisors their teams' shifts only (`channels` null); anybody else 404.",
)
def roster(request: HttpRequest, roster_id: RowId) -> Any:
    item = get_object_or_404(selectors.rosters_visible_to(request.user), pk=roster_id)
    assignments = [
        {
            "agent": a.agent.external_id,
            "agent_name": a.agent.name,
            "team": a.agent.team.name if a.agent.team else None,
            "day": a.day,
            "template": a.template,
            "channel": a.channel,
            "start": a.start,
            "end": a.end,
            "break_start": a.break_start,
            "break_end": a.break_end,
        }
        for a in selectors.assignments_visible_to(request.user, item)
    ]
    planner = selectors.may_manage(request.user)
    return {
        "id": item.pk,
        "week_start": item.week_start,
        "status": item.status,
        "solver_status": item.solver_status,
        "optimal": item.proven_optimal,
        "time_limit_s": item.time_limit_s,
        "created_at": item.created_at,
        "finished_at": item.finished_at,
        "error": item.error,
        "agents_used": item.agents_used,
        "wall_s": item.wall_s,
        "assignments": assignments,
        "channels": _channels(item, _starts(item.week_start)) if planner else None,
    }


# --- presence -------------------------------------------------------------------------------
PresenceName = Literal[tuple(PresenceState.values)]  # type: ignore[valid-type]


class PresenceChangeOut(Schema):
    state: PresenceName
    at: datetime
    by: str | None = Field(None, description="who set it (null: the system or a deleted user)")


class PresenceOut(Schema):
    agent: str = Field(..., description="the agent's id")
    name: str
    team: str | None
    state: PresenceName = Field(..., description="only `online` receives new conversations")
    since: datetime | None = Field(None, description="null: never set (offline)")


class MyPresenceOut(PresenceOut):
    today: list[PresenceChangeOut] = Field(..., description="today's changes (local day)")


class PresenceIn(Schema):
    state: PresenceName


def _presence(agent) -> dict[str, Any]:
    state, since = selectors.state_of(agent)
    return {
        "agent": agent.external_id,
        "name": agent.name,
        "team": agent.team.name if agent.team else None,
        "state": state,
        "since": since,
    }


def _my_presence(request: HttpRequest) -> dict[str, Any]:
    agent = selectors.own_presence_agent(request.user)
    if agent is None:
        raise HttpError(404, _("you are not an agent"))
    history = selectors.presence_history(request.user, agent.pk, timezone.localdate())
    today = [
        {"state": c.state, "at": c.at, "by": c.by.get_username() if c.by else None} for c in history
    ]
    return _presence(agent) | {"today": today}


@router.get(
    "/presence/me",
    response={200: MyPresenceOut, **ERRORS},
    summary="My presence and today's changes",
    description="The caller's own agent record (404 for a user who is not an agent).",
)
def my_presence(request: HttpRequest) -> Any:
    return _my_presence(request)


@router.put(
    "/presence/me",
    response={200: MyPresenceOut, **ERRORS},
    summary="Set my presence",
    description="online / busy / away / offline; setting the state one is in changes nothing.",
)
def set_my_presence(request: HttpRequest, body: PresenceIn) -> Any:
    agent = selectors.own_presence_agent(request.user)
    if agent is None:
        raise HttpError(404, _("you are not an agent"))
    actions.check_presence(request.user, agent.pk, body.state)
    actions.set_presence(agent, body.state, by=request.user)
    return _my_presence(request)


@router.get(
    "/presence",
    response={200: list[PresenceOut], **ERRORS},
    summary="Agents' presence now",
    description="Planners (managers, admins) every agent; supervisors their teams' agents; "
    "an agent only themself. No history of another agent is given here.",
)
def presence_list(request: HttpRequest) -> Any:
    return [_presence(a) for a in selectors.presence_agents(request.user)]


# --- schedule adherence -----------------------------------------------------------------------
class AdherenceQuery(Schema):
    """Mirrors `kefu.workforce.filtersets.AdherenceFilterSet`."""

    week: Day | None = Field(
        None, description="a day of the week (its Monday is used; default: this week if it "
        "has a finished roster, else the newest one's)"
    )  # fmt: skip
    team: RowId | None = Field(None, description="a team's id")
    agent: Text | None = Field(None, description="an agent's id")

    PAGING: ClassVar[frozenset[str]] = frozenset()


class AdherenceRowOut(Schema):
    agent: str
    agent_name: str
    team: str | None
    day: date
    scheduled_s: float = Field(..., description="scheduled time (shifts less breaks) up to now")
    available_s: float = Field(..., description="of it, online or busy")
    adherence: float | None = Field(..., description="available_s / scheduled_s (0–1)")


class AdherenceOut(Schema):
    week: date
    roster: int | None = Field(..., description="the week's newest finished roster")
    adherence: float | None = Field(
        ..., description="pooled over the rows: Σ available / Σ scheduled"
    )
    rows: list[AdherenceRowOut]


@router.get(
    "/wfm/adherence",
    response={200: AdherenceOut, **ERRORS},
    summary="Schedule adherence per agent and day",
    description="Time in an available state (online, busy) during scheduled time ÷ "
    "scheduled time (docs/workforce.md). Planners every agent; supervisors their teams; "
    "anybody else 403.",
)
def adherence(request: HttpRequest, query: Query[AdherenceQuery]) -> Any:
    if not selectors.may_view_adherence(request.user):
        raise HttpError(403, _("schedule adherence is for supervisors and planners"))
    data = query.model_dump(exclude_none=True)
    week = week_start(query.week) if query.week else default_adherence_week()
    data["week"] = week
    filterset = AdherenceFilterSet(data, assignments_visible_to(request.user), user=request.user)
    if not filterset.is_valid():
        if set(filterset.errors) == {"team"}:  # a team the caller does not see: 404
            raise HttpError(404, _("no such team"))
        raise HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()))
    rows = selectors.adherence_rows(filterset.qs)
    roster = selectors.adherence_roster(week)
    return {
        "week": week,
        "roster": roster.pk if roster else None,
        "adherence": pooled(r.figure for r in rows),
        "rows": [
            {
                "agent": r.agent.external_id,
                "agent_name": r.agent.name,
                "team": r.agent.team.name if r.agent.team else None,
                "day": r.day,
                "scheduled_s": r.figure.scheduled_s,
                "available_s": r.figure.available_s,
                "adherence": r.value,
            }
            for r in rows
        ],
    }
