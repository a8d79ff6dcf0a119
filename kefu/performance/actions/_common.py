"""What the methods' actions share: who may appraise whom, audit, notifications."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_noop

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.audit.actions import record
from kefu.lib.errors import Conflict, NotAllowed
from kefu.notifications.actions import notify
from kefu.performance.apps import APPRAISE
from kefu.performance.choices import CycleStatus
from kefu.performance.models import Cycle

MAX_TEXT = 4000


def may_appraise(user) -> bool:
    """Whether the user records ratings, interviews and plans for anyone: managers (every
    agent) and supervisors (their teams'); the access layer decides each agent."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.has_perm(MANAGE_PERFORMANCE) or access.supervised_team_ids(user))
    )


def appraisable(user) -> QuerySet[Agent]:
    """The agents whose ratings, interviews, plans and 360-degree rounds the user records
    (never themself)."""
    qs = access.restrict(Agent.objects.all(), user, APPRAISE)
    own = access.own_agent_id(user)
    return qs.exclude(pk=own) if own is not None else qs


def require_appraisable(agent: Agent, user) -> None:
    if access.own_agent_id(user) == agent.pk:
        raise NotAllowed(gettext_noop("You cannot appraise yourself."))
    if not appraisable(user).filter(pk=agent.pk).exists():
        raise NotAllowed(gettext_noop("You may not appraise this agent."))


def require_open(cycle: Cycle | None) -> None:
    if cycle is not None and cycle.status == CycleStatus.CLOSED:
        raise Conflict(gettext_noop("The cycle is closed: its records no longer change."))


def text(value: Any, limit: int = MAX_TEXT) -> str:
    return str(value or "").replace("\x00", "").strip()[:limit]


def audit(action: str, user, obj: Any, **detail: Any) -> None:
    """Audit a write of the methods ("performance.rating", …; object: the row)."""
    record(
        action,
        user=user,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        detail=detail,
    )


def tell_agent(agent: Agent, kind: str, message: str, url: str, /, **params: Any) -> None:
    """The immediate rhythm: a notification to the agent (if they have a log-in)."""
    if agent.user_id:
        notify([agent.user_id], kind, message, url=url, params=params)
