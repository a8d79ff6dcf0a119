"""Writes of workforce planning: parameters, special days, shift templates, agents'
scheduling rules, roster builds. Each validates (model validators, raising
ValidationError a person can act on), writes, then records the change in the audit
trail. The build itself runs in a background task (`building.py`)."""

from __future__ import annotations

import logging
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.choices import Channel
from kefu.lib.errors import Invalid, NotAllowed, NotFound
from kefu.lib.tasks import enqueue_or_fail
from kefu.workforce import building, selectors
from kefu.workforce.choices import BuildStatus, PresenceState
from kefu.workforce.models import (
    AgentPresence,
    AgentWorkRule,
    ForecastEvent,
    PresenceChange,
    Roster,
    ShiftTemplate,
    StaffingParameters,
)

log = logging.getLogger(__name__)


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


# --- roster builds ----------------------------------------------------------------------------
def start_roster_build(
    week_start: date,
    *,
    by=None,
    request: HttpRequest | None = None,
    time_limit_s: float | None = None,
) -> Roster:
    """Queue a roster build for the week (the task fills the row in)."""
    check_week(week_start)
    building.check_inputs()
    roster = Roster.objects.create(
        week_start=week_start,
        created_by=by if by is not None and by.is_authenticated else None,
        time_limit_s=time_limit_s or building.time_limit_s(),
    )
    _audit(request, by, "workforce.roster", roster.pk, {"requested": str(week_start)})
    return _enqueue(roster)


def restart_roster_build(roster: Roster, *, by=None, request: HttpRequest | None = None) -> Roster:
    """Build a failed or stalled roster again (from the start: a build is one transaction)."""
    if not roster.can_restart:
        raise ValidationError(_("This roster is not failed or stalled."), code="state")
    Roster.objects.filter(pk=roster.pk).update(
        status=BuildStatus.QUEUED,
        phase="",
        error="",
        started_at=None,
        finished_at=None,
        heartbeat_at=timezone.now(),  # the stall clock of the queued build starts here
        time_limit_s=building.time_limit_s(),
    )
    _audit(request, by, "workforce.roster", roster.pk, {"rebuild": str(roster.week_start)})
    roster.refresh_from_db()
    return _enqueue(roster)


def _enqueue(roster: Roster) -> Roster:
    from kefu.workforce.tasks import build_roster_task

    return enqueue_or_fail(build_roster_task, roster, queued=BuildStatus.QUEUED,
                           failed=BuildStatus.FAILED, what="the build")  # fmt: skip


def build_roster(week_start: date, *, by=None, time_limit_s: float | None = None) -> Roster:
    """Build here and now (`kefu wfm roster`): the same row and steps as the task."""
    check_week(week_start)
    building.check_inputs()
    roster = Roster.objects.create(
        week_start=week_start,
        created_by=by,
        time_limit_s=time_limit_s or building.time_limit_s(),
    )
    building.execute_build(roster.pk)
    roster.refresh_from_db()
    return roster


# --- agents' scheduling rules -------------------------------------------------------------
def check_work_rule(rule: AgentWorkRule) -> None:
    """The rule's fields one by one (model validators), then together."""
    rule.full_clean(exclude=["agent"])
    check_rule_together(rule)


