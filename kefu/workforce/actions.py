"""Writes of workforce planning: parameters, special days, shift templates, rosters.
Each validates (model validators, raising ValidationError a person can act on), writes,
then records the change in the audit trail."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.workforce import selectors
from kefu.workforce.core import prediction
from kefu.workforce.core.roster import RosterProblem, solve
from kefu.workforce.models import (
    ForecastEvent,
    Roster,
    RosterAssignment,
    ShiftTemplate,
    StaffingParameters,
)

ROSTER_TIME_LIMIT_S = 20.0


def _audit(request, user, object_type: str, object_id, detail: dict) -> None:
    audit(
        AuditAction.CHANGE_SETTINGS,
        request=request,
        user=user,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail,
    )


@transaction.atomic
def save_parameters(
    parameters: StaffingParameters, *, by=None, request: HttpRequest | None = None
) -> StaffingParameters:
    parameters.full_clean()
    parameters.updated_by = by
    parameters.save()
    detail = {
        f: getattr(parameters, f)
        for f in ("aht_s", "target_s", "sl_target", "shrinkage", "max_occupancy", "concurrency")
    }
    _audit(request, by, "workforce.staffingparameters", parameters.channel, detail)
    return parameters


@transaction.atomic
def add_event(event: ForecastEvent, *, by=None, request: HttpRequest | None = None):
    event.full_clean()
    if event.end < event.start:
        raise ValidationError(_("The last day comes before the first day."), code="order")
    event.save()
    _audit(request, by, "workforce.forecastevent", event.pk, {"added": str(event)})
    return event


@transaction.atomic
def delete_event(event: ForecastEvent, *, by=None, request: HttpRequest | None = None) -> None:
    _audit(request, by, "workforce.forecastevent", event.pk, {"deleted": str(event)})
    event.delete()


@transaction.atomic
def add_template(template: ShiftTemplate, *, by=None, request: HttpRequest | None = None):
    template.full_clean()
    if template.break_minutes:
        if template.break_earliest_minutes > template.break_latest_minutes:
            raise ValidationError(_("The break window ends before it starts."), code="window")
        if template.break_latest_minutes + template.break_minutes > template.length_minutes:
            raise ValidationError(_("The break must end within the shift."), code="window")
    for field in ("length_minutes", "break_minutes", "break_earliest_minutes"):
        if getattr(template, field) % selectors.INTERVAL_MIN:
            raise ValidationError(
                _("Times must be whole half hours (multiples of 30 minutes)."), code="grid"
            )
    if template.start.minute % selectors.INTERVAL_MIN:
        raise ValidationError(_("A shift starts on the hour or the half hour."), code="grid")
    template.save()
    _audit(request, by, "workforce.shifttemplate", template.key, {"added": template.name})
    return template


@transaction.atomic
def delete_template(template: ShiftTemplate, *, by=None, request: HttpRequest | None = None):
    _audit(request, by, "workforce.shifttemplate", template.key, {"deleted": template.name})
    template.delete()


def check_week(week_start: date) -> date:
    if week_start.weekday() != 0:
        raise ValidationError(_("A roster week starts on a Monday."), code="week")
    return week_start


def build_roster(
    week_start: date,
    *,
    by=None,
    request: HttpRequest | None = None,
    time_limit_s: float = ROSTER_TIME_LIMIT_S,
) -> Roster:
    """Forecast, requirement, CP-SAT roster and predicted service for the week, saved."""
    check_week(week_start)
    templates = selectors.core_templates()
    if not templates:
        raise ValidationError(_("Add at least one shift template first."), code="templates")
    plans = selectors.week_plan(week_start)
    if not plans:
        raise ValidationError(_("Set the staffing parameters of a channel first."), code="params")
    agents, by_key = selectors.roster_agents()
    if not agents:
        raise ValidationError(_("No agent can be scheduled."), code="agents")
    requirement = {c: p.requirement["positions"] for c, p in plans.items()}
    problem = RosterProblem(
        requirement=requirement,
        agents=agents,
        templates=templates,
        intervals_per_day=selectors.PER_DAY,
        time_limit_s=time_limit_s,
    )
    result = solve(problem)
    params = selectors.parameters()
    channels = {}
    for channel, plan in plans.items():
        predicted = prediction.predict(result.scheduled[channel], plan.forecast, params[channel])
        channels[channel] = {
            "forecast": plan.forecast,
            "requirement": plan.requirement["positions"],
            "raw": plan.requirement["raw_positions"],
            "scheduled": result.scheduled[channel],
            "gap": result.gap[channel],
            "predicted": predicted,
            "parameters": asdict(params[channel]),
        }
    start, _end = selectors.week_bounds(week_start)
    step = timedelta(minutes=selectors.INTERVAL_MIN)
    with transaction.atomic():
        roster = Roster.objects.create(
            week_start=week_start,
            created_by=by,
            status=result.status,
            agents_used=result.agents_used,
            wall_s=round(result.wall_s, 2),
            plan={"channels": channels, "short_intervals": result.short_intervals},
        )

        def at(index: int) -> datetime:
            return start + index * step

        RosterAssignment.objects.bulk_create(
            RosterAssignment(
                roster=roster,
                agent=by_key[s.agent],
                day=week_start + timedelta(days=s.day),
                template=s.template,
                channel=s.channel,
                start=at(s.start),
                end=at(s.end),
                break_start=at(s.break_start) if s.break_start is not None else None,
                break_end=at(s.break_start + s.break_length) if s.break_start is not None else None,
            )
            for s in result.shifts
        )
        _audit(
            request,
            by,
            "workforce.roster",
            roster.pk,
            {"week": str(week_start), "status": result.status, "agents": result.agents_used},
        )
    return roster
