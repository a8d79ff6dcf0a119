"""/api/v1/performance/calibration/{cycle_id}…: the calibration meeting: the score
distribution per team (computed and after calibration) and the adjustments; adjusting a
review's score with a reason; moving the cycle's status. Managers only."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema, Status

from kefu.accounts.access import CHANGE, restrict
from kefu.lib.schemas import ErrorOut, RowId
from kefu.performance.actions import calibration as actions
from kefu.performance.actions._checks import require_manager
from kefu.performance.auditing import audit_views
from kefu.performance.choices import CycleStatus
from kefu.performance.core.distribution import Box
from kefu.performance.models import AgentScore, CalibrationAdjustment, Cycle
from kefu.performance.views.calibration import distributions

router = Router(tags=["performance"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class CalibrationBoxOut(Schema):
    n: int
    low: float
    q1: float
    median: float
    q3: float
    high: float
    mean: float


class CalibrationTeamOut(Schema):
    team: str | None = Field(description="null: all teams together")
    computed: CalibrationBoxOut | None
    final: CalibrationBoxOut | None = Field(description="after calibration")
    adjusted: int


class CalibrationAdjustmentOut(Schema):
    id: int
    agent: str = Field(description="agent id")
    before: float | None
    after: float
    reason: str
    by: str | None = Field(description="username")
    at: datetime


class CalibrationOut(Schema):
    cycle: int
    name: str
    status: str
    teams: list[CalibrationTeamOut]
    adjustments: list[CalibrationAdjustmentOut]


class CalibrationAdjustIn(Schema):
    after: float = Field(ge=0, le=100, description="the calibrated score")
    reason: str = Field(min_length=1, max_length=actions.MAX_REASON)


class CalibrationStatusIn(Schema):
    status: Literal[tuple(CycleStatus.values)]  # type: ignore[valid-type]


class CalibrationStatusOut(Schema):
    cycle: int
    status: str


def _box(box: Box | None) -> dict | None:
    if box is None:
        return None
    return {
        "n": box.n, "low": box.low, "q1": box.q1, "median": box.median, "q3": box.q3,
        "high": box.high, "mean": box.mean,
    }  # fmt: skip


def _adjustment(a: CalibrationAdjustment) -> dict:
    return {
        "id": a.pk,
        "agent": a.score.agent.external_id,
        "before": a.before,
        "after": a.after,
        "reason": a.reason,
        "by": a.by.get_username() if a.by else None,
        "at": a.at,
    }


@router.get("/performance/calibration/{cycle_id}", response={200: CalibrationOut, **ERRORS})
def calibration(request: HttpRequest, cycle_id: RowId):
    """The distribution per team and the adjustments of the cycle (audited: it lists
    other agents' scores)."""
    require_manager(request.user)
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user), pk=cycle_id)
    scores = list(
        restrict(AgentScore.objects.filter(cycle=cycle), request.user).select_related(
            "agent", "team"
        )
    )
    audit_views(request, [s.agent_id for s in scores], "calibration")
    adjustments = (
        restrict(CalibrationAdjustment.objects.filter(score__cycle=cycle), request.user)
        .select_related("score__agent", "by")
        .order_by("-at")
    )
    rows = distributions(scores)["rows"]
    return {
        "cycle": cycle.pk,
        "name": cycle.name,
        "status": cycle.status,
        "teams": [
            {
                "team": r["team"],
                "computed": _box(r["computed"]),
                "final": _box(r["final"]),
                "adjusted": r["adjusted"],
            }
            for r in rows
        ],
        "adjustments": [_adjustment(a) for a in adjustments],
    }


@router.post(
    "/performance/calibration/{cycle_id}/agents/{agent_id}/adjust",
    response={201: CalibrationAdjustmentOut, **ERRORS},
)
def adjust(request: HttpRequest, cycle_id: RowId, agent_id: RowId, payload: CalibrationAdjustIn):
    """Set the agent's calibrated score with a reason (refused once the cycle is closed)."""
    require_manager(request.user)
    score = get_object_or_404(
        restrict(AgentScore.objects.all(), request.user, CHANGE),
        cycle_id=cycle_id,
        agent_id=agent_id,
    )
    adjustment = actions.adjust(
        score, after=payload.after, reason=payload.reason, user=request.user, request=request
    )
    adjustment = CalibrationAdjustment.objects.select_related("score__agent", "by").get(
        pk=adjustment.pk
    )
    return Status(201, _adjustment(adjustment))


@router.post(
    "/performance/calibration/{cycle_id}/status", response={200: CalibrationStatusOut, **ERRORS}
)
def status(request: HttpRequest, cycle_id: RowId, payload: CalibrationStatusIn):
    """open → calibrating → closed (calibrating may go back to open; closed is final)."""
    require_manager(request.user)
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, CHANGE), pk=cycle_id)
    cycle = actions.set_status(cycle, payload.status, user=request.user, request=request)
    return {"cycle": cycle.pk, "status": cycle.status}
