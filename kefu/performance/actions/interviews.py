"""Writes of performance interviews (面谈): schedule, record, acknowledge.

A supervisor (their teams' agents) or a manager (every agent) schedules one interview per
agent and cycle, then records it in a structure: achievements, gaps, causes, agreed
actions. The agent is notified, reads it, adds a comment and acknowledges it.

Once acknowledged the record is locked: a change is refused (what the agent signed stays
what they read). Whatever changes afterwards goes into the next cycle's interview or an
improvement plan's check-ins. Before acknowledgement the interviewer may correct it (the
agent is notified again). Every step is audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop

from kefu.accounts.access import own_agent_id, restrict
from kefu.accounts.models import Agent
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.actions import notify
from kefu.performance.actions._common import (
    audit,
    require_appraisable,
    require_open,
    tell_agent,
    text,
)
from kefu.performance.apps import ACKNOWLEDGE, APPRAISE
from kefu.performance.models import Cycle, Interview

FIELDS = ("achievements", "gaps", "causes", "actions")


def is_recorded(interview: Interview) -> bool:
    return interview.held_at is not None


@transaction.atomic
def schedule(cycle: Cycle, agent: Agent, scheduled_at: datetime, *, user) -> Interview:
    """Schedule the agent's interview of the cycle (one per agent and cycle)."""
    require_appraisable(agent, user)
    require_open(cycle)
    if scheduled_at is None or timezone.is_naive(scheduled_at):
        raise Invalid(gettext_noop("Give the interview's date and time."))
    try:
        with transaction.atomic():
            interview = Interview.objects.create(
                cycle=cycle, agent=agent, interviewer=user, scheduled_at=scheduled_at
            )
    except IntegrityError:
        raise Conflict(gettext_noop("The agent already has an interview in this cycle.")) from None
    audit("performance.interview", user, interview, agent=agent.pk, cycle=cycle.pk, step="schedule")
    tell_agent(
        agent,
        "performance.interview",
        gettext_noop("Performance interview scheduled: %(when)s"),
        reverse("performance:interview", args=[interview.pk]),
        when=timezone.localtime(scheduled_at).strftime("%Y-%m-%d %H:%M"),
    )
    return interview


def _may_record(interview: Interview, user) -> bool:
    return restrict(Interview.objects.filter(pk=interview.pk), user, APPRAISE).exists()


@transaction.atomic
def record(interview: Interview, data: Mapping[str, Any], *, user) -> Interview:
    """Write the structured record (achievements, gaps, causes, agreed actions; held_at,
    default now). Refused once the agent acknowledged it."""
    if not _may_record(interview, user) or own_agent_id(user) == interview.agent_id:
        raise NotAllowed(gettext_noop("You may not record this interview."))
    interview = (
        Interview.objects.select_for_update().select_related("cycle", "agent").get(pk=interview.pk)
    )
    if interview.acknowledged_at is not None:
        raise Conflict(
            gettext_noop(
                "The agent acknowledged this interview: its record is locked. Record "
                "changes in the next interview or an improvement plan."
            )
        )
    require_open(interview.cycle)
    values = {name: text(data.get(name, getattr(interview, name))) for name in FIELDS}
    if not values["achievements"] or not values["actions"]:
        raise Invalid(gettext_noop("Record at least the achievements and the agreed actions."))
    held_at = data.get("held_at") or interview.held_at or timezone.now()
    if timezone.is_naive(held_at):
        raise Invalid(gettext_noop("Give the interview's date and time."))
    if held_at > timezone.now():
        raise Invalid(gettext_noop("An interview is recorded after it took place."))
    again = is_recorded(interview)
    for name, value in values.items():
        setattr(interview, name, value)
    interview.held_at = held_at
    interview.save()
    audit(
        "performance.interview",
        user,
        interview,
        agent=interview.agent_id,
        cycle=interview.cycle_id,
        step="correct" if again else "record",
    )
    tell_agent(
        interview.agent,
        "performance.interview",
        gettext_noop("Interview record of %(cycle)s: please read and acknowledge it"),
        reverse("performance:interview", args=[interview.pk]),
        cycle=interview.cycle.name,
    )
    return interview


@transaction.atomic
def acknowledge(interview: Interview, comment: str, *, user) -> Interview:
    """The agent adds their comment and acknowledges the record (their own only)."""
    mine = restrict(Interview.objects.filter(pk=interview.pk), user, ACKNOWLEDGE).exists()
    if not mine or own_agent_id(user) != interview.agent_id:
        raise NotAllowed(gettext_noop("Only the agent acknowledges their interview."))
    interview = (
        Interview.objects.select_for_update().select_related("agent", "cycle").get(pk=interview.pk)
    )
    if not is_recorded(interview):
        raise Conflict(gettext_noop("The interview has not been recorded yet."))
    if interview.acknowledged_at is not None:
        raise Conflict(gettext_noop("You already acknowledged this interview."))
    interview.agent_comment = text(comment)
    interview.acknowledged_at = timezone.now()
    interview.save(update_fields=["agent_comment", "acknowledged_at"])
    audit(
        "performance.interview",
        user,
        interview,
        agent=interview.agent_id,
        cycle=interview.cycle_id,
        step="acknowledge",
    )
    notify(
        [interview.interviewer_id],
        "performance.interview",
        gettext_noop("%(agent)s acknowledged the interview record of %(cycle)s"),
        url=reverse("performance:interview", args=[interview.pk]),
        params={"agent": interview.agent.name, "cycle": interview.cycle.name},
    )
    return interview
