"""Training API: practice with simulated customers (/api/v1/training/scenarios…,
/api/v1/training/practices…).

Scenarios: everyone lists and reads the active ones (the definition, i.e. the routes, only
for trainers); trainers create and update them. Practices: an agent starts one, sends
replies (the answer is the customer's next line), finishes, and reads the QA result.
Reads are scoped by kefu.accounts.access (outside the scope: 404); another agent's
practice cannot be written (404). Refusals: 403 / 409 / 422 with `{"detail": …}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts import access
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.training.actions import practice as actions
from kefu.training.api._filters import filtered, query_data
from kefu.training.choices import PracticeStatus
from kefu.training.core import dialogue
from kefu.training.filtersets import PracticeFilterSet, ScenarioFilterSet
from kefu.training.models import Practice, Scenario

router = Router(tags=["training"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT = 200


class ScenarioOut(Schema):
    code: str
    title: str
    area: str | None
    goal: str
    builtin: bool
    active: bool
    updated_at: datetime


class ScenarioDetail(ScenarioOut):
    brief: str
    persona: str
    channel: str
    max_turns: int | None
    definition: dict[str, Any] | None = Field(
        None, description="the dialogue graph (trainers only: its routes are the answer key)"
    )


class ScenarioIn(Schema):
    definition: dict[str, Any] = Field(
        description="the scenario as data (docs/training-practice.md): code, title, goal, "
        "start, nodes, …"
    )


class ScenarioUpdateIn(ScenarioIn):
    active: bool | None = None


class LineOut(Schema):
    role: str
    text: str
    at: datetime


class PracticeOut(Schema):
    id: int
    scenario: str
    agent: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    goal_reached: bool | None
    qa_score: float | None
    errors: int | None
    checks: int | None


class PracticeDetail(PracticeOut):
    node_kind: str = Field(description="talk, goal (say goodbye, then finish) or end")
    replies_left: int
    transcript: list[LineOut]


class TurnIn(Schema):
    text: str = Field(max_length=actions.MAX_REPLY)


class TurnOut(Schema):
    customer: str | None = Field(description="the customer's answer (none once they are done)")
    node_kind: str
    finished: bool
    practice: PracticeDetail


class PracticeResultOut(PracticeOut):
    passed: bool | None
    fatal: bool | None
    scorecard: str | None
    scorecard_version: int | None
    items: list[dict[str, Any]]
    hits: list[dict[str, Any]]
    failed_checks: list[str]
    transcript: list[LineOut]


def _scenarios(user):
    rows = access.restrict(Scenario.objects.select_related("area"), user)
    return rows if user.has_perm(MANAGE_TRAINING) else rows.filter(active=True)


def _scenario_out(s: Scenario) -> dict[str, Any]:
    return {
        "code": s.code,
        "title": s.title,
        "area": s.area.code if s.area else None,
        "goal": s.goal,
        "builtin": s.builtin,
        "active": s.active,
        "updated_at": s.updated_at,
    }


def _scenario_detail(user, s: Scenario) -> dict[str, Any]:
    graph = s.graph or {}
    turns = graph.get("max_turns", dialogue.DEFAULT_MAX_TURNS)
    return _scenario_out(s) | {
        "brief": str(graph.get("brief") or ""),
        "persona": str(graph.get("persona") or ""),
        "channel": str(graph.get("channel") or "chat"),
        "max_turns": turns if isinstance(turns, int) else None,
        "definition": graph if user.has_perm(MANAGE_TRAINING) else None,
    }


def _practices(user):
    return access.restrict(Practice.objects.all(), user).select_related("scenario", "agent")


def _practice_out(p: Practice) -> dict[str, Any]:
    return {
        "id": p.pk,
        "scenario": p.scenario.code,
        "agent": p.agent.external_id,
        "status": p.status,
        "started_at": p.started_at,
        "finished_at": p.finished_at,
        "goal_reached": p.goal_reached,
        "qa_score": float(p.qa_score) if p.qa_score is not None else None,
        "errors": p.errors,
        "checks": p.checks,
    }


def _lines(p: Practice) -> list[dict[str, Any]]:
    return [{"role": line.role, "text": line.text, "at": line.at} for line in actions.lines_of(p)]


def _practice_detail(p: Practice) -> dict[str, Any]:
    scenario = actions.compile_graph(p.graph)
    node = scenario.nodes.get(p.node)
    replies = dialogue.agent_turns(actions.lines_of(p))
    return _practice_out(p) | {
        "node_kind": node.kind if node else dialogue.TALK,
        "replies_left": max(0, scenario.max_turns - replies),
        "transcript": _lines(p),
    }


class ScenarioQuery(Schema):
    """Mirrors `kefu.training.filtersets.ScenarioFilterSet`."""

    area: Text | None = Field(None, description="a knowledge area code")
    active: bool | None = Field(None, description="trainers: inactive ones are theirs only")


@router.get("/training/scenarios", response={200: list[ScenarioOut], **ERRORS})
def list_scenarios(request: HttpRequest, q: Query[ScenarioQuery]):
    """The practice scenarios (trainers also see the inactive ones)."""
    filterset = ScenarioFilterSet(query_data(q), _scenarios(request.user), user=request.user)
    return [_scenario_out(s) for s in filtered(filterset).order_by("code")]


@router.get("/training/scenarios/{slug:scenario_code}", response={200: ScenarioDetail, **ERRORS})
def get_scenario(request: HttpRequest, scenario_code: Text):
    scenario = get_object_or_404(_scenarios(request.user), code=scenario_code)
    return _scenario_detail(request.user, scenario)


@router.post("/training/scenarios", response={201: ScenarioDetail, **ERRORS})
def create_scenario(request: HttpRequest, payload: ScenarioIn):
    """A new scenario (trainers). A definition with problems: 422, every problem listed."""
    scenario = actions.save_scenario(request.user, payload.definition)
    return Status(201, _scenario_detail(request.user, scenario))


@router.put("/training/scenarios/{slug:scenario_code}", response={200: ScenarioDetail, **ERRORS})
def update_scenario(request: HttpRequest, scenario_code: Text, payload: ScenarioUpdateIn):
    """A new definition of a scenario (trainers): a shipped one becomes the trainers' own
    version (builtin false), which reloading the shipped files never overwrites."""
    scenario = get_object_or_404(_scenarios(request.user), code=scenario_code)
    scenario = actions.save_scenario(request.user, payload.definition, scenario)
    if payload.active is not None and payload.active != scenario.active:
        scenario = actions.set_active(request.user, scenario, payload.active)
    return _scenario_detail(request.user, scenario)


@router.post(
    "/training/scenarios/{slug:scenario_code}/practices", response={201: PracticeDetail, **ERRORS}
)
def start_practice(request: HttpRequest, scenario_code: Text):
    """Start practising (agents): the answer holds the customer's first line."""
    scenario = get_object_or_404(_scenarios(request.user), code=scenario_code)
    practice = actions.start_practice(request.user, scenario)
    return Status(201, _practice_detail(_practice(request.user, practice.pk)))


