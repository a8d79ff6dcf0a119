"""Who may watch, listen to and act on live conversations (checked on the server for
every page, API call and WebSocket): supervisors for the teams they supervise; users with
`monitoring.monitor_all` (managers, admins) for every team; agents only their own
workspace."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from kefu.accounts.scoping import own_agent_id, supervised_team_ids
from kefu.interactions.models import Conversation
from kefu.monitoring import broadcast

MONITOR_ALL = "monitoring.monitor_all"


def monitors_all(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(MONITOR_ALL))


def monitored_team_ids(user) -> list[int]:
    if not user.is_authenticated or not user.is_active:
        return []
    return supervised_team_ids(user)


def can_monitor(user) -> bool:
    return monitors_all(user) or bool(monitored_team_ids(user))


def monitor_condition(user) -> Q | None:
    """A Q on team_id for the live rows a monitor sees (None: every team); callers check
    can_monitor first."""
    if monitors_all(user):
        return None
    return Q(team_id__in=monitored_team_ids(user))


def monitored(user, qs: QuerySet) -> QuerySet:
    """Live rows (states, alerts, interventions) the user may watch; none if not a monitor."""
    if not can_monitor(user):
        return qs.none()
    condition = monitor_condition(user)
    return qs if condition is None else qs.filter(condition)


def console_groups(user) -> list[str]:
    if monitors_all(user):
        return [broadcast.ALL]
    return [broadcast.team_group(t) for t in monitored_team_ids(user)]


def may_listen(user, conversation: Conversation) -> bool:
    """Listen to and intervene in a conversation: its team's supervisor or a monitor of
    every team."""
    if monitors_all(user):
        return True
    return conversation.team_id is not None and conversation.team_id in monitored_team_ids(user)


def listenable(user) -> QuerySet[Conversation]:
    return monitored(user, Conversation.objects.all())


def workspace_agent_id(user) -> int | None:
    """The agent record whose workspace this user may open (their own), else None."""
    if not user.is_authenticated or not user.is_active:
        return None
    return own_agent_id(user)
