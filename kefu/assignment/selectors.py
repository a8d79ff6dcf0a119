"""Reads of routing: the configuration (settings and rules, kept briefly per process), the
candidates of a decision, what is known of an arriving conversation, and the state the
console and the API show (queues and loads, scoped by `kefu.accounts.access`)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import orjson
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.assignment.choices import QueueStatus
from kefu.assignment.core import effect, router
from kefu.assignment.models import (
    AgentLoad,
    AgentProfile,
    Assignment,
    QueueEntry,
    RoutingDecision,
    RoutingRule,
    RoutingSettings,
)
from kefu.assignment.presenters import pool_label
from kefu.bulk import in_clause, raw_rows, where_in
from kefu.customers.choices import RiskLabel
from kefu.customers.models import (
    CustomerRisk,
    CustomerTag,
    RiskSnapshot,
    RiskSnapshotMonth,
    Tag,
)
from kefu.interactions.models import Conversation
from kefu.workforce.choices import PresenceState
from kefu.workforce.models import AgentPresence

# Settings, rules and the agents' static part (tier, skills, own capacity) are read on
# every arrival: kept per process and read again when the routing configuration's version
# changed — `RoutingSettings.updated_at`, which every action changing settings, rules or
# profiles touches, and an agent's save (tier) too — one small query per arrival instead
# of re-reading them. Without a settings row (routing never configured) they are kept
# CONFIG_MAX_AGE_S; forget() drops them at once (tests writing rows directly).
CONFIG_MAX_AGE_S = 1.0


@dataclass(frozen=True)
class Config:
    settings: RoutingSettings
    rules: tuple[router.Rule, ...]
    policy: router.Policy
    read_at: float
    version: str | None = None


_config: Config | None = None


def forget() -> None:
    """Read the settings, rules and profiles again at the next arrival."""
    global _config, _profiles
    _config = None
    _profiles = None


def version() -> str | None:
    """The routing configuration's version (None: no settings row)."""
    table = connection.ops.quote_name(RoutingSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT updated_at FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return str(row[0]) if row else None


def _fresh(version_now: str | None, version_then: str | None, read_at: float) -> bool:
    if version_now is None:
        return version_then is None and time.monotonic() - read_at < CONFIG_MAX_AGE_S
    return version_now == version_then


def config() -> Config:
    """The settings, rules and policy, read again when the version changed."""
    return config_at(version())


def config_at(current: str | None) -> Config:
    """`config()` with the version the caller has just read."""
    global _config
    cached = _config
    if cached is not None and _fresh(current, cached.version, cached.read_at):
        return cached
    row = RoutingSettings.current()
    rules = tuple(
        router.Rule(
            id=rule.pk,
            name=rule.name,
            risk_labels=frozenset(rule.risk_labels or ()),
            tag_ids=frozenset(t.pk for t in rule.tags.all()),
            channels=frozenset(rule.channels or ()),
            product_lines=frozenset(rule.product_lines or ()),
            languages=frozenset(rule.languages or ()),
            agent_ids=tuple(sorted(a.pk for a in rule.agents.all())),
            tiers=tuple(rule.tiers or ()),
        )
        for rule in RoutingRule.objects.filter(enabled=True).prefetch_related("tags", "agents")
    )
    policy = router.Policy(
        strategy=row.strategy,
        overflow_after_s=float(row.overflow_after_s),
        prefer_last_agent=row.prefer_last_agent,
    )
    _config = Config(row, rules, policy, time.monotonic(), current)
    return _config


def _set(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    if isinstance(value, str):
        value = orjson.loads(value)
    return frozenset(str(v) for v in value or ())


# The agents' static part (tier, skills, own capacity) changes rarely and is read for
# every arrival: kept per process with the configuration's version (above), read again
# when it changed, when an online agent is not in it (a new agent), or after
# PROFILES_MAX_AGE_S (agents changed by bulk writes, which send no signal).
PROFILES_MAX_AGE_S = 60.0
_NO_SKILL: frozenset[str] = frozenset()
_NO_PROFILE = ("", _NO_SKILL, _NO_SKILL, _NO_SKILL, None)


@dataclass(frozen=True)
class Profiles:
    # agent pk → (tier, channels, product lines, languages, capacity or None)
    rows: dict[int, tuple[str, frozenset[str], frozenset[str], frozenset[str], int | None]]
    read_at: float
    version: str | None = None
    external_ids: dict[int, str] = field(default_factory=dict)
    # default capacity → (agent pk, active, last assigned) → its candidate: a candidate
    # is built once per change of its load, not for every arrival (1,000 agents: 1.4 ms)
    built: dict[int, dict[tuple, router.Candidate]] = field(default_factory=dict)


_profiles: Profiles | None = None


def _read_profiles(current: str | None) -> Profiles:
    global _profiles
    rows = raw_rows(
        Agent.objects.order_by().values_list(
            "pk",
            "external_id",
            "tier",
            "routing_profile__channels",
            "routing_profile__product_lines",
            "routing_profile__languages",
            "routing_profile__capacity",
        )
    )
    _profiles = Profiles(
        {
            pk: (tier or "", _set(channels), _set(products), _set(languages), capacity)
            for pk, _e, tier, channels, products, languages, capacity in rows
        },
        time.monotonic(),
        current,
        {pk: external_id for pk, external_id, *_rest in rows},
    )
    return _profiles


def candidates(cfg: Config) -> list[router.Candidate]:
    """The online agents with their skills, capacity and load. One small query (who is
    online, their load); the static part from the per-process profiles (read again when
    `cfg`'s version changed). Agents not online are not candidates (the core reads a
    missing last agent as not online)."""
    presence = connection.ops.quote_name(AgentPresence._meta.db_table)
    load = connection.ops.quote_name(AgentLoad._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.agent_id, l.active, l.last_assigned FROM {presence} p "
            f"LEFT JOIN {load} l ON l.agent_id = p.agent_id WHERE p.state = %s",
            [PresenceState.ONLINE.value],
        )
        rows = cursor.fetchall()
    profiles = _profiles
    if (
        profiles is None
        or profiles.version != cfg.version
        or time.monotonic() - profiles.read_at > PROFILES_MAX_AGE_S
    ):
        profiles = _read_profiles(cfg.version)
    out = _build(rows, profiles, cfg.settings.default_capacity)
    if out is None:  # an online agent the profiles do not know (a new one): read again
        out = _build(rows, _read_profiles(cfg.version), cfg.settings.default_capacity, True)
    assert out is not None
    return out


def _build(
    rows: list[tuple], profiles: Profiles, default_capacity: int, unknown: bool = False
) -> list[router.Candidate] | None:
    """The candidates of the rows (agent, active, last assigned), from those built before
    when their row is unchanged; None when an agent is not in the profiles (`unknown`:
    built with no skills and the default capacity instead)."""
    static = profiles.rows
    built = profiles.built.get(default_capacity)
    if built is None or len(built) > 4 * len(static) + 1000:
        built = profiles.built[default_capacity] = {}
    out = []
    for row in rows:  # (pk, active, last assigned): the row is its candidate's key
        candidate = built.get(row)
        if candidate is None:
            pk, active, last = row
            profile = static.get(pk)
            if profile is None:
                if not unknown:
                    return None
                profile = _NO_PROFILE
            tier, channels, products, languages, capacity = profile
            candidate = built[row] = router.Candidate(
                pk, tier, capacity or default_capacity, active or 0, True,
                channels, products, languages, last or 0.0,
            )  # fmt: skip
        out.append(candidate)
    return out


def team_of(agent_id: int) -> int | None:
    table = connection.ops.quote_name(Agent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT team_id FROM {table} WHERE id = %s", [agent_id])
        row = cursor.fetchone()
    return row[0] if row else None


def capacity_of(agent_id: int, default_capacity: int) -> int:
    capacity = AgentProfile.objects.filter(pk=agent_id).values_list("capacity", flat=True).first()
    return capacity or default_capacity


# --- the agents' routing profiles (the page) ---------------------------------------------
# `Agent` actions (kefu.accounts.access, registered in apps.py): seeing an agent's routing
# profile (monitors and routing managers every agent's, supervisors their teams', an
# agent their own) and changing it (routing managers every agent's, supervisors their
# teams'; never an agent their own).
PROFILE_VIEW = "routing_profile"
PROFILE_CHANGE = "routing_profile_change"


def may_see_profiles(user) -> bool:
    return access.sees_routing(user) or access.own_agent_id(user) is not None


def may_change_profiles(user) -> bool:
    return access.manages_routing(user) or bool(access.supervised_team_ids(user))


def profile_agents(user, team_id: int | None = None) -> QuerySet[Agent]:
    """The agents whose routing profile the user sees (with their team and profile)."""
    qs = access.restrict(Agent.objects.all(), user, PROFILE_VIEW)
    if team_id is not None:
        qs = qs.filter(team_id=team_id)
    return qs.select_related("team", "routing_profile").order_by("team__name", "external_id")


def changeable_agent_ids(user, agent_ids: Iterable[int]) -> set[int]:
    """Which of these agents' profiles the user may change (one query)."""
    if not may_change_profiles(user):
        return set()
    qs = access.restrict(Agent.objects.filter(pk__in=list(agent_ids)), user, PROFILE_CHANGE)
    return set(qs.values_list("pk", flat=True))


@dataclass(frozen=True)
class ArrivalFacts:
    conversation_id: int
    customer_id: int
    team_id: int | None
    arrival: router.Arrival
    risk_score: int | None = None  # the stored score (None: not scored), kept on the decision


def arrival_for(
    conversation_id: int,
    customer_id: int,
    channel: str,
    extra: dict[str, Any] | None,
    team_id: int | None = None,
    waited_s: float = 0.0,
) -> ArrivalFacts:
    """What routing knows of a conversation: its channel, product line and language
    (the record's `extra.product_line` / `extra.language`), the customer's stored risk
    label and tags, and the agent of their previous conversation (one query: a row per
    tag, or one without)."""
    extra = extra or {}
    q = connection.ops.quote_name
    risk = q(CustomerRisk._meta.db_table)
    tags = q(CustomerTag._meta.db_table)
    conversations = q(Conversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT r.label FROM {risk} r WHERE r.customer_id = %s), "
            f"(SELECT r.score FROM {risk} r WHERE r.customer_id = %s), "
            f"(SELECT c.agent_id FROM {conversations} c WHERE c.customer_id = %s "
            "AND c.agent_id IS NOT NULL AND c.id <> %s ORDER BY c.created_at DESC LIMIT 1), "
            f"t.tag_id FROM (SELECT 1 AS one) o LEFT JOIN {tags} t ON t.customer_id = %s",
            [customer_id, customer_id, customer_id, conversation_id, customer_id],
        )
        rows = cursor.fetchall()
    label, score, last_agent = rows[0][0], rows[0][1], rows[0][2]
    arrival = router.Arrival(
        channel=channel,
        product_line=str(extra.get("product_line") or ""),
        language=str(extra.get("language") or ""),
        risk_label=label or "",
        tags=frozenset(row[-1] for row in rows if row[-1] is not None),
        last_agent_id=last_agent,
        waited_s=waited_s,
    )
    return ArrivalFacts(conversation_id, customer_id, team_id, arrival, score)


@dataclass(frozen=True)
class Unowned:
    """A written conversation without an agent: what routing needs of it."""

    conversation_id: int
    customer_id: int
    team_id: int | None
    channel: str
    extra: dict[str, Any]
    held_by: int | None  # the agent routing gave it to (a source re-sent it without one)
    routed: bool  # routing decided on it before (it waits in the queue, or was given)


@dataclass(frozen=True)
class Written:
    """What the live hook needs of a write, read at once: the configuration's version,
    whether a queued conversation's next pool has opened, and the written conversations
    without an agent (oldest first)."""

    version: str | None
    overflow_due: bool
    unowned: list[Unowned]


def written(ids: list[int], now: datetime) -> Written:
    """`Written` for the conversations `ids` (one query; one row even without any)."""
    q = connection.ops.quote_name
    column, param = in_clause("c.id", ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT updated_at FROM {q(RoutingSettings._meta.db_table)} WHERE id = 1), "
            f"EXISTS (SELECT 1 FROM {q(QueueEntry._meta.db_table)} "
            "WHERE status = %s AND next_overflow_at <= %s), "
            "c.id, c.customer_id, c.team_id, c.channel, c.extra, a.agent_id, "
            f"EXISTS (SELECT 1 FROM {q(RoutingDecision._meta.db_table)} d "
            "WHERE d.conversation_id = c.id) "
            "FROM (SELECT 1 AS one) o "
            f"LEFT JOIN {q(Conversation._meta.db_table)} c ON {column} AND c.agent_id IS NULL "
            f"LEFT JOIN {q(Assignment._meta.db_table)} a ON a.conversation_id = c.id "
            "ORDER BY c.created_at, c.id",
            [
                QueueStatus.WAITING.value,
                connection.ops.adapt_datetimefield_value(now),
                param,
            ],
        )
        rows = cursor.fetchall()
    version, due = rows[0][0], bool(rows[0][1])
    return Written(
        str(version) if version is not None else None,
        due,
        [
            Unowned(pk, customer, team, channel, _json(extra), held, bool(routed))
            for _v, _d, pk, customer, team, channel, extra, held, routed in rows
            if pk is not None
        ],
    )


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str | bytes):  # SQLite hands JSON back as text
        value = orjson.loads(value)
    return value if isinstance(value, dict) else {}


