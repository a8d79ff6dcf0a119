"""The training start page: the department's figures for trainers and managers (the
seeds' planned vs held, attendance, hours per person, certified agents, open lessons,
answers awaiting a grade); for an agent, what is theirs to do."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from kefu.accounts.access import own_agent_id, restrict
from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
from kefu.training import figures
from kefu.training.choices import AssignmentStatus, Attendance, SessionStatus
from kefu.training.models import Assignment, Certificate, Enrolment
from kefu.training.selectors import exams as exam_selectors
from kefu.training.selectors.certification import certified_agents, improvement_of
from kefu.training.views.sessions import figures_year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    context: dict = {"tab": "home"}
    if user.has_perm(VIEW_ALL_TRAINING) or user.has_perm(MANAGE_TRAINING):
        year = figures_year(request)
        context.update(
            year=year,
            summary=figures.summary(date(year, 1, 1), date(year, 12, 31)),
            certified=certified_agents(now).count(),
            open_assignments=restrict(
                Assignment.objects.filter(status=AssignmentStatus.OPEN), user
            ).count(),
            overdue=restrict(
                Assignment.objects.filter(status=AssignmentStatus.OPEN, due_at__lt=now), user
            ).count(),
            pending_grades=exam_selectors.pending_answers(user).count()
            if user.has_perm(MANAGE_TRAINING)
            else None,
        )
    agent_id = own_agent_id(user)
    if agent_id is not None:
        context.update(
            my_assignments=Assignment.objects.filter(
                agent_id=agent_id, status=AssignmentStatus.OPEN
            ).select_related("course", "lesson")[:10],
            my_sessions=Enrolment.objects.filter(
                agent_id=agent_id,
                attendance=Attendance.ENROLLED,
                session__status=SessionStatus.PLANNED,
                session__ends_at__gte=now,
            ).select_related("session")[:10],
            my_certificate=Certificate.objects.filter(agent_id=agent_id)
            .select_related("cycle")
            .order_by("-cycle__starts_on")
            .first(),
            my_record=agent_id,
            improvement=improvement_of(agent_id, now),
        )
    return render(request, "training/home.html", context)
