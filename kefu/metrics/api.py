"""REST API v1: GET /api/v1/metrics, the `kefu metrics` answer over HTTP (spec metrics.md).

Scoped like every read: an agent gets only their own figures, a supervisor their teams',
the roles that see every conversation everything; a caller with no role gets zeros/nulls.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from kefu.interactions.schemas import PeriodQuery
from kefu.lib.schemas import ErrorOut, ErrorsOut
from kefu.metrics.selectors import contract_json, data_range, figures, scope_for

router = Router(tags=["metrics"])

Grouping = Literal["agent", "team", "channel", "month", "segment"]
Time = Literal["calendar", "business"]  # kpis.TIMES


class MetricsQuery(PeriodQuery):
    """`from`/`to` default to the data's range, bounded to KEFU_MAX_PERIOD_DAYS (the
    latest days); `by` groups are bounded by the period (months) or the data."""

    by: Grouping | None = Field(None, description="group the figures; each gets a `group` key")
    time: Time = Field(
        "calendar",
        description="the time figures (first response, handle, resolution, 72 h complaint "
        "closing, escalation) in calendar time, or in the business time of each "
        "conversation's service-level calendar; the keys are the same",
    )


class Figures(Schema):
    conversations: int
    frt_mean_s: float | None
    frt_median_s: float | None
    frt_p90_s: float | None
    frt_over_30s_rate: float | None
    frt_over_target_rate: float | None
    response_rate: float | None
    aht_s: float | None
    resolution_time_mean_s: float | None
    repeat_contact_rate: float | None
    fcr_rate: float | None
    csat_mean: float | None
    csat_satisfied_rate: float | None
    nps: float | None
    survey_response_rate: float | None
    complaint_rate: float | None
    complaint_closed_72h_rate: float | None
    escalation_rate: float | None
    escalation_mean_min: float | None
    conversion_rate: float | None


class GroupFigures(Figures):
    group: str | None


@router.get(
    "/metrics",
    response={200: Figures | list[GroupFigures], 401: ErrorOut, 422: ErrorsOut | ErrorOut},
    summary="Service KPIs of a period, optionally grouped",
    description="Every key of the KPI contract (docs/metrics.md) for the conversations "
    "created from `from` to `to` (inclusive local dates) within the caller's scope. Rates "
    "are fractions 0–1, times seconds unless the key ends in `_min`, NPS points; a figure "
    "with an empty denominator is null. A period may span at most `KEFU_MAX_PERIOD_DAYS` "
    "days (default 1,100); longer is 422. `time=business` gives the time figures in "
    "business time (docs/metrics.md).",
)
def metrics(request: HttpRequest, query: Query[MetricsQuery]) -> Any:
    default_from = default_to = None
    if query.date_from is None or query.date_to is None:
        default_from, default_to = data_range()
    today = timezone.localdate()
    date_from, date_to = query.period(default_from or today, default_to or today)
    scope = scope_for(request.user, date_from, date_to, time=query.time)
    return contract_json(figures(scope, query.by))