def external_ids(agent_ids: Iterable[int]) -> dict[int, str]:
    """Agents' external ids (from the profiles when they hold them all: no query)."""
    ids = list(set(agent_ids))
    known = _profiles.external_ids if _profiles is not None else {}
    if all(pk in known for pk in ids):
        return {pk: known[pk] for pk in ids}
    column, param = in_clause("id", ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, external_id FROM {connection.ops.quote_name(Agent._meta.db_table)} "
            f"WHERE {column}",
            [param],
        )
        return dict(cursor.fetchall())


def waiting(ids: Iterable[int]) -> set[int]:
    """Which of these conversations wait in the queue."""
    qs = QueueEntry.objects.filter(status=QueueStatus.WAITING).order_by()
    return {pk for (pk,) in raw_rows(where_in(qs, "conversation_id", list(ids)).values_list("pk"))}


# --- the state pages and the API show ------------------------------------------------------
def queue_rows(user) -> QuerySet[QueueEntry]:
    return (
        access.restrict(QueueEntry.objects.filter(status=QueueStatus.WAITING), user)
        .select_related("conversation", "conversation__customer", "team", "rule")
        .order_by("arrived_at", "pk")
    )


def load_rows(user) -> QuerySet[Agent]:
    """The agents whose load the user sees (online, or holding routed conversations):
    routing's viewers only, supervisors their teams' agents."""
    if not access.sees_routing(user):
        return Agent.objects.none()
    busy = AgentLoad.objects.filter(active__gt=0).values("agent_id")
    online = AgentPresence.objects.filter(state=PresenceState.ONLINE).values("agent_id")
    return (
        access.agents_visible_to(user)
        .filter(Q(pk__in=busy) | Q(pk__in=online))
        .select_related("team", "presence", "routing_profile", "routing_load")
        .order_by("team__name", "external_id")
    )


