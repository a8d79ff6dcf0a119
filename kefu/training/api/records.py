"""Training API: records (培训档案) and quarterly certification.

/api/v1/training/records/{agent_id}: an agent's record (agents their own, supervisors
their teams', trainers and managers all; outside: 404). Certification cycles are read by
everyone, results by whoever sees the agent's record; trainers compute them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from kefu.accounts.access import CHANGE, restrict
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.training.actions import certification as actions
from kefu.training.api._filters import filtered, query_data
from kefu.training.apps import RECORDS
from kefu.training.filtersets import CertificateFilterSet, RecordFilterSet
from kefu.training.models import Certificate, CertificationCycle
from kefu.training.records import record_of

router = Router(tags=["training"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
LIMIT = 500


class CertificateOut(Schema):
    cycle: str
    agent: str
    knowledge: float | None
    communication: float | None
    problem: float | None
    total: float | None
    passed: bool
    number: str
    issued_at: datetime | None
    expires_at: datetime | None


class CycleOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date
    weights: dict[str, int]
    pass_score: int


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def certificate_out(c: Certificate) -> dict[str, Any]:
    return {
        "cycle": c.cycle.name, "agent": c.agent.external_id, "knowledge": _num(c.knowledge),
        "communication": _num(c.communication), "problem": _num(c.problem),
        "total": _num(c.total), "passed": c.passed, "number": c.number,
        "issued_at": c.issued_at, "expires_at": c.expires_at,
    }  # fmt: skip


def cycle_out(c: CertificationCycle) -> dict[str, Any]:
    return {
        "id": c.pk, "name": c.name, "starts_on": c.starts_on, "ends_on": c.ends_on,
        "weights": {"knowledge": c.knowledge_weight, "communication": c.communication_weight,
                    "problem": c.problem_weight},
        "pass_score": c.pass_score,
    }  # fmt: skip


@router.get("/training/certification", response={200: list[CycleOut], **ERRORS})
def list_cycles(request: HttpRequest) -> Any:
    return [cycle_out(c) for c in restrict(CertificationCycle.objects.all(), request.user)]


class CertificateQuery(Schema):
    """Mirrors `kefu.training.filtersets.CertificateFilterSet`."""

    result: Literal["passed", "failed", "incomplete"] | None = None
    team: Text | None = Field(None, description="a team id or name")


@router.get(
    "/training/certification/{int:cycle_id}/results",
    response={200: list[CertificateOut], **ERRORS},
)
def cycle_results(request: HttpRequest, cycle_id: RowId, q: Query[CertificateQuery]) -> Any:
    cycle = get_object_or_404(restrict(CertificationCycle.objects.all(), request.user), pk=cycle_id)
    rows = restrict(
        Certificate.objects.filter(cycle=cycle).select_related("cycle", "agent"), request.user
    )
    filterset = CertificateFilterSet(query_data(q), rows, user=request.user)
    return [certificate_out(c) for c in filtered(filterset)]


@router.post(
    "/training/certification/{int:cycle_id}/certify",
    response={200: list[CertificateOut], **ERRORS},
    summary="Compute the cycle's results (trainers)",
)
def certify(request: HttpRequest, cycle_id: RowId) -> Any:
    if not request.user.has_perm(MANAGE_TRAINING):
        raise HttpError(403, "Only trainers compute certification results.")
    cycle = get_object_or_404(
        restrict(CertificationCycle.objects.all(), request.user, CHANGE), pk=cycle_id
    )
    return [certificate_out(c) for c in actions.certify(cycle, user=request.user)]


class RecordQuery(Schema):
    """Mirrors `kefu.training.filtersets.RecordFilterSet`."""

    q: Text | None = Field(None, description="words of the agent's name or id")
    team: Text | None = Field(None, description="a team id or name")


class RecordRowOut(Schema):
    id: int = Field(description="the agent's row id: GET /api/v1/training/records/{id}")
    agent: str = Field(description="agent id")
    name: str
    team: str | None
    tier: str


@router.get("/training/records", response={200: list[RecordRowOut], **ERRORS})
def list_records(request: HttpRequest, q: Query[RecordQuery]) -> Any:
    """Whose training records the caller may read (agents: their own; supervisors: their
    teams'; trainers and managers: everyone's), by team and agent id (500 at most)."""
    agents = restrict(Agent.objects.select_related("team"), request.user, RECORDS)
    filterset = RecordFilterSet(query_data(q), agents, user=request.user)
    rows = filtered(filterset).order_by("team__name", "external_id")[:LIMIT]
    return [
        {"id": a.pk, "agent": a.external_id, "name": a.name,
         "team": a.team.name if a.team_id else None, "tier": a.tier}
        for a in rows
    ]  # fmt: skip


@router.get("/training/records/{int:agent_id}", response={200: dict[str, Any], **ERRORS})
def agent_record(request: HttpRequest, agent_id: RowId) -> Any:
    """An agent's training record: certificates, sessions, exams, practice, assignments."""
    agent = get_object_or_404(restrict(Agent.objects.all(), request.user, RECORDS), pk=agent_id)
    r = record_of(agent, timezone.now())
    return {
        "agent": agent.external_id,
        "hours_attended": r.hours_attended,
        "absences_this_quarter": r.absences_this_quarter,
        "lessons_completed": r.lessons_done,
        "certificates": [certificate_out(c) for c in r.certificates],
        "sessions": [
            {"session": e.session_id, "title": e.session.title, "starts_at": e.session.starts_at,
             "attendance": e.attendance}
            for e in r.enrolments
        ],
        "exams": [
            {"exam": a.exam_id, "title": a.exam.title, "attempt": a.number, "status": a.status,
             "overdue": a.overdue,
             "score": _num(a.score), "passed": a.passed, "started_at": a.started_at}
            for a in r.attempts
        ],
        "practice": [
            {"practice": p.pk, "scenario": p.scenario.code, "status": p.status,
             "qa_score": _num(p.qa_score), "errors": p.errors, "checks": p.checks,
             "started_at": p.started_at}
            for p in r.practices
        ],
        "assignments": [
            {"assignment": a.pk, "course": a.course.title, "lesson": a.lesson_id,
             "source": a.source, "status": a.status, "due_at": a.due_at,
             "completed_at": a.completed_at}
            for a in r.assignments
        ],
    }  # fmt: skip
