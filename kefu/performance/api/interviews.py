"""/api/v1/performance/interviews…: performance interviews (面谈).

Seen as the access layer says (the agent their own, supervisors their teams', managers
all); reading another person's interview is audited. Supervisors (their teams) and
managers schedule and record; the agent comments and acknowledges their own (403 for
anyone else); an acknowledged record is locked (409).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts.access import restrict
from kefu.lib.schemas import RowId, Text
from kefu.performance.actions import interviews as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.api._methods import ERRORS, do
from kefu.performance.auditing import audit_view
from kefu.performance.choices import CycleStatus
from kefu.performance.models import Cycle, Interview

router = Router(tags=["performance"])
LIMIT = 500


class InterviewOut(Schema):
    id: int
    cycle: int
    agent: str = Field(description="agent id")
    agent_name: str
    interviewer: str
    scheduled_at: datetime
    held_at: datetime | None
    achievements: str
    gaps: str
    causes: str
    actions: str
    agent_comment: str
    acknowledged_at: datetime | None
    status: str = Field(description="scheduled, recorded or acknowledged")


class InterviewSummaryOut(Schema):
    id: int
    cycle: int
    agent: str
    scheduled_at: datetime
    status: str


class ScheduleIn(Schema):
    cycle: RowId
    agent: Text = Field(description="agent id")
    scheduled_at: datetime


class RecordIn(Schema):
    achievements: str = Field(max_length=4000)
    gaps: str = Field("", max_length=4000)
    causes: str = Field("", max_length=4000)
    actions: str = Field(max_length=4000)
    held_at: datetime | None = Field(None, description="default: now")


class AcknowledgeIn(Schema):
    comment: str = Field("", max_length=4000)


def _status(i: Interview) -> str:
    if i.acknowledged_at is not None:
        return "acknowledged"
    return "recorded" if i.held_at is not None else "scheduled"


def _out(i: Interview) -> dict:
    return {
        "id": i.pk,
        "cycle": i.cycle_id,
        "agent": i.agent.external_id,
        "agent_name": i.agent.name,
        "interviewer": i.interviewer.get_username(),
        "scheduled_at": i.scheduled_at,
        "held_at": i.held_at,
        "achievements": i.achievements,
        "gaps": i.gaps,
        "causes": i.causes,
        "actions": i.actions,
        "agent_comment": i.agent_comment,
        "acknowledged_at": i.acknowledged_at,
        "status": _status(i),
    }


def _interviews(request: HttpRequest):
    return restrict(Interview.objects.all(), request.user).select_related("agent", "interviewer")


@router.get("/performance/interviews", response={200: list[InterviewSummaryOut], **ERRORS})
def list_interviews(request: HttpRequest):
    """The interviews the caller may see (newest 500; without their records)."""
    return [
        {"id": i.pk, "cycle": i.cycle_id, "agent": i.agent.external_id,
         "scheduled_at": i.scheduled_at, "status": _status(i)}
        for i in _interviews(request).order_by("-scheduled_at", "-pk")[:LIMIT]
    ]  # fmt: skip


@router.post("/performance/interviews", response={201: InterviewOut, **ERRORS})
def schedule_interview(request: HttpRequest, payload: ScheduleIn):
    if not may_appraise(request.user):
        raise HttpError(403, _("You may not appraise this agent."))
    cycle = get_object_or_404(
        restrict(Cycle.objects.exclude(status=CycleStatus.CLOSED), request.user), pk=payload.cycle
    )
    agent = get_object_or_404(appraisable(request.user), external_id=payload.agent)
    interview = do(actions.schedule, cycle, agent, payload.scheduled_at, user=request.user)
    return Status(201, _out(_interviews(request).get(pk=interview.pk)))


@router.get("/performance/interviews/{int:interview_id}", response={200: InterviewOut, **ERRORS})
def get_interview(request: HttpRequest, interview_id: RowId):
    interview = get_object_or_404(_interviews(request), pk=interview_id)
    audit_view(request, interview.agent, "interview")
    return _out(interview)


@router.put(
    "/performance/interviews/{int:interview_id}/record", response={200: InterviewOut, **ERRORS}
)
def record_interview(request: HttpRequest, interview_id: RowId, payload: RecordIn):
    """Write (or, before acknowledgement, correct) the structured record."""
    interview = get_object_or_404(_interviews(request), pk=interview_id)
    data = payload.dict()
    if data["held_at"] is None:
        data.pop("held_at")
    do(actions.record, interview, data, user=request.user)
    return _out(_interviews(request).get(pk=interview.pk))


@router.post(
    "/performance/interviews/{int:interview_id}/acknowledge",
    response={200: InterviewOut, **ERRORS},
)
def acknowledge_interview(request: HttpRequest, interview_id: RowId, payload: AcknowledgeIn):
    """The agent's comment and acknowledgement (their own interview only)."""
    interview = get_object_or_404(_interviews(request), pk=interview_id)
    do(actions.acknowledge, interview, payload.comment, user=request.user)
    return _out(_interviews(request).get(pk=interview.pk))
