"""Training API: assignments and assignment rules — /api/v1/training/assignments…,
/api/v1/training/rules….

Assignments are seen as the access layer says (agents their own, supervisors their
teams', trainers and managers all); trainers assign to any agent, supervisors to their
teams' (403 otherwise); the agent completes their own. Rules: trainers and managers read,
trainers write; a rule's effect is the pages' figure with its counts.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts.access import CHANGE, agents_visible_to, restrict
from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.reviews.selectors import reviews_visible_to
from kefu.training import effect as effects
from kefu.training.actions import assignments as actions
from kefu.training.actions._checks import require_trainer
from kefu.training.api._filters import filtered, query_data
from kefu.training.choices import AssignmentStatus
from kefu.training.filtersets import AssignmentFilterSet, RuleFilterSet
from kefu.training.models import Assignment, AssignmentRule, Course, Lesson

router = Router(tags=["training"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT = 200


class AssignmentOut(Schema):
    id: int
    agent: str = Field(description="agent id")
    course: int
    lesson: int | None = Field(description="None: every lesson of the course")
    rule: int | None
    source: str
    status: str
    overdue: bool
    hits: int
    review: int | None
    note: str
    assigned_at: datetime
    due_at: datetime
    completed_at: datetime | None


class AssignmentIn(Schema):
    agent: Text | None = Field(None, description="agent id (or give review)")
    review: RowId | None = Field(None, description="a review: its agent gets the lesson")
    course: RowId
    lesson: RowId | None = None
    due_days: int = Field(7, ge=1, le=365)
    note: str = Field("", max_length=2000)


class AssignmentQuery(Schema):
    """Mirrors `kefu.training.filtersets.AssignmentFilterSet`, plus the page parameter."""

    status: Literal["open", "completed", "cancelled", "overdue"] | None = None
    agent: Text | None = Field(None, description="agent id")
    rule: RowId | None = None
    before_id: RowId | None = Field(None, description="page: assignments with a smaller id")

    PAGING: ClassVar[frozenset[str]] = frozenset({"before_id"})


class RuleQuery(Schema):
    """Mirrors `kefu.training.filtersets.RuleFilterSet`."""

    active: bool | None = None
    course: RowId | None = None


def _out(a: Assignment, now: datetime) -> dict:
    return {
        "id": a.pk,
        "agent": a.agent.external_id,
        "course": a.course_id,
        "lesson": a.lesson_id,
        "rule": a.rule_id,
        "source": a.source,
        "status": a.status,
        "overdue": a.status == AssignmentStatus.OPEN and a.due_at < now,
        "hits": a.hits,
        "review": a.review_id,
        "note": a.note,
        "assigned_at": a.assigned_at,
        "due_at": a.due_at,
        "completed_at": a.completed_at,
    }


def _assignments(request: HttpRequest):
    return restrict(Assignment.objects.all(), request.user).select_related("agent")


@router.get("/training/assignments", response={200: list[AssignmentOut], **ERRORS})
def list_assignments(request: HttpRequest, q: Query[AssignmentQuery]):
    """Assignments in the caller's scope, newest first (200 a page)."""
    now = timezone.now()
    filterset = AssignmentFilterSet(
        query_data(q, q.PAGING), _assignments(request), user=request.user
    )
    qs = filtered(filterset)
    if q.before_id:
        qs = qs.filter(pk__lt=q.before_id)
    return [_out(a, now) for a in qs.order_by("-pk")[:LIMIT]]


@router.post("/training/assignments", response={201: AssignmentOut, **ERRORS})
def create_assignment(request: HttpRequest, payload: AssignmentIn):
    """Assign a lesson (or a whole course) by hand: to an agent, or to a review's agent."""
    if not actions.may_assign(request.user):
        raise HttpError(403, _("you may not assign lessons"))
    if (payload.agent is None) == (payload.review is None):
        raise HttpError(422, _("give either agent or review"))
    review = None
    if payload.review is not None:
        review = get_object_or_404(
            reviews_visible_to(request.user).select_related("agent"), pk=payload.review
        )
        agent = review.agent
        if agent is None:
            raise HttpError(422, _("the review has no agent"))
    else:
        agent = get_object_or_404(agents_visible_to(request.user), external_id=payload.agent)
    course = get_object_or_404(restrict(Course.objects.all(), request.user), pk=payload.course)
    lesson = None
    if payload.lesson is not None:
        lesson = get_object_or_404(restrict(Lesson.objects.all(), request.user), pk=payload.lesson)
    a = actions.assign(
        agent, course, lesson, user=request.user, due_days=payload.due_days, review=review,
        note=payload.note,
    )  # fmt: skip
    return Status(201, _out(a, timezone.now()))


@router.get("/training/assignments/{int:assignment_id}", response={200: AssignmentOut, **ERRORS})
def get_assignment(request: HttpRequest, assignment_id: RowId):
    return _out(get_object_or_404(_assignments(request), pk=assignment_id), timezone.now())


@router.post(
    "/training/assignments/{int:assignment_id}/complete", response={200: AssignmentOut, **ERRORS}
)
def complete_assignment(request: HttpRequest, assignment_id: RowId):
    """The agent completes their own assignment (every lesson of it)."""
    a = get_object_or_404(_assignments(request), pk=assignment_id)
    a = actions.complete_assignment(a, user=request.user)
    return _out(a, timezone.now())


