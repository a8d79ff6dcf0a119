"""/api/v1/performance/plans…: improvement plans.

Seen as the access layer says (the agent their own, supervisors their teams', managers
all); reading another person's plan is audited. Supervisors (their teams) and managers
open plans, add goals, check-ins and lessons (optionally assigned through training) and
close them.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts.access import restrict
from kefu.lib.schemas import RowId, Text
from kefu.performance.actions import plans as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.api._methods import ERRORS, do
from kefu.performance.auditing import audit_view
from kefu.performance.choices import CycleStatus
from kefu.performance.models import Cycle, ImprovementPlan

router = Router(tags=["performance"])
LIMIT = 500


class GoalIO(Schema):
    id: int | None = None
    source: Text = Field(description="a figure's source key, e.g. qa.score, kpi.frt_mean_s")
    baseline: float | None = None
    target: float
    result: float | None = None


class CheckinOut(Schema):
    on: date
    coaching: bool
    note: str
    by: str | None


class PlanLessonOut(Schema):
    id: int
    course: int
    title: str


class PlanOut(Schema):
    id: int
    agent: str = Field(description="agent id")
    agent_name: str
    cycle: int | None
    coach: str | None
    title: str
    opened_on: date
    due_on: date
    status: str
    outcome: str
    goals: list[GoalIO]
    checkins: list[CheckinOut]
    lessons: list[PlanLessonOut]


class PlanSummaryOut(Schema):
    id: int
    agent: str
    title: str
    opened_on: date
    due_on: date
    status: str


class PlanIn(Schema):
    agent: Text = Field(description="agent id")
    cycle: RowId | None = None
    title: Text
    opened_on: date
    due_on: date
    goals: list[GoalIO] = Field(description="at least one")


class CheckinIn(Schema):
    on: date
    note: str = Field(max_length=4000)
    coaching: bool = False


class PlanLessonIn(Schema):
    lesson: RowId
    assign: bool = Field(False, description="also assign the lesson to the agent (training)")
    due_days: int = Field(14, ge=1, le=365)


class CloseIn(Schema):
    status: str = Field(description="succeeded, not_met or cancelled")
    outcome: str = Field(max_length=4000)
    results: dict[int, float | None] = Field(default_factory=dict, description="goal id → result")


def _plans(request: HttpRequest):
    return restrict(ImprovementPlan.objects.all(), request.user).select_related("agent", "coach")


def _out(plan: ImprovementPlan) -> dict:
    return {
        "id": plan.pk,
        "agent": plan.agent.external_id,
        "agent_name": plan.agent.name,
        "cycle": plan.cycle_id,
        "coach": plan.coach.get_username() if plan.coach else None,
        "title": plan.title,
        "opened_on": plan.opened_on,
        "due_on": plan.due_on,
        "status": plan.status,
        "outcome": plan.outcome,
        "goals": [
            {
                "id": g.pk,
                "source": g.source,
                "baseline": g.baseline,
                "target": g.target,
                "result": g.result,
            }
            for g in plan.goals.all()
        ],
        "checkins": [
            {
                "on": c.on,
                "coaching": c.coaching,
                "note": c.note,
                "by": c.by.get_username() if c.by else None,
            }
            for c in plan.checkins.select_related("by")
        ],
        "lessons": [
            {"id": lesson.pk, "course": lesson.course_id, "title": lesson.title}
            for lesson in plan.lessons.all()
        ],
    }


def _plan(request: HttpRequest, plan_id: int) -> ImprovementPlan:
    return get_object_or_404(_plans(request), pk=plan_id)


@router.get("/performance/plans", response={200: list[PlanSummaryOut], **ERRORS})
def list_plans(request: HttpRequest):
    """The plans the caller may see (newest 500; without their contents)."""
    return [
        {"id": p.pk, "agent": p.agent.external_id, "title": p.title, "opened_on": p.opened_on,
         "due_on": p.due_on, "status": p.status}
        for p in _plans(request).order_by("-opened_on", "-pk")[:LIMIT]
    ]  # fmt: skip


@router.post("/performance/plans", response={201: PlanOut, **ERRORS})
def open_plan(request: HttpRequest, payload: PlanIn):
    if not may_appraise(request.user):
        raise HttpError(403, _("You may not appraise this agent."))
    agent = get_object_or_404(appraisable(request.user), external_id=payload.agent)
    cycle = None
    if payload.cycle is not None:
        cycle = get_object_or_404(
            restrict(Cycle.objects.exclude(status=CycleStatus.CLOSED), request.user),
            pk=payload.cycle,
        )
    plan = do(
        actions.open_plan, agent, user=request.user, title=payload.title,
        opened_on=payload.opened_on, due_on=payload.due_on, cycle=cycle,
        goals=[(g.source, g.baseline, g.target) for g in payload.goals],
    )  # fmt: skip
    return Status(201, _out(_plan(request, plan.pk)))


@router.get("/performance/plans/{int:plan_id}", response={200: PlanOut, **ERRORS})
def get_plan(request: HttpRequest, plan_id: RowId):
    plan = _plan(request, plan_id)
    audit_view(request, plan.agent, "plan")
    return _out(plan)


@router.post("/performance/plans/{int:plan_id}/goals", response={200: PlanOut, **ERRORS})
def add_goal(request: HttpRequest, plan_id: RowId, payload: GoalIO):
    plan = _plan(request, plan_id)
    do(actions.add_goal, plan, payload.source, payload.baseline, payload.target, user=request.user)
    return _out(plan)


@router.post("/performance/plans/{int:plan_id}/checkins", response={200: PlanOut, **ERRORS})
def add_checkin(request: HttpRequest, plan_id: RowId, payload: CheckinIn):
    """A check-in or (coaching: true) a coaching session."""
    plan = _plan(request, plan_id)
    do(
        actions.add_checkin, plan, on=payload.on, note=payload.note, coaching=payload.coaching,
        user=request.user,
    )  # fmt: skip
    return _out(plan)


@router.post("/performance/plans/{int:plan_id}/lessons", response={200: PlanOut, **ERRORS})
def link_lesson(request: HttpRequest, plan_id: RowId, payload: PlanLessonIn):
    plan = _plan(request, plan_id)
    lesson = get_object_or_404(actions.lessons_for(request.user), pk=payload.lesson)
    do(
        actions.link_lesson, plan, lesson, user=request.user, assign_it=payload.assign,
        due_days=payload.due_days,
    )  # fmt: skip
    return _out(plan)


@router.post("/performance/plans/{int:plan_id}/close", response={200: PlanOut, **ERRORS})
def close_plan(request: HttpRequest, plan_id: RowId, payload: CloseIn):
    plan = _plan(request, plan_id)
    do(
        actions.close_plan, plan, status=payload.status, outcome=payload.outcome,
        results=payload.results, user=request.user,
    )  # fmt: skip
    return _out(_plan(request, plan.pk))