def state(user) -> dict[str, Any]:
    """The queue (oldest first, with waiting times) and the loads the user sees."""
    now = timezone.now()
    entries = list(queue_rows(user)[:200])
    # what each customer was at arrival: the label and the names of their tags then
    tag_names = dict(
        Tag.objects.filter(pk__in={t for e in entries for t in e.tags or ()}).values_list(
            "pk", "name"
        )
    )
    queue = [
        {
            "entry": e,
            "waited_s": waited_s(e, now),
            "pool": pool_label(e.target),
            "risk_label": e.get_risk_label_display() if e.risk_label else "",
            "tags": [tag_names[t] for t in e.tags or () if t in tag_names],
        }
        for e in entries
    ]
    cfg = config().settings
    loads = []
    for agent in load_rows(user)[:500]:
        profile = getattr(agent, "routing_profile", None)
        load = getattr(agent, "routing_load", None)
        presence = getattr(agent, "presence", None)
        loads.append(
            {
                "agent": agent,
                "tier": agent.get_tier_display(),
                "state": presence.get_state_display() if presence else "",
                "active": load.active if load else 0,
                "capacity": (profile.capacity if profile and profile.capacity else None)
                or cfg.default_capacity,
            }
        )
    oldest = max((row["waited_s"] for row in queue), default=0)
    return {"queue": queue, "loads": loads, "oldest_s": oldest, "settings": cfg}


