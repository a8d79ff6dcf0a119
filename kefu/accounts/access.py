"""Who may see or change which rows: the one access layer. Closed by default.

Every view, endpoint, export and socket takes its query sets from here (the idea of
NetBox's `RestrictedQuerySet.restrict(user, action)`):

    restrict(Review.objects.all(), request.user)            # what may this user see
    restrict(Alert.objects.all(), request.user, "change")   # … act on

Each model holding per-agent or per-team rows registers, once (in its app's `ready()`),
its path to the agent and the team and, per action, a `Policy`: the permission that
opens every row, whether supervisors get their teams' rows and agents their own. An
unregistered model, an unregistered action, an anonymous or inactive user: no rows.
"Every row" is the explicit `ALL`, never None.

- Conversations and the tables attributed like them (facts, QA results, roll-ups):
  `view_all_conversations` (QA, trainers, managers, admins) everything; supervisors
  their teams'; agents their own.
- Live rows (`monitor`): `monitoring.monitor_all` every team; supervisors their teams.
- Reviews: `view_all_reviews` everything; the reviewer theirs; supervisors and agents
  the submitted reviews of their teams / of themselves. Appeals follow their reviews.
- Objects outside the scope are answered 404, never 403, so their existence does not
  leak: query through `restrict`, never fetch and then check.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.cache import cache
from django.db.models import Model, Q, QuerySet

from kefu.accounts.models import Agent, ApiToken, Team
from kefu.accounts.roles import (
    DECIDE_ANY_APPEAL,
    MANAGE_IMPROVEMENT,
    MANAGE_KNOWLEDGE,
    MANAGE_RISK,
    MANAGE_ROUTING,
    MANAGE_SAMPLING,
    MANAGE_USERS,
    MANAGE_WORKFORCE,
    MONITOR_ALL,
    TAG_CUSTOMERS,
    VIEW_ALL,
    VIEW_ALL_REVIEWS,
    VIEW_PERSONAL_DATA,
)

OUTSIDE_CHECK_SECONDS = 300

VIEW = "view"
CHANGE = "change"
MONITOR = "monitor"  # live rows: watch, listen, intervene
ADMINISTER = "administer"  # users, roles, teams, API tokens (the /people/ pages)


class Rows(enum.Enum):
    """The explicit "every row" answer (a Q is a subset; there is no implicit all)."""

    ALL = "all"


ALL = Rows.ALL
Condition: TypeAlias = Q | Rows


def nothing() -> Q:
    return Q(pk__in=[])


@dataclass(frozen=True)
class Policy:
    """Who gets which rows for one action."""

    all: str | tuple[str, ...] | None = None  # the permission(s) that open every row
    teams: bool = True  # supervisors: the rows of the teams they supervise
    own: bool = True  # agents: their own rows
    only: Mapping[str, Any] = field(default_factory=dict)  # team/own rows only if these hold
    # More rows whoever the user is: lookups ORed, e.g. lambda user: [{"reviewer": user}].
    also: Callable[[Any], list[Mapping[str, Any]]] | None = None
    agent: str | None = None  # path overrides for this action
    team: str | None = None


@dataclass(frozen=True)
class Registration:
    agent: str | None
    team: str | None
    policies: Mapping[str, Policy]
    # (relation, model): for actions without a policy here, the rows follow the related
    # model's rule (an appeal is seen by whoever sees its review).
    follow: tuple[str, type[Model]] | None = None
    # A model with its own rule (not agent/team paths): (queryset, user, action) → queryset.
    custom: Callable[[QuerySet, Any, str], QuerySet] | None = None
    # agent_id/team_id copied from the conversation: the supervisor's-own-rows OR is added
    # only when needed (it costs the (team, created_at) index its order, 0.2 s at 1M).
    like_conversations: bool = False
    distinct: bool = False  # `also` crosses a to-many relation


# The policies the apps share.
CONVERSATION_VIEW = Policy(all=VIEW_ALL)
MONITORING = Policy(all=MONITOR_ALL, own=False)

_REGISTRY: dict[type[Model], Registration] = {}


def register(
    model: type[Model],
    *,
    agent: str | None = "agent_id",
    team: str | None = "team_id",
    policies: Mapping[str, Policy] | None = None,
    follow: tuple[str, type[Model]] | None = None,
    custom: Callable[[QuerySet, Any, str], QuerySet] | None = None,
    like_conversations: bool = False,
    distinct: bool = False,
) -> None:
    """Declare how a model's rows belong to agents and teams, and who may do what."""
    _REGISTRY[model] = Registration(
        agent, team, dict(policies or {}), follow, custom, like_conversations, distinct
    )


