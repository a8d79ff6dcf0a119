"""Who may see what: the one place every view and API endpoint takes its query sets from.

- QA, trainers, managers and admins (permission `view_all_conversations`): everything.
- Supervisors: the conversations owned by agents of the teams they supervise.
- Agents: the conversations they own.
- Anybody else: nothing. Objects outside the scope are answered 404, never 403, so
  their existence does not leak.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Q, QuerySet

from kefu.accounts.models import Agent, Team
from kefu.accounts.roles import VIEW_ALL, VIEW_PERSONAL_DATA
from kefu.interactions.models import Conversation, Customer

OUTSIDE_CHECK_SECONDS = 300


def scope_condition(user) -> Q | None:
    """A Q on `agent_id`/`team_id` (or `pk`) for any table attributed like conversations;
    None means everything, an empty match nothing."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.has_perm(VIEW_ALL):
        return None
    team_ids = supervised_team_ids(user)
    agent_id = own_agent_id(user)
    if not team_ids:
        return Q(pk__in=[]) if agent_id is None else Q(agent_id=agent_id)
    condition = Q(team_id=team_ids[0]) if len(team_ids) == 1 else Q(team_id__in=team_ids)
    # A supervisor's own conversations normally lie in a team they supervise. The OR is
    # added only when some do not: with it SQLite can no longer walk the
    # (team, created_at) index in order and sorts the whole team instead (0.2 s at 1M).
    if agent_id is not None and _owns_conversations_outside(agent_id, team_ids):
        condition |= Q(agent_id=agent_id)
    return condition


def _owns_conversations_outside(agent_id: int, team_ids: list[int]) -> bool:
    key = f"kefu:scope-outside:{agent_id}:{','.join(map(str, sorted(team_ids)))}"
    outside = cache.get(key)
    if outside is None:
        outside = (
            Conversation.objects.filter(agent_id=agent_id).exclude(team_id__in=team_ids).exists()
        )
        cache.set(key, outside, OUTSIDE_CHECK_SECONDS)
    return outside


def supervised_team_ids(user) -> list[int]:
    if not hasattr(user, "_kefu_team_ids"):
        user._kefu_team_ids = list(user.supervised_teams.values_list("pk", flat=True))
    return user._kefu_team_ids


def own_agent_id(user) -> int | None:
    if not hasattr(user, "_kefu_agent_id"):
        user._kefu_agent_id = Agent.objects.filter(user=user).values_list("pk", flat=True).first()
    return user._kefu_agent_id


def conversations_visible_to(user) -> QuerySet[Conversation]:
    condition = scope_condition(user)
    qs = Conversation.objects.all()
    return qs if condition is None else qs.filter(condition)


def customers_visible_to(user) -> QuerySet[Customer]:
    condition = scope_condition(user)
    if condition is None:
        return Customer.objects.all()
    visible = conversations_visible_to(user).values("customer_id")
    return Customer.objects.filter(pk__in=visible)


def agents_visible_to(user) -> QuerySet[Agent]:
    if not user.is_authenticated:
        return Agent.objects.none()
    if user.has_perm(VIEW_ALL):
        return Agent.objects.all()
    condition = Q(pk__in=[])
    team_ids = supervised_team_ids(user)
    if team_ids:
        condition |= Q(team_id__in=team_ids)
    agent_id = own_agent_id(user)
    if agent_id is not None:
        condition |= Q(pk=agent_id)
    return Agent.objects.filter(condition)


def teams_visible_to(user) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    if user.has_perm(VIEW_ALL):
        return Team.objects.all()
    return Team.objects.filter(pk__in=agents_visible_to(user).values("team_id"))


def can_view_personal_data(user) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_PERSONAL_DATA)
