"""REST API v1: GET /api/v1/sla/report, the SLA report's rows (kefu.metrics.sla_report,
the page's and the CSV's), scoped like every read: an agent gets only their own
conversations, a supervisor their teams', the department roles everything."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from kefu.interactions.choices import Channel
from kefu.interactions.schemas import PeriodQuery
from kefu.lib.schemas import ErrorOut, ErrorsOut
from kefu.metrics import dashboards, sla_report

router = Router(tags=["sla"])

ChannelValue = Literal[tuple(Channel.values)]  # type: ignore[valid-type]


class SlaReportQuery(PeriodQuery):
    """`from`/`to` default to the KPI pages' default period (the 30 days ending on the last
    day with substantial data); a team outside the caller's scope matches nothing."""

    by: Literal["channel", "team", "agent"] = Field("channel", description="the grouping")
    channel: ChannelValue | None = Field(None, description="only this channel")
    team: int | None = Field(None, ge=1, le=2**63 - 1, description="only this team (id)")


class SlaTarget(Schema):
    target_s: float
    measure: str
    conversations: int


class SlaRow(Schema):
    group: str | None
    group_id: int | str | None
    conversations: int
    answered: int
    met: int
    breached: int
    no_reply: int
    paused: int
    paused_s: float
    resolved_in_time: int = Field(..., description="resolved within the resolution target")
    resolved_late: int = Field(..., description="resolved after the resolution target")
    open: int = Field(..., description="unresolved, with a resolution target")
    met_rate: float | None
    breach_rate: float | None
    no_reply_rate: float | None
    paused_rate: float | None
    resolution_breach_rate: float | None = Field(
        ..., description="resolved_late ÷ (resolved_in_time + resolved_late)"
    )
    targets: list[SlaTarget]


class SlaReport(Schema):
    date_from: str = Field(alias="from")
    date_to: str = Field(alias="to")
    by: str
    total: SlaRow
    groups: list[SlaRow]

    model_config = {"populate_by_name": True}


@router.get(
    "/sla/report",
    response={200: SlaReport, 401: ErrorOut, 422: ErrorsOut | ErrorOut},
    by_alias=True,
    summary="SLA report: met, breached, no-reply and paused first responses",
    description="For the conversations created from `from` to `to` (inclusive local "
    "dates) within the caller's scope, grouped by channel, team or agent: first responses "
    "that met or breached the first-response target of the service-level policy version "
    "that judged them (`breach_rate` is `frt_over_target_rate`), conversations without a "
    "reply, and answered ones whose wait was paused outside business hours (count and "
    "seconds); and, for conversations whose policy sets a resolution target, those "
    "resolved in time, resolved late and still open. Rates are fractions 0–1 (null when "
    "the denominator is empty). See "
    "docs/sla.md.",
)
def report(request: HttpRequest, query: Query[SlaReportQuery]) -> Any:
    default_from, default_to = dashboards.default_period()
    date_from, date_to = query.period(default_from, default_to)
    qs = sla_report.facts(
        request.user,
        date_from,
        date_to,
        team_ids=(query.team,) if query.team else (),
        channel=query.channel or "",
    )
    total, rows = sla_report.report(qs, query.by)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "by": query.by,
        "total": total.as_dict(),
        "groups": [r.as_dict() for r in rows],
    }