def add_policy(model: type[Model], action: str, policy: Policy) -> None:
    """A higher app's action on a model registered below it (an agent's training record
    is the training app's to open: `add_policy(Agent, "training", …)`)."""
    registration = _registration(model)
    _REGISTRY[model] = dataclasses.replace(
        registration, policies={**registration.policies, action: policy}
    )


def registered() -> dict[type[Model], Registration]:
    return dict(_REGISTRY)


def restrict(queryset: QuerySet, user, action: str = VIEW) -> QuerySet:
    """The rows of `queryset` this user may `action`; none when nothing grants them."""
    registration = _registration(queryset.model)
    if registration.custom is not None:
        return registration.custom(queryset, user, action)
    condition = condition_for(queryset.model, user, action)
    if condition is ALL:
        return queryset
    queryset = queryset.filter(condition)
    return queryset.distinct() if registration.distinct else queryset


def condition_for(model: type[Model], user, action: str = VIEW, prefix: str = "") -> Condition:
    """A Q on the model's fields (behind `prefix`) or ALL."""
    if not _active(user):
        return nothing()
    registration = _registration(model)
    policy = registration.policies.get(action)
    if policy is None and registration.follow is not None:
        relation, target = registration.follow
        return condition_for(target, user, action, f"{prefix}{relation}__")
    if policy is None:
        return nothing()
    opening = (policy.all,) if isinstance(policy.all, str) else policy.all or ()
    if any(user.has_perm(perm) for perm in opening):
        return ALL
    team_path = policy.team or registration.team
    agent_path = policy.agent or registration.agent
    team_ids = supervised_team_ids(user) if policy.teams and team_path else []
    agent_id = own_agent_id(user) if policy.own and agent_path else None
    scoped = nothing()
    if len(team_ids) == 1:
        scoped = Q(**{f"{prefix}{team_path}": team_ids[0]})
    elif team_ids:
        scoped = Q(**{f"{prefix}{team_path}__in": team_ids})
    if agent_id is not None and (
        not team_ids
        or not registration.like_conversations
        or _owns_conversations_outside(agent_id, team_ids)
    ):
        own = Q(**{f"{prefix}{agent_path}": agent_id})
        scoped = own if not team_ids else scoped | own
    if policy.only and (team_ids or agent_id is not None):
        scoped &= Q(**{f"{prefix}{k}": v for k, v in policy.only.items()})
    for lookups in policy.also(user) if policy.also is not None else ():
        scoped |= Q(**{f"{prefix}{k}": v for k, v in lookups.items()})
    return scoped


def allows(user, obj: Model, action: str = VIEW) -> bool:
    """Whether one object is within the user's rows (for a row already in hand)."""
    return restrict(type(obj).objects.filter(pk=obj.pk), user, action).exists()


def _registration(model: type[Model]) -> Registration:
    try:
        return _REGISTRY[model]
    except KeyError:
        raise LookupError(
            f"{model._meta.label} is not registered with kefu.accounts.access"
        ) from None


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def _owns_conversations_outside(agent_id: int, team_ids: list[int]) -> bool:
    key = f"kefu:scope-outside:{agent_id}:{','.join(map(str, sorted(team_ids)))}"
    outside = cache.get(key)
    if outside is None:
        conversations = apps.get_model("interactions", "Conversation").objects
        outside = conversations.filter(agent_id=agent_id).exclude(team_id__in=team_ids).exists()
        cache.set(key, outside, OUTSIDE_CHECK_SECONDS)
    return outside


# --- who the user is ----------------------------------------------------------------------
def supervised_team_ids(user) -> list[int]:
    if not _active(user):
        return []
    if not hasattr(user, "_kefu_team_ids"):
        user._kefu_team_ids = list(user.supervised_teams.values_list("pk", flat=True))
    return user._kefu_team_ids


def own_agent_id(user) -> int | None:
    if not _active(user):
        return None
    if not hasattr(user, "_kefu_agent_id"):
        user._kefu_agent_id = Agent.objects.filter(user=user).values_list("pk", flat=True).first()
    return user._kefu_agent_id


# --- conversations and the rows attributed like them ----------------------------------------
def scope_condition(user) -> Condition:
    """A Q on `agent_id`/`team_id` for any table attributed like conversations, or ALL."""
    return condition_for(apps.get_model("interactions", "Conversation"), user)


def scoped(queryset: QuerySet, condition: Condition) -> QuerySet:
    return queryset if condition is ALL else queryset.filter(condition)


def conversations_visible_to(user) -> QuerySet:
    return restrict(apps.get_model("interactions", "Conversation").objects.all(), user)