def check_rule_together(rule: AgentWorkRule) -> None:
    """What no single field says: min ≤ max hours, known channels and templates, days
    off that leave a working day, minimum hours the days and the longest shift reach."""
    problems = []
    if rule.min_hours > rule.max_hours:
        problems.append(
            ValidationError(
                _("The minimum hours are more than the maximum hours."), code="hours_order"
            )
        )
    unknown = set(rule.skills) - set(Channel.values)
    if unknown:
        problems.append(
            ValidationError(
                _("Unknown channel: %(value)s."),
                code="channel",
                params={"value": ", ".join(sorted(unknown))},
            )
        )
    if any(not isinstance(d, int) or not 0 <= d <= 6 for d in rule.days_off):
        problems.append(ValidationError(_("Days off are weekdays 0 (Mon) to 6 (Sun)."), code="day"))
    working_days = min(rule.max_days, 7 - len(set(rule.days_off)))
    if rule.schedulable and working_days < 1:
        problems.append(ValidationError(_("The days off leave no working day."), code="no_days"))
    templates = ShiftTemplate.objects.filter(active=True)
    if rule.templates:
        templates = templates.filter(key__in=rule.templates)
        missing = set(rule.templates) - set(templates.values_list("key", flat=True))
        if missing:
            problems.append(
                ValidationError(
                    _("Unknown shift template: %(value)s."),
                    code="template",
                    params={"value": ", ".join(sorted(missing))},
                )
            )
    longest = max(((t.length_minutes - t.break_minutes) / 60 for t in templates), default=None)
    if rule.schedulable and longest and rule.min_hours > working_days * longest + 1e-9:
        problems.append(
            ValidationError(
                _(
                    "%(hours)s minimum hours cannot be reached in %(days)s working days of "
                    "at most %(longest)s paid hours."
                ),
                code="hours_reach",
                params={
                    "hours": f"{rule.min_hours:g}",
                    "days": working_days,
                    "longest": f"{longest:g}",
                },
            )
        )
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def save_work_rule(
    rule: AgentWorkRule, *, by=None, request: HttpRequest | None = None
) -> AgentWorkRule:
    check_work_rule(rule)
    rule.skills = sorted(set(rule.skills))
    rule.days_off = sorted(set(rule.days_off))
    rule.templates = sorted(set(rule.templates))
    rule.updated_by = by if by is not None and by.is_authenticated else None
    rule.save()
    detail = {
        f: getattr(rule, f)
        for f in (
            "skills", "min_hours", "max_hours", "max_days", "days_off", "nights", "templates",
            "schedulable", "note",
        )
    }  # fmt: skip
    _audit(request, by, "workforce.agentworkrule", rule.agent.external_id, detail)
    return rule


@transaction.atomic
def reset_work_rule(rule: AgentWorkRule, *, by=None, request: HttpRequest | None = None) -> None:
    """Back to the defaults (the rule is deleted)."""
    _audit(request, by, "workforce.agentworkrule", rule.agent.external_id, {"reset": True})
    rule.delete()


# --- presence -------------------------------------------------------------------------------
def check_presence(user, agent_id: int, state: str) -> Agent:
    """Whether `user` may put agent `agent_id` in `state`: an agent sets their own
    presence; whoever else sees the agent's presence (their supervisor, a planner) may only
    set them offline (an agent who left without signing out). Outside the user's agents:
    NotFound."""
    if state not in PresenceState.values:
        raise Invalid(
            _("Unknown presence %(state)r; one of %(choices)s.")
            % {"state": state, "choices": ", ".join(PresenceState.values)}
        )
    agents = access.restrict(Agent.objects.all(), user, selectors.PRESENCE)
    agent = agents.filter(pk=agent_id).first()
    if agent is None:
        raise NotFound(_("No such agent."))
    if agent.pk != access.own_agent_id(user) and state != PresenceState.OFFLINE:
        raise NotAllowed(_("You may only set another agent offline."))
    return agent


@transaction.atomic
def set_presence(
    agent: Agent, state: str, by=None, *, at: datetime | None = None
) -> tuple[AgentPresence, bool]:
    """Put `agent` in `state`: the current row updated and one history row, in one
    transaction; nothing when the agent is already in it. Returns (presence, changed).
    Routing reads `AgentPresence.state == "online"`; adherence reads the history."""
    if state not in PresenceState.values:
        raise Invalid(_("Unknown presence %(state)r.") % {"state": state})
    at = at or timezone.now()
    current = AgentPresence.objects.select_for_update().filter(agent_id=agent.pk).first()
    if current is None:
        # no row: offline (the model's rule)
        if state == PresenceState.OFFLINE:
            return AgentPresence(agent=agent, state=state, since=at), False
        current = AgentPresence.objects.create(agent=agent, state=state, since=at)
    elif current.state == state:
        return current, False
    else:
        AgentPresence.objects.filter(agent_id=agent.pk).update(state=state, since=at)
        current.state, current.since = state, at
    user = by if by is not None and getattr(by, "is_authenticated", False) else None
    PresenceChange.objects.create(agent=agent, state=state, at=at, by=user)
    return current, True