def waited_s(entry: QueueEntry, now: datetime | None = None) -> int:
    return int(((now or timezone.now()) - entry.arrived_at).total_seconds())


def decisions_of(user, conversation: Conversation) -> QuerySet[RoutingDecision]:
    return access.restrict(
        RoutingDecision.objects.filter(conversation=conversation), user
    ).select_related("agent", "rule", "by")


# --- the effect report ---------------------------------------------------------------------
# Where a conversation's label at arrival came from (docs/routing.md, "The effect report").
FROM_DECISION = "decision"  # its routing decision kept the customer's stored label
FROM_MONTH = "month"  # the customer's label as of the first day of its month
NO_HISTORY = "no_history"  # that month was computed and the customer had no contact before
NOT_KNOWN = "unknown"  # its month's labels were never computed (`kefu customers_risk --monthly`)


@dataclass(frozen=True)
class EffectRows:
    rows: list[tuple[date, str, dict]]  # (month, HIGH / OTHERS / UNKNOWN, KPI statistics)
    sources: dict[str, int]  # conversations by where their label came from


def group_at_arrival(
    decision_label: str | None, month_label: str | None, month_computed: bool
) -> tuple[str, str]:
    """(group, source) of a conversation: the label its first routing decision kept, else
    its customer's label as of the first day of its month; a customer without a row in a
    computed month had no contact before it (score 0: not high); else unknown."""
    if decision_label is not None:
        return (effect.HIGH if decision_label == RiskLabel.HIGH else effect.OTHERS), FROM_DECISION
    if month_label is not None:
        return (effect.HIGH if month_label == RiskLabel.HIGH else effect.OTHERS), FROM_MONTH
    if month_computed:
        return effect.OTHERS, NO_HISTORY
    return effect.UNKNOWN, NOT_KNOWN