# --- rules -------------------------------------------------------------------------------------
class RuleOut(Schema):
    id: int
    name: str
    indicator: str
    scorecard_item: str
    min_hits: int
    window_days: int
    course: int
    lesson: int | None
    due_days: int
    active: bool


class RuleIn(Schema):
    name: str = Field(max_length=120)
    indicator: Text = Field("", description="a QA indicator id (or give scorecard_item)")
    scorecard_item: Text = Field("", description="an item of the default scorecard")
    min_hits: int = Field(3, ge=1, le=1000)
    window_days: int = Field(30, ge=1, le=365)
    course: RowId
    lesson: RowId | None = None
    due_days: int = Field(7, ge=1, le=365)
    active: bool = True


class WindowOut(Schema):
    rate: float | None
    hits: int
    conversations: int
    agents: int


class TraineeOut(Schema):
    assignment: int
    agent: str
    completed: date
    before: dict
    after: dict


class EffectOut(Schema):
    rule: int
    window_days: int
    completions: int
    pending: int
    trained_before: WindowOut
    trained_after: WindowOut
    comparison_before: WindowOut
    comparison_after: WindowOut
    comparison_agents: int
    trained_change: float | None
    comparison_change: float | None
    difference: float | None
    trainees: list[TraineeOut]


def _rule_out(r: AssignmentRule) -> dict:
    return {
        "id": r.pk,
        "name": r.name,
        "indicator": r.indicator,
        "scorecard_item": r.scorecard_item,
        "min_hits": r.min_hits,
        "window_days": r.window_days,
        "course": r.course_id,
        "lesson": r.lesson_id,
        "due_days": r.due_days,
        "active": r.active,
    }


def _rule_reader(request: HttpRequest) -> None:
    if not (request.user.has_perm(MANAGE_TRAINING) or request.user.has_perm(VIEW_ALL_TRAINING)):
        raise HttpError(403, _("you may not see assignment rules"))


@router.get("/training/rules", response={200: list[RuleOut], **ERRORS})
def list_rules(request: HttpRequest, q: Query[RuleQuery]):
    _rule_reader(request)
    filterset = RuleFilterSet(
        query_data(q), restrict(AssignmentRule.objects.all(), request.user), user=request.user
    )
    return [_rule_out(r) for r in filtered(filterset)]


def _rule_data(request: HttpRequest, payload: RuleIn) -> dict:
    data = payload.model_dump()
    data["course"] = get_object_or_404(
        restrict(Course.objects.all(), request.user), pk=payload.course
    )
    data["lesson"] = None
    if payload.lesson is not None:
        data["lesson"] = get_object_or_404(
            restrict(Lesson.objects.all(), request.user), pk=payload.lesson
        )
    return data


@router.post("/training/rules", response={201: RuleOut, **ERRORS})
def create_rule(request: HttpRequest, payload: RuleIn):
    require_trainer(request.user)
    rule = actions.save_rule(_rule_data(request, payload), user=request.user)
    return Status(201, _rule_out(rule))


@router.put("/training/rules/{int:rule_id}", response={200: RuleOut, **ERRORS})
def update_rule(request: HttpRequest, rule_id: RowId, payload: RuleIn):
    require_trainer(request.user)
    rule = get_object_or_404(
        restrict(AssignmentRule.objects.all(), request.user, CHANGE), pk=rule_id
    )
    rule = actions.save_rule(_rule_data(request, payload), user=request.user, rule=rule)
    return _rule_out(rule)


class RunOut(Schema):
    assigned: int
    by_rule: dict[str, int] = Field(description="rule id → lessons assigned")


@router.post("/training/rules/run", response={200: RunOut, **ERRORS})
def run_rules(request: HttpRequest):
    """Run every active rule now (they also run after each QA scoring)."""
    require_trainer(request.user)
    created = actions.run_rules()
    return {
        "assigned": sum(len(v) for v in created.values()),
        "by_rule": {str(rule.pk): len(v) for rule, v in created.items()},
    }


def _window(w) -> dict:
    return {"rate": w.rate, "hits": w.hits, "conversations": w.conversations, "agents": w.agents}


@router.get("/training/rules/{int:rule_id}/effect", response={200: EffectOut, **ERRORS})
def rule_effect(request: HttpRequest, rule_id: RowId):
    """Hit rate of the rule's indicator before vs after completion, trained agents beside
    the comparison group, with the counts; each trainee's FRT and FCR before and after."""
    _rule_reader(request)
    rule = get_object_or_404(restrict(AssignmentRule.objects.all(), request.user), pk=rule_id)
    result = effects.rule_effect(rule, request.user)
    e = result.effect
    return {
        "rule": rule.pk,
        "window_days": rule.window_days,
        "completions": e.completions,
        "pending": e.pending,
        "trained_before": _window(e.trained_before),
        "trained_after": _window(e.trained_after),
        "comparison_before": _window(e.comparison_before),
        "comparison_after": _window(e.comparison_after),
        "comparison_agents": e.comparison_agents,
        "trained_change": e.trained_change,
        "comparison_change": e.comparison_change,
        "difference": e.difference,
        "trainees": [
            {
                "assignment": t.assignment.pk,
                "agent": t.agent.external_id,
                "completed": t.completed,
                "before": t.before,
                "after": t.after,
            }
            for t in result.trainees
        ],
    }
