"""REST API v1: GET /api/v1/metrics, the `kefu metrics` answer over HTTP (spec metrics.md).

Scoped like every read: an agent gets only their own figures, a supervisor their teams',
the roles that see every conversation everything; a caller with no role gets zeros/nulls.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kefu.interactions.schemas import ErrorOut
from kefu.metrics.selectors import contract_json, data_range, figures, scope_for

router = Router(tags=["metrics"])

Grouping = Literal["agent", "team", "channel", "month", "segment"]


class MetricsQuery(Schema):
    date_from: date | None = Field(
        None, alias="from", description="first day, inclusive (default: first day with data)"
    )
    date_to: date | None = Field(
        None, alias="to", description="last day, inclusive (default: last day with data)"
    )
    by: Grouping | None = Field(None, description="group the figures; each gets a `group` key")

    model_config = {"populate_by_name": True}


class Figures(Schema):
    conversations: int
    frt_mean_s: float | None
    frt_median_s: float | None
    frt_p90_s: float | None
    frt_over_30s_rate: float | None
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
    response={200: Figures | list[GroupFigures], 401: ErrorOut, 422: ErrorOut},
    summary="Service KPIs of a period, optionally grouped",
    description="Every key of the KPI contract (docs/metrics.md) for the conversations "
    "created from `from` to `to` (inclusive local dates) within the caller's scope. Rates "
    "are fractions 0–1, times seconds unless the key ends in `_min`, NPS points; a figure "
    "with an empty denominator is null.",
)
def metrics(request: HttpRequest, query: Query[MetricsQuery]) -> Any:
    date_from, date_to = query.date_from, query.date_to
    if date_from is None or date_to is None:
        first, last = data_range()
        date_from = date_from or first or date.today()
        date_to = date_to or last or date.today()
    if date_to < date_from:
        raise HttpError(422, f"`to` ({date_to}) is before `from` ({date_from})")
    return contract_json(figures(scope_for(request.user, date_from, date_to), query.by))