def customers_visible_to(user) -> QuerySet:
    return restrict(apps.get_model("interactions", "Customer").objects.all(), user)


def customer_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """A customer is seen by whoever sees one of their conversations."""
    if action != VIEW:
        return queryset.none()
    if scope_condition(user) is ALL:
        return queryset
    return queryset.filter(pk__in=conversations_visible_to(user).values("customer_id"))


def customer_part_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """Rows about one customer (their risk, their tags), seen with the customer: by
    whoever sees the customer. Changing them (a manual tag) takes `tag_customers` too."""
    if action == CHANGE and not (_active(user) and user.has_perm(TAG_CUSTOMERS)):
        return queryset.none()
    if action not in (VIEW, CHANGE):
        return queryset.none()
    if scope_condition(user) is ALL:
        return queryset
    return queryset.filter(customer_id__in=conversations_visible_to(user).values("customer_id"))


def agents_visible_to(user) -> QuerySet[Agent]:
    return restrict(Agent.objects.all(), user)


def teams_visible_to(user) -> QuerySet[Team]:
    return restrict(Team.objects.all(), user)


def team_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """The teams of the agents the user sees."""
    if condition_for(Agent, user, action) is ALL:
        return queryset
    return queryset.filter(pk__in=restrict(Agent.objects.all(), user, action).values("team_id"))


def department_or_visible_team_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """Rows of the whole department (no team) or of a team the user sees."""
    if action != VIEW:
        return queryset.none()
    if not _active(user):
        return queryset.none()
    return queryset.filter(Q(team__isnull=True) | Q(team__in=teams_visible_to(user).values("pk")))


def can_view_personal_data(user) -> bool:
    return _active(user) and user.has_perm(VIEW_PERSONAL_DATA)


def may_view_teams(user) -> bool:
    """Team pages (tables of a team's agents) are for supervisors and department roles."""
    return _active(user) and (user.has_perm(VIEW_ALL) or bool(supervised_team_ids(user)))


def drillable_teams(user) -> QuerySet[Team]:
    """The teams whose pages the user may open: every team, or the ones they supervise."""
    if not _active(user):
        return Team.objects.none()
    if user.has_perm(VIEW_ALL):
        return Team.objects.all()
    return Team.objects.filter(pk__in=supervised_team_ids(user))


# --- catalogues (courses, scenarios, articles) -----------------------------------------------
def catalogue(change_permission: str) -> Callable[[QuerySet, Any, str], QuerySet]:
    """Rows any signed-in user may read; changing them takes `change_permission`."""

    def rows(queryset: QuerySet, user, action: str) -> QuerySet:
        if not _active(user):
            return queryset.none()
        if action == VIEW or user.has_perm(change_permission):
            return queryset
        return queryset.none()

    return rows


def department_work(view: tuple[str, ...], change: str) -> Callable[[QuerySet, Any, str], QuerySet]:
    """Rows of the department's shared work (analyses, projects): read by the holders of
    any `view` permission and by supervisors (it is about their teams' work), changed
    with `change`. Agents see none."""

    def rows(queryset: QuerySet, user, action: str) -> QuerySet:
        if not _active(user):
            return queryset.none()
        if user.has_perm(change):
            return queryset
        if action == VIEW and sees_department_work(user, view):
            return queryset
        return queryset.none()

    return rows


def sees_department_work(user, view: tuple[str, ...]) -> bool:
    """Holders of any `view` permission and supervisors (see `department_work`)."""
    return _active(user) and (
        any(user.has_perm(p) for p in view) or bool(supervised_team_ids(user))
    )


# --- live monitoring --------------------------------------------------------------------------
def monitors_all(user) -> bool:
    return _active(user) and user.has_perm(MONITOR_ALL)


def monitored_team_ids(user) -> list[int]:
    return supervised_team_ids(user)


def can_monitor(user) -> bool:
    """Monitoring pages at all: a monitor of every team or the supervisor of some."""
    return monitors_all(user) or bool(monitored_team_ids(user))


def listenable(user) -> QuerySet:
    """Conversations the user may listen to and intervene in."""
    return restrict(apps.get_model("interactions", "Conversation").objects.all(), user, MONITOR)


def workspace_agent_id(user) -> int | None:
    """The agent record whose workspace this user may open (their own), else None."""
    return own_agent_id(user)


# --- human QA -----------------------------------------------------------------------------
def may_decide_any_appeal(user) -> bool:
    return _active(user) and user.has_perm(DECIDE_ANY_APPEAL)


def manages_sampling(user) -> bool:
    return _active(user) and user.has_perm(MANAGE_SAMPLING)


