"""Reads of routing: the configuration (settings and rules, kept briefly per process), the
candidates of a decision, what is known of an arriving conversation, and the state the
console and the API show (queues and loads, scoped by `kefu.accounts.access`)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
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
    QueueEntry,
    RoutingDecision,
    RoutingRule,
    RoutingSettings,
)
from kefu.assignment.presenters import pool_label
from kefu.bulk import raw_rows, where_in
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

# Settings and rules are read on every arrival: kept this long per process (an edit in
# this process applies at once: actions call forget()).
CONFIG_MAX_AGE_S = 1.0


@dataclass(frozen=True)
class Config:
    settings: RoutingSettings
    rules: tuple[router.Rule, ...]
    policy: router.Policy
    read_at: float


_config: Config | None = None


def forget() -> None:
    """Read the settings, rules and profiles again at the next arrival."""
    global _config, _profiles
    _config = None
    _profiles = None


def config() -> Config:
    global _config
    now = time.monotonic()
    if _config is not None and now - _config.read_at < CONFIG_MAX_AGE_S:
        return _config
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
    _config = Config(row, rules, policy, now)
    return _config


def _set(value: Any) -> frozenset[str]:
    if not value:
        return frozenset()
    if isinstance(value, str):
        value = orjson.loads(value)
    return frozenset(str(v) for v in value or ())


# The agents' static part (tier, skills, own capacity) changes rarely and is read for
# every arrival: kept per process, read again after PROFILES_MAX_AGE_S, when an online
# agent is not in it, or at once in this process after a profile edit (forget()).
PROFILES_MAX_AGE_S = 5.0
_NO_SKILL: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Profiles:
    # agent pk → (tier, channels, product lines, languages, capacity or None)
    rows: dict[int, tuple[str, frozenset[str], frozenset[str], frozenset[str], int | None]]
    read_at: float


_profiles: Profiles | None = None


def _read_profiles() -> Profiles:
    global _profiles
    rows = raw_rows(
        Agent.objects.order_by().values_list(
            "pk",
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
            for pk, tier, channels, products, languages, capacity in rows
        },
        time.monotonic(),
    )
    return _profiles


def candidates(default_capacity: int) -> list[router.Candidate]:
    """The online agents with their skills, capacity and load. One small query (who is
    online, their load); the static part from the per-process profiles. Agents not
    online are not candidates (the core reads a missing last agent as not online)."""
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
    if profiles is None or time.monotonic() - profiles.read_at > PROFILES_MAX_AGE_S:
        profiles = _read_profiles()
    static = profiles.rows
    if any(pk not in static for pk, _a, _l in rows):
        static = _read_profiles().rows
    Candidate = router.Candidate
    out = []
    for pk, active, last in rows:
        tier, channels, products, languages, capacity = static.get(
            pk, ("", _NO_SKILL, _NO_SKILL, _NO_SKILL, None)
        )
        out.append(
            Candidate(pk, tier, capacity or default_capacity, active or 0, True,
                      channels, products, languages, last or 0.0)
        )  # fmt: skip
    return out


def capacity_of(agent_id: int, default_capacity: int) -> int:
    capacity = AgentProfile.objects.filter(pk=agent_id).values_list("capacity", flat=True).first()
    return capacity or default_capacity


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
    label and tags, and the agent of their previous conversation."""
    extra = extra or {}
    label, score = CustomerRisk.objects.filter(pk=customer_id).values_list(
        "label", "score"
    ).first() or ("", None)
    tags = frozenset(
        CustomerTag.objects.filter(customer_id=customer_id).values_list("tag_id", flat=True)
    )
    last_agent = (
        Conversation.objects.filter(customer_id=customer_id, agent__isnull=False)
        .exclude(pk=conversation_id)
        .order_by("-created_at")
        .values_list("agent_id", flat=True)
        .first()
    )
    arrival = router.Arrival(
        channel=channel,
        product_line=str(extra.get("product_line") or ""),
        language=str(extra.get("language") or ""),
        risk_label=label or "",
        tags=tags,
        last_agent_id=last_agent,
        waited_s=waited_s,
    )
    return ArrivalFacts(conversation_id, customer_id, team_id, arrival, score)


def arrival_rows(ids: list[int]) -> list[tuple[int, int, int | None, str, dict | None]]:
    """(pk, customer pk, team pk, channel, extra) of conversations that have no agent."""
    return list(
        Conversation.objects.filter(pk__in=ids, agent__isnull=True)
        .order_by("created_at", "pk")
        .values_list("pk", "customer_id", "team_id", "channel", "extra")
    )


def agent_external_ids(ids: list[int]) -> dict[int, str]:
    return dict(
        Conversation.objects.filter(pk__in=ids, agent__isnull=False).values_list(
            "pk", "agent__external_id"
        )
    )


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
