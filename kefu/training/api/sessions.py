"""Training API: sessions — /api/v1/training/sessions…: the calendar, scheduling,
enrolment (by agents, team, tier or rule), attendance, check-in with the session code, and
the figures (coverage, attendance, hours per person; the absence rule).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Literal

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts.access import CHANGE, agents_visible_to, restrict, teams_visible_to
from kefu.accounts.choices import Tier
from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
from kefu.core import periods
from kefu.lib.schemas import Day, ErrorOut, RowId, Text
from kefu.training import figures
from kefu.training.actions import sessions as actions
from kefu.training.actions._checks import require_trainer
from kefu.training.api._filters import filtered, query_data
from kefu.training.choices import Attendance, CourseKind, SessionStatus
from kefu.training.core import figures as core
from kefu.training.filtersets import SessionFilterSet
from kefu.training.models import Course, Enrolment, TrainingSession, TrainingSettings

router = Router(tags=["training"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT = 500
AHEAD_DAYS = 90
MAX_AGENTS = 2000


class SessionOut(Schema):
    id: int
    title: str
    course: int | None
    kind: str
    starts_at: datetime
    ends_at: datetime
    hours: float
    instructor: str | None = Field(description="username")
    place: str
    link: str
    capacity: int | None
    status: str
    enrolled: int


class EnrolmentOut(Schema):
    id: int
    agent: str = Field(description="agent id")
    name: str
    source: str
    attendance: str
    checked_in_at: datetime | None


class SessionDetail(SessionOut):
    code: str | None = Field(None, description="the check-in code (trainers only)")
    enrolments: list[EnrolmentOut] = Field(description="the ones the caller may see")


Kind = Literal[tuple(CourseKind.values)]  # type: ignore[valid-type]


class SessionIn(Schema):
    title: str = Field("", max_length=200, description="default: the course's title")
    course: RowId | None = None
    kind: Kind | None = None  # type: ignore[valid-type]
    starts_at: datetime
    ends_at: datetime
    instructor: Text | None = Field(None, description="username")
    place: str = Field("", max_length=200)
    link: str = Field("", max_length=200)
    capacity: int | None = Field(None, ge=1, le=10_000)


class EnrolIn(Schema):
    """Exactly one way of choosing agents."""

    agents: list[Text] = Field(default_factory=list, max_length=MAX_AGENTS, description="agent ids")
    team: Text | None = Field(None, description="team name")
    tier: Literal[tuple(Tier.values)] | None = None  # type: ignore[valid-type]
    hired_within_days: int | None = Field(
        None, ge=1, le=3650, description="new hires: hired in the last N days before the session"
    )


class EnrolOut(Schema):
    added: int
    already: int


class CheckInIn(Schema):
    code: str = Field(max_length=12)


Mark = Literal[tuple(Attendance.values)]  # type: ignore[valid-type]


class AttendanceIn(Schema):
    marks: dict[Text, Mark] = Field(  # type: ignore[valid-type]
        description="agent id → attended | absent | excused | enrolled"
    )


class Figure(Schema):
    numerator: int
    denominator: int
    rate: float | None


class FiguresOut(Schema):
    date_from: date
    date_to: date
    planned: int
    held: int
    coverage: Figure = Field(description="held / planned")
    attendance: Figure = Field(description="attended / (attended + absent), held sessions")
    hours_total: float
    people: int
    hours_per_person: float | None
    absence_limit: int
    absence_penalty_percent: int
    over_limit: list[dict] = Field(description="quarter, agent, absences (over the limit)")


def _out(s: TrainingSession, enrolled: int) -> dict:
    return {
        "id": s.pk,
        "title": s.title,
        "course": s.course_id,
        "kind": s.kind,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "hours": round(s.hours, 2),
        "instructor": s.instructor.get_username() if s.instructor else None,
        "place": s.place,
        "link": s.link,
        "capacity": s.capacity,
        "status": s.status,
        "enrolled": enrolled,
    }


def _detail(request: HttpRequest, s: TrainingSession) -> dict:
    rows = (
        restrict(Enrolment.objects.filter(session=s), request.user)
        .select_related("agent")
        .order_by("agent__external_id")
    )
    return _out(s, s.enrolments.count()) | {
        "code": s.code if request.user.has_perm(MANAGE_TRAINING) else None,
        "enrolments": [
            {
                "id": e.pk,
                "agent": e.agent.external_id,
                "name": e.agent.name,
                "source": e.source,
                "attendance": e.attendance,
                "checked_in_at": e.checked_in_at,
            }
            for e in rows
        ],
    }


def _session(request: HttpRequest, pk: int, action: str = "view") -> TrainingSession:
    qs = restrict(TrainingSession.objects.all(), request.user, action).select_related("instructor")
    return get_object_or_404(qs, pk=pk)


class SessionQuery(Schema):
    """Mirrors `kefu.training.filtersets.SessionFilterSet`."""

    date_from: Day | None = Field(None, description="first local day (default: this month's)")
    date_to: Day | None = Field(None, description="last local day (default: 90 days ahead)")
    course: RowId | None = None
    kind: Kind | None = None  # type: ignore[valid-type]
    status: Literal[tuple(SessionStatus.values)] | None = None  # type: ignore[valid-type]


class FiguresQuery(Schema):
    date_from: Day | None = Field(None, description="first local day")
    date_to: Day | None = Field(None, description="last local day")


@router.get("/training/sessions", response={200: list[SessionOut], **ERRORS})
def list_sessions(request: HttpRequest, q: Query[SessionQuery]):
    """Sessions starting in the period (default: from the first day of this month to 90
    days ahead, or 90 days from date_from), in time order (at most 500)."""
    today = timezone.localdate()
    data = query_data(q)
    if "date_to" not in data:  # 90 days on from the start asked, else from today
        data["date_to"] = (data.get("date_from") or today) + timedelta(days=AHEAD_DAYS)
    data.setdefault("date_from", today.replace(day=1))
    filterset = SessionFilterSet(data, restrict(TrainingSession.objects.all(), request.user),
                                 user=request.user)  # fmt: skip
    qs = filtered(filterset).select_related("instructor").order_by("starts_at", "pk")
    rows = list(qs[:LIMIT])
    counts = dict(
        Enrolment.objects.filter(session__in=[s.pk for s in rows])
        .values_list("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    return [_out(s, counts.get(s.pk, 0)) for s in rows]


def _session_data(payload: SessionIn) -> dict:
    data = payload.model_dump()
    if payload.course is not None:
        data["course"] = Course.objects.filter(pk=payload.course).first()
        if data["course"] is None:
            raise HttpError(422, _("no such course"))
    instructor = None
    if payload.instructor:
        instructor = (
            get_user_model().objects.filter(username=payload.instructor, is_active=True).first()
        )
        if instructor is None:
            raise HttpError(422, _("no such user"))
    data["instructor"] = instructor
    if data["kind"] is None:
        data.pop("kind")
    return data


@router.post("/training/sessions", response={201: SessionDetail, **ERRORS})
def create_session(request: HttpRequest, payload: SessionIn):
    require_trainer(request.user)
    session = actions.save_session(_session_data(payload), user=request.user)
    return Status(201, _detail(request, _session(request, session.pk)))


@router.get("/training/sessions/figures", response={200: FiguresOut, **ERRORS})
def session_figures(request: HttpRequest, q: Query[FiguresQuery]):
    """Coverage, attendance, hours per person of the period (default: this calendar
    year), and the agents over the absence limit in its quarters (trainers, managers)."""
    if not request.user.has_perm(VIEW_ALL_TRAINING):
        raise HttpError(403, _("you may not see every agent's training"))
    year = timezone.localdate().year
    date_from = q.date_from or date(year, 1, 1)
    date_to = q.date_to or date(year, 12, 31)
    if date_to < date_from:
        raise HttpError(422, _("date_to is before date_from"))
    if periods.span_days(date_from, date_to) > 3 * 366:
        raise HttpError(422, _("the period is too long"))
    summary = figures.summary(date_from, date_to)
    rules = TrainingSettings.current()
    quarters = sorted(
        {core.quarter_of(date.fromordinal(d))
         for d in range(date_from.toordinal(), date_to.toordinal() + 1, 28)}
        | {core.quarter_of(date_to)}
    )  # fmt: skip
    names = dict(agents_visible_to(request.user).values_list("pk", "external_id"))
    over = [
        {"quarter": q, "agent": names[a], "absences": n}
        for q in quarters
        for a, n in figures.over_limit(q)
        if a in names
    ]

    def figure(r: core.Ratio) -> dict:
        return {"numerator": r.numerator, "denominator": r.denominator, "rate": r.rate}

    return {
        "date_from": date_from,
        "date_to": date_to,
        "planned": summary.coverage.denominator,
        "held": summary.coverage.numerator,
        "coverage": figure(summary.coverage),
        "attendance": figure(summary.attendance),
        "hours_total": round(summary.hours.total, 2),
        "people": summary.hours.people,
        "hours_per_person": summary.hours.per_person,
        "absence_limit": rules.absence_limit,
        "absence_penalty_percent": rules.absence_penalty_percent,
        "over_limit": over,
    }


@router.get("/training/sessions/{int:training_session_id}", response={200: SessionDetail, **ERRORS})
def get_session(request: HttpRequest, training_session_id: RowId):
    return _detail(request, _session(request, training_session_id))


@router.put("/training/sessions/{int:training_session_id}", response={200: SessionDetail, **ERRORS})
def update_session(request: HttpRequest, training_session_id: RowId, payload: SessionIn):
    require_trainer(request.user)
    session = _session(request, training_session_id, CHANGE)
    actions.save_session(_session_data(payload), user=request.user, session=session)
    return _detail(request, _session(request, training_session_id))


@router.post(
    "/training/sessions/{int:training_session_id}/enrol", response={200: EnrolOut, **ERRORS}
)
def enrol(request: HttpRequest, training_session_id: RowId, payload: EnrolIn):
    """Enrol agents by id, a team, a tier, or the rule "hired in the last N days"; refused
    as a whole (409) beyond the capacity."""
    require_trainer(request.user)
    session = _session(request, training_session_id, CHANGE)
    chosen = [bool(payload.agents), payload.team is not None, payload.tier is not None,
              payload.hired_within_days is not None]  # fmt: skip
    if sum(chosen) != 1:
        raise HttpError(422, _("choose exactly one of agents, team, tier, hired_within_days"))
    team = None
    if payload.team is not None:
        team = teams_visible_to(request.user).filter(name=payload.team).first()
        if team is None:
            raise HttpError(422, _("no such team"))
    visible = agents_visible_to(request.user)
    picked = list(visible.filter(external_id__in=payload.agents)) if payload.agents else []
    if payload.agents and len(picked) != len(set(payload.agents)):
        raise HttpError(422, _("unknown agent id"))
    agents, source = actions.agents_for(
        agents=picked,
        team=team,
        tier=payload.tier or "",
        hired_within_days=payload.hired_within_days,
        on=timezone.localtime(session.starts_at).date(),
    )
    result = actions.enrol(
        session, agents.filter(pk__in=visible.values("pk")), user=request.user, source=source
    )
    return {"added": result.added, "already": result.already}


@router.post(
    "/training/sessions/{int:training_session_id}/attendance",
    response={200: SessionDetail, **ERRORS},
)
def attendance(request: HttpRequest, training_session_id: RowId, payload: AttendanceIn):
    """The trainer marks agents of the session."""
    require_trainer(request.user)
    session = _session(request, training_session_id, CHANGE)
    rows = dict(
        restrict(Enrolment.objects.filter(session=session), request.user, CHANGE).values_list(
            "agent__external_id", "pk"
        )
    )
    unknown = set(payload.marks) - set(rows)
    if unknown:
        raise HttpError(422, _("not enrolled: %(ids)s") % {"ids": ", ".join(sorted(unknown))})
    actions.mark_attendance(
        session, {rows[a]: mark for a, mark in payload.marks.items()}, user=request.user
    )
    return _detail(request, _session(request, training_session_id))


@router.post(
    "/training/sessions/{int:training_session_id}/check-in",
    response={200: EnrolmentOut, **ERRORS},
)
def check_in(request: HttpRequest, training_session_id: RowId, payload: CheckInIn):
    """The calling agent checks in with the session code (enrolled only; from 30 minutes
    before the start to the end)."""
    session = _session(request, training_session_id)
    e = actions.check_in(session, payload.code, user=request.user)
    return {
        "id": e.pk,
        "agent": e.agent.external_id,
        "name": e.agent.name,
        "source": e.source,
        "attendance": e.attendance,
        "checked_in_at": e.checked_in_at,
    }