def effect_rows(user, date_from: date, date_to: date) -> EffectRows:
    """(month, group, the KPI statistics summed) of the conversations the user sees (KPI
    facts, scoped like conversations), each grouped by its customer's risk label when it
    arrived (`group_at_arrival`). Facts still pending are derived first."""
    from kefu.metrics import facts
    from kefu.metrics.core.kpis import STATS
    from kefu.metrics.models import KpiFact

    facts.refresh()
    qs = access.restrict(
        KpiFact.objects.filter(day__gte=date_from, day__lte=date_to), user
    ).order_by()
    decided = (
        RoutingDecision.objects.filter(
            conversation_id=OuterRef("conversation_id"), risk_label__isnull=False
        )
        .order_by("at", "pk")
        .values("risk_label")[:1]
    )
    monthly = RiskSnapshot.objects.filter(
        customer_id=OuterRef("customer_id"), month=OuterRef("month")
    ).values("label")[:1]
    rows = (
        qs.annotate(month=TruncMonth("day"))
        .annotate(decided=Subquery(decided), monthly=Subquery(monthly))
        .values("month", "decided", "monthly")
        .annotate(**{k: Sum(k) for k in STATS})
    )
    computed = set(RiskSnapshotMonth.objects.values_list("month", flat=True))
    out = []
    sources = dict.fromkeys((FROM_DECISION, FROM_MONTH, NO_HISTORY, NOT_KNOWN), 0)
    for row in rows:
        month = row.pop("month")
        if isinstance(month, datetime):
            month = month.date()
        group, source = group_at_arrival(row.pop("decided"), row.pop("monthly"), month in computed)
        sources[source] += int(row["conversations"])
        out.append((month, group, row))
    return EffectRows(out, sources)