def sees_all_reviews(user) -> bool:
    return _active(user) and user.has_perm(VIEW_ALL_REVIEWS)


# --- customers (risk index, tags) -----------------------------------------------------------
def manages_customer_risk(user) -> bool:
    """The risk index's weights, the tag definitions, back-tests."""
    return _active(user) and user.has_perm(MANAGE_RISK)


def may_tag_customers(user) -> bool:
    return _active(user) and user.has_perm(TAG_CUSTOMERS)


def winback_campaign_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """Win-back campaigns: the risk managers see and change every one; anyone else sees
    the campaigns holding a member they see (an agent: members assigned to them; a
    supervisor: their teams' agents' members)."""
    if manages_customer_risk(user):
        return queryset
    if action != VIEW:
        return queryset.none()
    members = restrict(apps.get_model("customers", "WinbackMember").objects.all(), user)
    return queryset.filter(pk__in=members.values("campaign_id"))


# --- routing (kefu.assignment) ---------------------------------------------------------------
def manages_improvement(user) -> bool:
    return _active(user) and user.has_perm(MANAGE_IMPROVEMENT)


# --- knowledge base (kefu.knowledge) ------------------------------------------------------
def manages_knowledge(user) -> bool:
    """A knowledge owner: reviews, publishes and archives articles, resolves requests."""
    return _active(user) and user.has_perm(MANAGE_KNOWLEDGE)


def knowledge_rows(prefix: str = "") -> Callable[[QuerySet, Any, str], QuerySet]:
    """Articles (and rows seen with their article behind `prefix`): the owners see and
    change every one; anyone signed in reads the published ones that are not archived,
    and the articles they wrote (their drafts); an author changes their own article
    until it is first published (afterwards changes go through change requests)."""

    def rows(queryset: QuerySet, user, action: str) -> QuerySet:
        if not _active(user):
            return queryset.none()
        if manages_knowledge(user):
            return queryset
        mine = Q(**{f"{prefix}created_by": user})
        if action == VIEW:
            published = Q(**{f"{prefix}published_version__isnull": False}) & ~Q(
                **{f"{prefix}state": "archived"}
            )
            return queryset.filter(published | mine)
        if action == CHANGE:
            return queryset.filter(mine, **{f"{prefix}published_version__isnull": True}).exclude(
                **{f"{prefix}state": "archived"}
            )
        return queryset.none()

    return rows


def manages_routing(user) -> bool:
    """Routing settings, rules, the agents' skills and capacity."""
    return _active(user) and user.has_perm(MANAGE_ROUTING)


def sees_routing(user) -> bool:
    """The routing state (queues, loads): monitors of every team, routing managers, and
    supervisors (their teams' part)."""
    return can_monitor(user) or manages_routing(user)


def department_rows(user) -> list[Mapping[str, Any]]:
    """`Policy.also` for rows of the whole department (no team): every supervisor's."""
    return [{"team__isnull": True}] if supervised_team_ids(user) else []


# --- workforce ------------------------------------------------------------------------------
def manages_workforce(user) -> bool:
    return _active(user) and user.has_perm(MANAGE_WORKFORCE)


def roster_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """Planners see every roster; supervisors too (their teams' part of it: assignments
    are restricted on their own); nobody else. Changing is the planners'."""
    if manages_workforce(user) or (action == VIEW and supervised_team_ids(user)):
        return queryset
    return queryset.none()


# --- people and access (the /people/ pages) ---------------------------------------------------
def administers_people(user) -> bool:
    """Users, their roles, teams and API tokens: administrators only."""
    return _active(user) and user.has_perm(MANAGE_USERS)


def administered_rows(queryset: QuerySet, user, action: str) -> QuerySet:
    """Log-ins and API tokens: every row for administrators, for any action; none for
    anyone else (a user's own log-in is read through request.user, not through here)."""
    return queryset if administers_people(user) else queryset.none()


register(
    Agent,
    agent="pk",
    team="team_id",
    policies={
        VIEW: CONVERSATION_VIEW,
        ADMINISTER: Policy(all=MANAGE_USERS, teams=False, own=False),
    },
)
register(Team, agent=None, team=None, custom=team_rows)
register(get_user_model(), agent=None, team=None, custom=administered_rows)
register(ApiToken, agent=None, team=None, custom=administered_rows)


def requires(permission: str) -> Callable[[Callable], Callable]:
    """A page view decorator: log-in first (anonymous → the log-in page), then
    `permission` (without it → 403)."""

    def decorate(view: Callable) -> Callable:
        return login_required(permission_required(permission, raise_exception=True)(view))

    return decorate
