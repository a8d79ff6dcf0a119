"""Training pages: the session calendar, a session (enrolment, attendance, check-in), the
session figures and the absence rule, the training settings."""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import CHANGE, agents_visible_to, own_agent_id, restrict, teams_visible_to
from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
from kefu.core import periods
from kefu.lib.errors import ActionError
from kefu.lib.localtime import configured_tz
from kefu.training import figures
from kefu.training.actions import sessions as actions
from kefu.training.choices import SessionStatus
from kefu.training.core import figures as core
from kefu.training.filtersets import SessionFilterSet
from kefu.training.forms_sessions import (
    AttendanceForm,
    CheckInForm,
    EnrolForm,
    SessionForm,
    SettingsForm,
)
from kefu.training.models import Enrolment, TrainingSession, TrainingSettings
from kefu.training.views._common import refused, require_trainer
from kefu.training.views._ids import row_id

UPCOMING_DAYS = 60


def _sessions(request: HttpRequest, action: str = "view"):
    return restrict(TrainingSession.objects.all(), request.user, action)


def _month(request: HttpRequest) -> tuple[date, date]:
    """The month asked for (?month=YYYY-MM), else this month (empty or not: the page
    links the nearest months with sessions)."""
    today = timezone.localdate()
    asked = periods.parse_month(request.GET.get("month", ""), today)
    return asked if asked is not None else _month_of(today)


