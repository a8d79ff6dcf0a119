"""Improvement plans (绩效改进计划): the list (agents their own, supervisors their teams',
managers all), opening a plan with goals, check-ins and coaching sessions, lessons from
training, closing with the outcome. Opening another person's plan is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import own_agent_id, restrict
from kefu.lib.errors import ActionError
from kefu.performance.actions import plans as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.apps import APPRAISE
from kefu.performance.auditing import audit_view
from kefu.performance.choices import PlanStatus
from kefu.performance.forms_methods import (
    CheckinForm,
    CloseForm,
    GoalForm,
    LessonForm,
    PlanForm,
)
from kefu.performance.models import ImprovementPlan
from kefu.performance.views._methods import cycles, refused

LIMIT = 300


def _plans(request: HttpRequest):
    return restrict(ImprovementPlan.objects.all(), request.user).select_related(
        "agent", "agent__team", "cycle", "coach"
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rows = list(_plans(request).order_by("-opened_on", "-pk")[:LIMIT])
    own = own_agent_id(request.user)
    today = timezone.localdate()
    for row in rows:
        row.overdue = row.status == PlanStatus.OPEN and row.due_on < today
    return render(
        request,
        "performance/plans/index.html",
        {
            "tab": "plans",
            "mine": [r for r in rows if r.agent_id == own],
            "others": [r for r in rows if r.agent_id != own],
            "may_open": may_appraise(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    if not may_appraise(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    form = PlanForm(
        request.POST if request.method == "POST" else None,
        initial={"opened_on": today, "due_on": today + timedelta(days=60)},
        cycles=cycles(request, open_only=True),
        agents=appraisable(request.user).select_related("team").order_by("external_id"),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            plan = actions.open_plan(
                d["agent"], user=request.user, title=d["title"], opened_on=d["opened_on"],
                due_on=d["due_on"], goals=form.goals(), cycle=d["cycle"],
            )  # fmt: skip
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
        else:
            messages.success(request, _("Plan opened."))
            return redirect("performance:plan", plan.pk)
    return render(
        request,
        "performance/plans/new.html",
        {"tab": "plans", "form": form, "sources": actions.known_sources()},
    )


def _may_change(request: HttpRequest, plan: ImprovementPlan) -> bool:
    return (
        plan.status == PlanStatus.OPEN
        and own_agent_id(request.user) != plan.agent_id
        and restrict(ImprovementPlan.objects.filter(pk=plan.pk), request.user, APPRAISE).exists()
    )


@login_required
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = get_object_or_404(_plans(request), pk=plan_id)
    audit_view(request, plan.agent, "plan")
    goals = list(plan.goals.all())
    may_change = _may_change(request, plan)
    context = {
        "tab": "plans",
        "plan": plan,
        "goals": goals,
        "checkins": plan.checkins.select_related("by"),
        "lessons": plan.lessons.select_related("course"),
        "may_change": may_change,
        "own": plan.agent_id == own_agent_id(request.user),
    }
    if may_change:
        context |= {
            "goal_form": GoalForm(),
            "checkin_form": CheckinForm(initial={"on": timezone.localdate()}),
            "lesson_form": LessonForm(lessons=actions.lessons_for(request.user).order_by(
                "course__title", "position")),
            "close_form": CloseForm(goals=goals),
            "sources": actions.known_sources(),
        }  # fmt: skip
    return render(request, "performance/plans/plan.html", context)


def _changing(request: HttpRequest, plan_id: int) -> ImprovementPlan:
    return get_object_or_404(_plans(request), pk=plan_id)


def _invalid(request: HttpRequest, form) -> None:
    errors = [str(e) for field in form.errors.values() for e in field]
    messages.error(request, " ".join(errors) or _("Check the values."))


@login_required
@require_POST
def plan_goal(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _changing(request, plan_id)

    def add(d: dict[str, Any]) -> str:
        actions.add_goal(plan, d["source"], d["baseline"], d["target"], user=request.user)
        return _("Goal added.")

    return _submit(request, plan, GoalForm(request.POST), add)


@login_required
@require_POST
def plan_checkin(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _changing(request, plan_id)

    def add(d: dict[str, Any]) -> str:
        actions.add_checkin(
            plan, on=d["on"], note=d["note"], coaching=d["coaching"], user=request.user
        )
        return _("Check-in recorded.")

    return _submit(request, plan, CheckinForm(request.POST), add)


@login_required
@require_POST
def plan_lesson(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _changing(request, plan_id)

    def link(d: dict[str, Any]) -> str:
        actions.link_lesson(
            plan, d["lesson"], user=request.user, assign_it=d["assign"],
            due_days=d["due_days"] or 14,
        )  # fmt: skip
        return _("Lesson linked and assigned.") if d["assign"] else _("Lesson linked.")

    form = LessonForm(request.POST, lessons=actions.lessons_for(request.user))
    return _submit(request, plan, form, link)


@login_required
@require_POST
def plan_close(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _changing(request, plan_id)
    form = CloseForm(request.POST, goals=plan.goals.all())

    def close(d: dict[str, Any]) -> str:
        actions.close_plan(
            plan, status=d["status"], outcome=d["outcome"], results=form.results(),
            user=request.user,
        )  # fmt: skip
        return _("Plan closed.")

    return _submit(request, plan, form, close)


def _submit(
    request: HttpRequest, plan: ImprovementPlan, form: Form, change: Callable[[dict], str]
) -> HttpResponse:
    """One change to a plan from its form: on valid data the change runs and its message
    is shown (a refusal is shown instead); otherwise the form's errors. Back to the plan."""
    if form.is_valid():
        try:
            messages.success(request, change(form.cleaned_data))
        except ActionError as exc:
            refused(request, exc)
    else:
        _invalid(request, form)
    return redirect("performance:plan", plan.pk)


urls = [
    path("plans/", index, name="plans"),
    path("plans/new/", plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", plan_detail, name="plan"),
    path("plans/<int:plan_id>/goals/", plan_goal, name="plan_goal"),
    path("plans/<int:plan_id>/checkins/", plan_checkin, name="plan_checkin"),
    path("plans/<int:plan_id>/lessons/", plan_lesson, name="plan_lesson"),
    path("plans/<int:plan_id>/close/", plan_close, name="plan_close"),
]