class PracticeQuery(Schema):
    """Mirrors `kefu.training.filtersets.PracticeFilterSet`, plus the page parameter."""

    agent: Text | None = Field(None, description="an agent id (external), within your scope")
    scenario: Text | None = Field(None, description="a scenario code")
    status: Literal[tuple(PracticeStatus.values)] | None = None  # type: ignore[valid-type]
    before_id: RowId | None = Field(None, description="page: practices with a smaller id")

    PAGING: ClassVar[frozenset[str]] = frozenset({"before_id"})


@router.get("/training/practices", response={200: list[PracticeOut], **ERRORS})
def list_practices(request: HttpRequest, q: Query[PracticeQuery]):
    """Practices in your scope (agents: their own; supervisors: their teams'; trainers
    and managers: all), newest first, 200 a page."""
    filterset = PracticeFilterSet(
        query_data(q, q.PAGING), _practices(request.user), user=request.user
    )
    qs = filtered(filterset)
    if q.before_id:
        qs = qs.filter(pk__lt=q.before_id)
    return [_practice_out(p) for p in qs.order_by("-pk")[:LIMIT]]


def _practice(user, practice_id: int) -> Practice:
    return get_object_or_404(_practices(user), pk=practice_id)


@router.get("/training/practices/{int:practice_id}", response={200: PracticeDetail, **ERRORS})
def get_practice(request: HttpRequest, practice_id: RowId):
    return _practice_detail(_practice(request.user, practice_id))


@router.post("/training/practices/{int:practice_id}/turns", response={200: TurnOut, **ERRORS})
def send_turn(request: HttpRequest, practice_id: RowId, payload: TurnIn):
    """Your reply; the answer is the customer's (none at the goal, where you say goodbye
    and finish). When the customer leaves, the practice is finished and scored."""
    practice, step = actions.send_turn(request.user, practice_id, payload.text)
    return {
        "customer": step.text,
        "node_kind": step.kind,
        "finished": practice.status == PracticeStatus.FINISHED,
        "practice": _practice_detail(_practice(request.user, practice.pk)),
    }


def _result(p: Practice) -> dict[str, Any]:
    data = p.qa_breakdown or {}
    return _practice_out(p) | {
        "passed": data.get("passed"),
        "fatal": data.get("fatal"),
        "scorecard": data.get("scorecard"),
        "scorecard_version": data.get("scorecard_version"),
        "items": data.get("items", []),
        "hits": data.get("hits", []),
        "failed_checks": data.get("failed", []),
        "transcript": _lines(p),
    }


@router.post(
    "/training/practices/{int:practice_id}/finish", response={200: PracticeResultOut, **ERRORS}
)
def finish_practice(request: HttpRequest, practice_id: RowId):
    """End the practice: it is scored by the QA engine with the default scorecard."""
    actions.finish_practice(request.user, practice_id)
    return _result(_practice(request.user, practice_id))


@router.get(
    "/training/practices/{int:practice_id}/result", response={200: PracticeResultOut, **ERRORS}
)
def practice_result(request: HttpRequest, practice_id: RowId):
    """The QA result of a finished practice: score, items, hits with evidence, checks."""
    practice = _practice(request.user, practice_id)
    if practice.status != PracticeStatus.FINISHED:
        raise HttpError(409, _("The practice is not finished yet."))
    return _result(practice)