def _months_with_sessions(
    sessions: QuerySet[TrainingSession], first: date, last: date
) -> tuple[date | None, date | None]:
    """The first day of the nearest month before `first` and after `last` that has
    sessions (among `sessions`, the ones the user sees and the filters keep), or None."""
    tz = configured_tz()
    before = (
        sessions.filter(starts_at__lt=periods.day_start(first, tz))
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    after = (
        sessions.filter(starts_at__gte=periods.day_start(last + timedelta(days=1), tz))
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )

    def month(at) -> date | None:
        return None if at is None else timezone.localtime(at, tz).date().replace(day=1)

    return month(before), month(after)


def _week(request: HttpRequest) -> tuple[date, date] | None:
    """The week asked for (?week=YYYY-MM-DD, any day of it): Monday … Sunday."""
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        return None
    if not periods.day_allowed(day, timezone.localdate()):
        return None
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _filter_query(filterset: SessionFilterSet) -> str:
    """The filters in force as a query string, kept by the month and week links."""
    applied = {
        k: (v.pk if hasattr(v, "pk") else v)
        for k, v in filterset.applied.items()
        if k not in ("date_from", "date_to")
    }
    return urlencode(applied)


def _shift(first: date, months: int) -> str:
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The month as a calendar grid (weeks × days) and its sessions as a list, or one
    week's list (?week=); the agent's own upcoming sessions with check-in."""
    week = _week(request)
    first, last = _month_of(week[0]) if week else _month(request)
    tz = configured_tz()
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    grid_first, grid_last = weeks[0][0], weeks[-1][-1]
    # The filters of the list (course, kind, status); the calendar's window is its dates.
    data = request.GET.copy()
    for key in ("date_from", "date_to"):
        data.pop(key, None)
    kept = SessionFilterSet(data.copy(), _sessions(request), user=request.user)
    data.update({"date_from": grid_first.isoformat(), "date_to": grid_last.isoformat()})
    filterset = SessionFilterSet(data, _sessions(request), user=request.user)
    shown = list(filterset.qs.select_related("course", "instructor").order_by("starts_at", "pk"))
    previous_with, next_with = _months_with_sessions(kept.qs, first, last)
    by_day: dict[date, list[TrainingSession]] = defaultdict(list)
    for s in shown:
        by_day[timezone.localtime(s.starts_at, tz).date()].append(s)
    grid = [
        {
            "monday": week_days[0],
            "days": [
                {"day": d, "in_month": d.month == first.month, "sessions": by_day.get(d, [])}
                for d in week_days
            ],
        }
        for week_days in weeks
    ]
    list_first, list_last = week or (first, last)
    listed = [
        s for s in shown if list_first <= timezone.localtime(s.starts_at, tz).date() <= list_last
    ]
    mine = []
    agent_id = own_agent_id(request.user)
    if agent_id is not None:
        now = timezone.now()
        mine = list(
            restrict(Enrolment.objects.filter(agent_id=agent_id), request.user)
            .filter(
                session__ends_at__gte=now,
                session__starts_at__lte=now + timedelta(days=UPCOMING_DAYS),
            )
            .exclude(session__status=SessionStatus.CANCELLED)
            .select_related("session")
            .order_by("session__starts_at")
        )
        for e in mine:
            e.can_check_in = actions.check_in_open(e.session, now)
    return render(
        request,
        "training/sessions/index.html",
        {
            "tab": "sessions",
            "grid": grid,
            "month": first,
            "week": week,
            "listed": listed,
            "previous_month": _shift(first, -1),
            "next_month": _shift(first, 1),
            "previous_with_sessions": previous_with,
            "next_with_sessions": next_with,
            "filters": kept.form,
            "filter_query": _filter_query(kept),
            "weekdays": weeks[0],
            "today": timezone.localdate(),
            "mine": mine,
            "trainer": request.user.has_perm(MANAGE_TRAINING),
            "sees_figures": request.user.has_perm(VIEW_ALL_TRAINING),
        },
    )


def _enrol_form(request: HttpRequest, data=None) -> EnrolForm:
    return EnrolForm(
        data,
        agents=agents_visible_to(request.user).select_related("team").order_by("external_id"),
        teams=teams_visible_to(request.user).order_by("name"),
        prefix="enrol",
    )


@login_required
def session_detail(request: HttpRequest, training_session_id: int) -> HttpResponse:
    session = get_object_or_404(
        _sessions(request).select_related("course", "instructor"), pk=training_session_id
    )
    trainer = request.user.has_perm(MANAGE_TRAINING)
    enrolments = list(
        restrict(Enrolment.objects.filter(session=session), request.user)
        .select_related("agent", "agent__team", "checked_in_by")
        .order_by("agent__external_id")
    )
    agent_id = own_agent_id(request.user)
    own = next((e for e in enrolments if e.agent_id == agent_id), None)
    counts = defaultdict(int)
    for e in enrolments:
        counts[e.attendance] += 1
    return render(
        request,
        "training/sessions/session.html",
        {
            "tab": "sessions",
            "session": session,
            "enrolments": enrolments,
            "taken": session.enrolments.count(),
            "counts": dict(counts),
            "own": own,
            "can_check_in": own is not None and actions.check_in_open(session),
            "check_in_form": CheckInForm(),
            "trainer": trainer,
            "shows_code": trainer or session.instructor_id == request.user.pk,
            "enrol_form": _enrol_form(request) if trainer else None,
            "attendance_form": AttendanceForm(enrolments=enrolments) if trainer else None,
            "started": session.starts_at - actions.CHECK_IN_OPENS <= timezone.now(),
            "statuses": SessionStatus.choices,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def session_edit(request: HttpRequest, training_session_id: int | None = None) -> HttpResponse:
    require_trainer(request)
    session = None
    if training_session_id is not None:
        session = get_object_or_404(_sessions(request, CHANGE), pk=training_session_id)
    form = SessionForm.for_session(session, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            session = actions.save_session(form.cleaned_data, user=request.user, session=session)
            messages.success(request, _("Session saved."))
            return redirect("training:session", session.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request,
        "training/sessions/session_edit.html",
        {"tab": "sessions", "form": form, "session": session},
    )


@login_required
@require_POST
def session_enrol(request: HttpRequest, training_session_id: int) -> HttpResponse:
    require_trainer(request)
    session = get_object_or_404(_sessions(request, CHANGE), pk=training_session_id)
    form = _enrol_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whom to enrol."))
        return redirect("training:session", session.pk)
    data = form.cleaned_data
    how = data["how"]
    try:
        agents, source = actions.agents_for(
            agents=data["agents"] if how == "agents" else (),
            team=data["team"] if how == "team" else None,
            tier=data["tier"] if how == "tier" else "",
            hired_within_days=data["hired_within_days"] if how == "rule" else None,
            on=timezone.localtime(session.starts_at).date(),
        )
        # Only agents the trainer sees (every agent for trainers; the layer decides).
        agents = agents.filter(pk__in=agents_visible_to(request.user).values("pk"))
        result = actions.enrol(session, agents, user=request.user, source=source)
        messages.success(
            request,
            _("%(added)s enrolled; %(already)s were already enrolled.")
            % {"added": result.added, "already": result.already},
        )
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:session", session.pk)


@login_required
@require_POST
def session_attendance(request: HttpRequest, training_session_id: int) -> HttpResponse:
    require_trainer(request)
    session = get_object_or_404(_sessions(request, CHANGE), pk=training_session_id)
    enrolments = restrict(Enrolment.objects.filter(session=session), request.user, CHANGE)
    form = AttendanceForm(request.POST, enrolments=enrolments.select_related("agent"))
    if not form.is_valid():
        messages.error(request, _("Unknown attendance mark."))
    else:
        try:
            changed = actions.mark_attendance(session, form.marks(), user=request.user)
            messages.success(request, _("Attendance saved (%(n)s changed).") % {"n": changed})
        except ActionError as exc:
            refused(request, exc)
    return redirect("training:session", session.pk)


@login_required
@require_POST
def session_status(request: HttpRequest, training_session_id: int) -> HttpResponse:
    require_trainer(request)
    session = get_object_or_404(_sessions(request, CHANGE), pk=training_session_id)
    try:
        actions.set_status(session, request.POST.get("status", ""), user=request.user)
        messages.success(request, _("Status changed."))
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:session", session.pk)


@login_required
@require_POST
def session_check_in(request: HttpRequest, training_session_id: int) -> HttpResponse:
    session = get_object_or_404(_sessions(request), pk=training_session_id)
    try:
        actions.check_in(session, request.POST.get("code", "")[:12], user=request.user)
        messages.success(request, _("Checked in. Welcome!"))
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:session", session.pk)


# --- figures and settings ---------------------------------------------------------------------
def figures_year(request: HttpRequest) -> int:
    """The `?year=` asked, else the year of the latest session held (the demo's is 2024)."""
    year = row_id(request.GET.get("year"))
    if year is not None and 2000 <= year <= timezone.localdate().year + 1:
        return year
    latest = (
        TrainingSession.objects.filter(starts_at__lte=timezone.now())
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localtime(latest).year if latest else timezone.localdate().year


@login_required
def session_figures(request: HttpRequest) -> HttpResponse:
    """Planned vs held, attendance, hours per person for a year and its quarters; the
    agents over the absence limit per quarter."""
    if not request.user.has_perm(VIEW_ALL_TRAINING):
        raise PermissionDenied
    year = figures_year(request)
    rules = TrainingSettings.current()
    quarters = []
    names = {}
    over: dict[str, list[tuple[int, int]]] = {}
    for q in range(1, 5):
        label = f"{year}-Q{q}"
        start, end = core.quarter_bounds(label)
        over[label] = figures.over_limit(label)
        quarters.append({"label": label, "summary": figures.summary(start, end)})
    agent_ids = {a for rows in over.values() for a, _ in rows}
    visible = agents_visible_to(request.user).filter(pk__in=agent_ids).select_related("team")
    names = {a.pk: a for a in visible}
    over_rows = [
        {"quarter": label, "agent": names[a], "absences": n}
        for label, rows in over.items()
        for a, n in rows
        if a in names
    ]
    return render(
        request,
        "training/sessions/figures.html",
        {
            "tab": "sessions",
            "year": year,
            "years": [year - 1, year + 1],
            "summary": figures.summary(date(year, 1, 1), date(year, 12, 31)),
            "quarters": quarters,
            "over_rows": over_rows,
            "rules": rules,
            "penalty_share": rules.absence_penalty_percent,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    row = TrainingSettings.current()
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_settings(form.cleaned_data, user=request.user)
            messages.success(request, _("Training settings saved."))
            return redirect("training:settings")
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    return render(
        request, "training/sessions/settings.html", {"tab": "sessions", "form": form, "row": row}
    )


urls = [
    path("sessions/", index, name="sessions"),
    path("sessions/new/", session_edit, name="session_new"),
    path("sessions/figures/", session_figures, name="session_figures"),
    path("sessions/<int:training_session_id>/", session_detail, name="session"),
    path("sessions/<int:training_session_id>/edit/", session_edit, name="session_edit"),
    path("sessions/<int:training_session_id>/enrol/", session_enrol, name="session_enrol"),
    path(
        "sessions/<int:training_session_id>/attendance/",
        session_attendance,
        name="session_attendance",
    ),
    path("sessions/<int:training_session_id>/status/", session_status, name="session_status"),
    path("sessions/<int:training_session_id>/check-in/", session_check_in, name="session_check_in"),
    path("settings/", settings_view, name="settings"),
]
