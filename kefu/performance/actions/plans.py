"""Writes of improvement plans (绩效改进计划): goals, coaching sessions and check-ins,
lessons from training, outcome.

A supervisor (their teams' agents) or a manager (every agent) opens a plan with at least
one goal: a figure (a source key such as "qa.score" or "kpi.frt_mean_s", the keys of
kefu/performance/sources.py), its baseline and the target. Check-ins and coaching
sessions are dated notes; lessons are linked from training (and, if asked, assigned
through kefu.training's own action, which decides who may assign). Closing records the
outcome, each goal's result and the status. The agent is notified of the plan, of each
check-in and of the outcome; every write is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_noop

from kefu.accounts.access import restrict
from kefu.accounts.models import Agent
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.performance.actions._common import (
    audit,
    require_appraisable,
    require_open,
    tell_agent,
    text,
)
from kefu.performance.apps import APPRAISE
from kefu.performance.choices import PlanStatus
from kefu.performance.models import (
    Cycle,
    ImprovementPlan,
    PlanCheckin,
    PlanGoal,
    TemplateIndicator,
)
from kefu.training.actions.assignments import assign
from kefu.training.models import Lesson

SOURCE = re.compile(r"[a-z]+\.[a-z0-9_]{1,40}")
MAX_GOALS = 8
MAX_DAYS = 366


def known_sources() -> list[str]:
    """The figures the scorecards use (suggested for goals)."""
    return sorted(set(TemplateIndicator.objects.values_list("source", flat=True)))


def _goal(source: str, baseline: float | None, target: float | None) -> PlanGoal:
    source = text(source, 48)
    if not SOURCE.fullmatch(source):
        raise Invalid(gettext_noop("A goal's figure is a source key such as qa.score."))
    if target is None:
        raise Invalid(gettext_noop("A goal needs a target."))
    return PlanGoal(source=source, baseline=baseline, target=float(target))


def _require_change(plan: ImprovementPlan, user) -> None:
    if not restrict(ImprovementPlan.objects.filter(pk=plan.pk), user, APPRAISE).exists():
        raise NotAllowed(gettext_noop("You may not change this plan."))
    if plan.status != PlanStatus.OPEN:
        raise Conflict(gettext_noop("The plan is closed."))


def _url(plan: ImprovementPlan) -> str:
    return reverse("performance:plan", args=[plan.pk])


@transaction.atomic
def open_plan(
    agent: Agent,
    *,
    user,
    title: str,
    opened_on: date,
    due_on: date,
    goals: Sequence[tuple[str, float | None, float | None]],
    cycle: Cycle | None = None,
) -> ImprovementPlan:
    """Open a plan for the agent with its goals ((source, baseline, target), ≥ 1)."""
    require_appraisable(agent, user)
    require_open(cycle)
    title = text(title, 200)
    if not title:
        raise Invalid(gettext_noop("A title is required."))
    if due_on < opened_on or (due_on - opened_on).days > MAX_DAYS:
        raise Invalid(gettext_noop("The due date is after the start, within a year."))
    rows = [_goal(*g) for g in goals if g[0]]
    if not rows:
        raise Invalid(gettext_noop("A plan needs at least one goal."))
    if len(rows) > MAX_GOALS:
        raise Invalid(gettext_noop("A plan has at most 8 goals."))
    plan = ImprovementPlan.objects.create(
        agent=agent, cycle=cycle, coach=user, title=title, opened_on=opened_on, due_on=due_on
    )
    for row in rows:
        row.plan = plan
    PlanGoal.objects.bulk_create(rows)
    audit(
        "performance.plan", user, plan, agent=agent.pk, step="open", goals=[g.source for g in rows]
    )
    tell_agent(
        agent,
        "performance.plan",
        gettext_noop("Improvement plan opened: %(title)s"),
        _url(plan),
        title=title,
    )
    return plan


@transaction.atomic
def add_goal(plan: ImprovementPlan, source: str, baseline, target, *, user) -> PlanGoal:
    _require_change(plan, user)
    if plan.goals.count() >= MAX_GOALS:
        raise Invalid(gettext_noop("A plan has at most 8 goals."))
    goal = _goal(source, baseline, target)
    goal.plan = plan
    goal.save()
    audit("performance.plan", user, plan, step="goal", source=goal.source, target=goal.target)
    return goal


@transaction.atomic
def add_checkin(plan: ImprovementPlan, *, on: date, note: str, coaching: bool, user) -> PlanCheckin:
    """A check-in or coaching session (a dated note)."""
    _require_change(plan, user)
    note = text(note)
    if not note:
        raise Invalid(gettext_noop("Write what was discussed."))
    if on < plan.opened_on:
        raise Invalid(gettext_noop("A check-in is dated within the plan."))
    checkin = PlanCheckin.objects.create(plan=plan, on=on, note=note, coaching=coaching, by=user)
    audit("performance.plan", user, plan, step="checkin", coaching=coaching, on=on.isoformat())
    tell_agent(
        plan.agent,
        "performance.plan",
        gettext_noop("Improvement plan check-in recorded: %(title)s"),
        _url(plan),
        title=plan.title,
    )
    return checkin


def lessons_for(user) -> QuerySet[Lesson]:
    """The lessons the user may link (through the access layer)."""
    return restrict(Lesson.objects.all(), user).select_related("course")


@transaction.atomic
def link_lesson(
    plan: ImprovementPlan, lesson: Lesson, *, user, assign_it: bool = False, due_days: int = 14
) -> None:
    """Link a training lesson to the plan; with `assign_it` also assign it to the agent
    (kefu.training's action decides whether the user may: trainers any agent,
    supervisors their teams'; a refusal refuses the whole step)."""
    _require_change(plan, user)
    if not lessons_for(user).filter(pk=lesson.pk).exists():
        raise NotAllowed(gettext_noop("You may not link this lesson."))
    plan.lessons.add(lesson)
    if assign_it:
        assign(
            plan.agent, lesson.course, lesson, user=user, due_days=due_days,
            note=plan.title,
        )  # fmt: skip
    audit("performance.plan", user, plan, step="lesson", lesson=lesson.pk, assigned=assign_it)


@transaction.atomic
def close_plan(
    plan: ImprovementPlan,
    *,
    status: str,
    outcome: str,
    results: Mapping[int, float | None],
    user,
) -> ImprovementPlan:
    """Close the plan: status (succeeded, not met, cancelled), outcome, goal results."""
    _require_change(plan, user)
    if status not in (PlanStatus.SUCCEEDED, PlanStatus.NOT_MET, PlanStatus.CANCELLED):
        raise Invalid(gettext_noop("Choose how the plan ended."))
    outcome = text(outcome)
    if not outcome:
        raise Invalid(gettext_noop("Describe the outcome."))
    for goal in plan.goals.all():
        if goal.pk in results:
            goal.result = results[goal.pk]
            goal.save(update_fields=["result"])
    plan.status, plan.outcome = status, outcome
    plan.save(update_fields=["status", "outcome"])
    audit("performance.plan", user, plan, step="close", status=status)
    tell_agent(
        plan.agent,
        "performance.plan",
        gettext_noop("Improvement plan closed: %(title)s"),
        _url(plan),
        title=plan.title,
    )
    return plan
