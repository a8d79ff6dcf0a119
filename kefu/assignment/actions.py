"""Writes of routing (validate, then do): routing arrivals, claiming an agent's capacity,
releasing it, draining the queue, reassigning, and the settings, rules and profiles
managers edit. Refusals are `kefu.lib.errors` types.

Capacity is claimed with one conditional UPDATE on the agent's load row
(`active = active + 1 … WHERE active < capacity`): the database applies it atomically
(PostgreSQL re-checks the condition after waiting for a concurrent writer's row lock;
SQLite runs one writer at a time), so two arrivals never overfill an agent. A claim that
finds the agent full routes again without them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts import access
from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent
from kefu.assignment import selectors
from kefu.assignment.choices import DecisionKind, QueueStatus, Strategy
from kefu.assignment.core import router
from kefu.assignment.models import (
    AgentLoad,
    AgentProfile,
    Assignment,
    QueueEntry,
    RoutingDecision,
    RoutingRule,
    RoutingSettings,
)
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.customers.choices import RiskLabel
from kefu.customers.models import Tag
from kefu.interactions.choices import Channel, Status
from kefu.interactions.models import Conversation
from kefu.lib.errors import Conflict, Invalid, NotAllowed, NotFound
from kefu.monitoring import live

CLAIM_ATTEMPTS = 3  # an agent filled by a concurrent arrival: decide again, this often
DRAIN_LIMIT = 50  # queued conversations looked at per drain


# --- capacity ---------------------------------------------------------------------------------
def claim(agent_id: int, capacity: int, now: datetime) -> bool:
    """Take one unit of the agent's capacity if they have one free (atomic)."""
    return claim_seat(agent_id, capacity, now)[0]


def claim_seat(agent_id: int, capacity: int, now: datetime) -> tuple[bool, int | None]:
    """`claim`, and the agent's team read by the same statement where the database can
    return rows from an UPDATE (PostgreSQL, SQLite ≥ 3.35): (claimed, team pk)."""
    q = connection.ops.quote_name
    table = q(AgentLoad._meta.db_table)
    sql = (
        f"UPDATE {table} SET active = active + 1, last_assigned = %s "
        "WHERE agent_id = %s AND active < %s"
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        agents = q(Agent._meta.db_table)
        sql += f" RETURNING (SELECT a.team_id FROM {agents} a WHERE a.id = {table}.agent_id)"
    stamp = now.timestamp()
    for attempt in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, [stamp, agent_id, capacity])
            if returning:
                row = cursor.fetchone()
                if row is not None:
                    return True, row[0]
            elif cursor.rowcount:
                return True, selectors.team_of(agent_id)
        if attempt == 0:
            # no load row yet: create it (a concurrent creator wins the same way), then
            # claim (a row exists and is full: the second try says so again)
            AgentLoad.objects.bulk_create([AgentLoad(agent_id=agent_id)], ignore_conflicts=True)
    return False, None


def _unclaim(agent_id: int) -> None:
    table = connection.ops.quote_name(AgentLoad._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET active = active - 1 WHERE agent_id = %s AND active > 0",
            [agent_id],
        )


def _force_claim(agent_id: int, now: datetime) -> None:
    """A supervisor's reassignment: taken even above capacity."""
    AgentLoad.objects.bulk_create([AgentLoad(agent_id=agent_id)], ignore_conflicts=True)
    table = connection.ops.quote_name(AgentLoad._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET active = active + 1, last_assigned = %s WHERE agent_id = %s",
            [now.timestamp(), agent_id],
        )


def _give(conversation_id: int, agent_id: int, team_id: int | None, now: datetime) -> None:
    """The conversation is the agent's: its owner, the live console's row, the load.
    Plain statements: this runs for every arrival."""
    q = connection.ops.quote_name
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(Assignment._meta.db_table)} (conversation_id, agent_id, at) "
            "VALUES (%s, %s, %s)",
            [conversation_id, agent_id, at],
        )
        cursor.execute(
            f"UPDATE {q(Conversation._meta.db_table)} SET agent_id = %s, team_id = %s "
            "WHERE id = %s",
            [agent_id, team_id, conversation_id],
        )
    live.owner_changed(conversation_id, agent_id, team_id)


# --- routing ------------------------------------------------------------------------------------
def route(
    facts: selectors.ArrivalFacts,
    *,
    entry: QueueEntry | None = None,
    cfg: selectors.Config | None = None,
) -> RoutingDecision:
    """Decide for one conversation (new, or waiting in the queue as `entry`) and write
    the decision: the agent's capacity claimed and the conversation given to them, or the
    conversation (still) queued. Call inside a transaction. `cfg`: the configuration the
    caller has just read (else read here)."""
    cfg = cfg or selectors.config()
    arrival = facts.arrival
    now = timezone.now()
    decision: router.Decision | None = None
    taken: set[int] = set()  # agents a concurrent arrival filled meanwhile
    for _attempt in range(CLAIM_ATTEMPTS):
        candidates = selectors.candidates(cfg)
        if taken:
            candidates = [
                replace(c, active=c.capacity) if c.agent_id in taken else c for c in candidates
            ]
        decision = router.decide(arrival, candidates, cfg.rules, cfg.policy)
        if decision.kind == router.QUEUED:
            break
        assert decision.agent_id is not None
        capacity = next(c.capacity for c in candidates if c.agent_id == decision.agent_id)
        claimed, team_id = claim_seat(decision.agent_id, capacity, now)
        if claimed:
            _give(facts.conversation_id, decision.agent_id, team_id, now)
            if entry is not None:
                QueueEntry.objects.filter(pk=entry.pk).update(
                    status=QueueStatus.ASSIGNED, left_at=now, next_overflow_at=None
                )
            kind = DecisionKind.OVERFLOWED if decision.overflowed else DecisionKind.ASSIGNED
            return RoutingDecision.objects.create(
                conversation_id=facts.conversation_id,
                agent_id=decision.agent_id,
                team_id=team_id,
                kind=kind,
                target=decision.target,
                rule_id=decision.rule_id,
                reasons=decision.reasons_data(),
                at=now,
                risk_label=arrival.risk_label,
                risk_score=facts.risk_score,
            )
        taken.add(decision.agent_id)
    assert decision is not None
    if decision.kind != router.QUEUED:  # every attempt lost its agent to a concurrent one
        decision = router.Decision(
            router.QUEUED, None, decision.target, decision.step, decision.steps,
            decision.rule_id, (*decision.reasons, router.Reason("claim_lost")),
        )  # fmt: skip
    return _queue(facts, decision, entry, now, cfg.policy.overflow_after_s)


def _queue(
    facts: selectors.ArrivalFacts,
    decision: router.Decision,
    entry: QueueEntry | None,
    now: datetime,
    overflow_after_s: float,
) -> RoutingDecision:
    arrived = entry.arrived_at if entry is not None else now
    after = router.next_overflow_s(decision.step, decision.steps, overflow_after_s)
    next_at = arrived + timedelta(seconds=after) if after is not None else None
    if entry is None:
        QueueEntry.objects.create(
            conversation_id=facts.conversation_id,
            team_id=facts.team_id,
            arrived_at=now,
            target=decision.target,
            step=decision.step,
            rule_id=decision.rule_id,
            next_overflow_at=next_at,
            risk_label=facts.arrival.risk_label,
            tags=sorted(facts.arrival.tags),
        )
    else:
        changed = decision.step != entry.step or decision.target != entry.target
        QueueEntry.objects.filter(pk=entry.pk).update(
            target=decision.target, step=decision.step, next_overflow_at=next_at
        )
        if not changed:  # still waiting for the same pool: nothing new to log
            return RoutingDecision(
                conversation_id=facts.conversation_id,
                kind=DecisionKind.QUEUED,
                target=decision.target,
                reasons=decision.reasons_data(),
                at=now,
            )
    return RoutingDecision.objects.create(
        conversation_id=facts.conversation_id,
        agent=None,
        team_id=facts.team_id,
        kind=DecisionKind.QUEUED,
        target=decision.target,
        rule_id=decision.rule_id,
        reasons=decision.reasons_data(),
        at=now,
        risk_label=facts.arrival.risk_label,
        risk_score=facts.risk_score,
    )


def route_written(
    rows: Iterable[selectors.Unowned], cfg: selectors.Config | None = None
) -> dict[int, int]:
    """New live conversations written without an agent (`selectors.written`): one
    routing gave an agent before (a source re-sent it without one) keeps that agent; one
    never routed is routed; one waiting in the queue waits on. Returns conversation pk →
    the agent holding it now."""
    owners: dict[int, int] = {}
    for row in rows:
        if row.held_by is not None:
            team_id = selectors.team_of(row.held_by)
            Conversation.objects.filter(pk=row.conversation_id).update(
                agent_id=row.held_by, team_id=team_id
            )
            live.owner_changed(row.conversation_id, row.held_by, team_id)
            owners[row.conversation_id] = row.held_by
        elif not row.routed:
            facts = selectors.arrival_for(
                row.conversation_id, row.customer_id, row.channel, row.extra, row.team_id
            )
            decision = route(facts, cfg=cfg)
            if decision.agent_id is not None:
                owners[row.conversation_id] = decision.agent_id
    return owners


def release_closed(conversation_ids: Sequence[int]) -> int:
    """Conversations no longer open free their agent's capacity and leave the queue.
    Returns how many agents' capacity was freed."""
    if not conversation_ids:
        return 0
    done = Conversation.objects.filter(pk__in=conversation_ids).exclude(status=Status.OPEN)
    now = timezone.now()
    QueueEntry.objects.filter(
        conversation_id__in=done.values("pk"), status=QueueStatus.WAITING
    ).update(status=QueueStatus.LEFT, left_at=now, next_overflow_at=None)
    freed = 0
    for pk, agent_id in list(
        Assignment.objects.filter(conversation_id__in=done.values("pk")).values_list(
            "conversation_id", "agent_id"
        )
    ):
        # the delete decides who releases (a concurrent release deletes nothing)
        deleted, _by_model = Assignment.objects.filter(pk=pk).delete()
        if deleted:
            _unclaim(agent_id)
            freed += 1
    return freed


def drain(*, due_only: bool = False, limit: int = DRAIN_LIMIT, now: datetime | None = None) -> int:
    """Route queued conversations again, oldest first: all of them (capacity was freed),
    or only those whose next pool has opened (`due_only`: overflow). Returns how many
    were assigned."""
    now = now or timezone.now()
    entries = QueueEntry.objects.filter(status=QueueStatus.WAITING).select_related("conversation")
    if due_only:
        entries = entries.filter(next_overflow_at__lte=now)
    assigned = 0
    for entry in list(entries.order_by("arrived_at", "pk")[:limit]):
        with transaction.atomic():
            # taken by a concurrent drain meanwhile: skip (the row lock on PostgreSQL)
            locked = (
                QueueEntry.objects.select_for_update()
                .filter(pk=entry.pk, status=QueueStatus.WAITING)
                .first()
            )
            if locked is None:
                continue
            conversation = entry.conversation
            facts = selectors.arrival_for(
                conversation.pk,
                conversation.customer_id,
                conversation.channel,
                conversation.extra,
                locked.team_id,
                waited_s=(now - locked.arrived_at).total_seconds(),
            )
            decision = route(facts, entry=locked)
            assigned += decision.kind != DecisionKind.QUEUED
    return assigned


def tick(now: datetime | None = None) -> dict[str, int]:
    """`kefu routing_tick` (cron, every minute): overflow what is due, then try the whole
    queue once more (capacity freed by a path that sent no signal)."""
    if not selectors.config().settings.enabled:
        return {"overflowed": 0, "assigned": 0}
    overflowed = drain(due_only=True, now=now)
    return {"overflowed": overflowed, "assigned": drain(now=now)}


# --- reassigning --------------------------------------------------------------------------------
def reassign(user, external_id: str, agent_external_id: str, note: str = "") -> RoutingDecision:
    """A supervisor gives a live or queued conversation to another agent (even above
    their capacity; the reason says so). The conversation must be one the user may
    monitor (or a queued one of their teams), the agent one they see. Audited."""
    if not access.can_monitor(user):
        raise NotAllowed(_("only supervisors and monitors reassign conversations"))
    conversation = (
        access.listenable(user).filter(external_id=external_id).first()
        or Conversation.objects.filter(
            external_id=external_id,
            pk__in=access.restrict(QueueEntry.objects.all(), user, access.CHANGE).values(
                "conversation_id"
            ),
        ).first()
    )
    if conversation is None:
        raise NotFound(_("no such conversation"))
    agent = access.agents_visible_to(user).filter(external_id=agent_external_id).first()
    if agent is None:
        raise Invalid(_("unknown agent"), errors=[{"field": "agent", "reason": _("no such agent")}])
    if conversation.status != Status.OPEN:
        raise Conflict(_("the conversation is no longer open"))
    now = timezone.now()
    with transaction.atomic():
        held = Assignment.objects.select_for_update().filter(pk=conversation.pk).first()
        before = held.agent_id if held is not None else conversation.agent_id
        if held is not None and held.agent_id == agent.pk:
            raise Conflict(_("the conversation is already this agent's"))
        if held is not None:
            held.delete()
            _unclaim(held.agent_id)
        cfg = selectors.config()
        capacity = selectors.capacity_of(agent.pk, cfg.settings.default_capacity)
        over = not claim(agent.pk, capacity, now)
        if over:
            _force_claim(agent.pk, now)
        _give(conversation.pk, agent.pk, agent.team_id, now)
        QueueEntry.objects.filter(pk=conversation.pk, status=QueueStatus.WAITING).update(
            status=QueueStatus.ASSIGNED, left_at=now, next_overflow_at=None
        )
        reasons = [{"code": "manual", "params": {"from": before, "agent": agent.pk}}]
        if note:
            reasons[0]["params"]["note"] = note[:200]
        if over:
            reasons.append({"code": "over_capacity", "params": {"capacity": capacity}})
        decision = RoutingDecision.objects.create(
            conversation=conversation,
            agent=agent,
            team_id=agent.team_id,
            kind=DecisionKind.REASSIGNED,
            reasons=reasons,
            at=now,
            by=user,
        )
        audit(
            AuditAction.INTERVENE,
            user=user,
            object_type="assignment.reassign",
            object_id=conversation.external_id,
            detail={"from": before, "to": agent.external_id, "over_capacity": over},
        )
    return decision


# --- settings, rules, profiles -----------------------------------------------------------------
def _require_manager(user) -> None:
    if not access.manages_routing(user):
        raise NotAllowed(_("this needs the permission to manage routing"))


def save_settings(data: Mapping[str, Any], *, user) -> RoutingSettings:
    """New settings (fields of `RoutingSettings.FIELDS`); audited. Switching routing on
    without a date sets `enabled_since` to today (the effect report's switch day)."""
    _require_manager(user)
    unknown = set(data) - set(RoutingSettings.FIELDS)
    if unknown:
        raise Invalid(_("unknown setting: %(name)s") % {"name": sorted(unknown)[0]})
    if "strategy" in data and data["strategy"] not in Strategy.values:
        raise Invalid(_("the strategy is least_loaded or round_robin"))
    row = RoutingSettings.current()
    old = {f: _plain(getattr(row, f)) for f in data}
    for name, value in data.items():
        setattr(row, name, value)
    if not 1 <= int(row.default_capacity) <= 50:
        raise Invalid(_("the default capacity is between 1 and 50"))
    if not 0 <= int(row.overflow_after_s) <= 86400:
        raise Invalid(_("the overflow delay is between 0 and 86400 seconds"))
    if row.enabled and row.enabled_since is None:
        row.enabled_since = timezone.localdate()
    row.updated_by = user
    row.save()
    selectors.forget()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="assignment.routing_settings",
        object_id="1",
        detail={"old": old, "new": {f: _plain(getattr(row, f)) for f in data}},
    )
    return row


def _configuration_changed() -> None:
    """Rules or profiles changed: every process reads the configuration again at its next
    arrival (the settings row's `updated_at` is the version `selectors.config` checks)."""
    RoutingSettings.objects.filter(pk=1).update(updated_at=timezone.now())
    selectors.forget()


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _strings(value: Any, allowed: Iterable[str] | None, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",")]
    if not isinstance(value, list | tuple):
        raise Invalid(_("invalid rule"), errors=[{"field": field, "reason": _("a list")}])
    items = [str(v).strip() for v in value if str(v).strip()]
    if allowed is not None:
        allowed = set(allowed)
        bad = [v for v in items if v not in allowed]
        if bad:
            raise Invalid(
                _("invalid rule"),
                errors=[{"field": field, "reason": _("unknown value: %(v)s") % {"v": bad[0]}}],
            )
    if any(len(v) > 50 for v in items):
        raise Invalid(_("invalid rule"), errors=[{"field": field, "reason": _("too long")}])
    return list(dict.fromkeys(items))


RULE_FIELDS = (
    "name", "position", "enabled", "risk_labels", "tags", "channels", "product_lines",
    "languages", "tiers", "agents",
)  # fmt: skip


def save_rule(data: Mapping[str, Any], *, user, rule: RoutingRule | None = None) -> RoutingRule:
    """Create or change a rule. `tags`: tag ids; `agents`: agent external ids (dedicated
    seats); `tiers`: tier values in overflow order; `risk_labels`: high / normal / low."""
    _require_manager(user)
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise Invalid(_("unknown field: %(name)s") % {"name": sorted(unknown)[0]})
    name = str(data.get("name", rule.name if rule else "") or "").strip()
    if not name or len(name) > 50:
        raise Invalid(_("a name of 1 to %(max)s characters") % {"max": 50})
    tag_ids = [int(t) for t in data.get("tags") or []]
    tags = list(Tag.objects.filter(pk__in=tag_ids))
    if len(tags) != len(set(tag_ids)):
        raise Invalid(_("invalid rule"), errors=[{"field": "tags", "reason": _("unknown tag")}])
    agent_ids = _strings(data.get("agents"), None, "agents")
    agents = list(Agent.objects.filter(external_id__in=agent_ids))
    if len(agents) != len(agent_ids):
        raise Invalid(_("invalid rule"), errors=[{"field": "agents", "reason": _("unknown agent")}])
    values = {
        "name": name,
        "risk_labels": _strings(data.get("risk_labels"), RiskLabel.values, "risk_labels"),
        "channels": _strings(data.get("channels"), Channel.values, "channels"),
        "product_lines": _strings(data.get("product_lines"), None, "product_lines"),
        "languages": _strings(data.get("languages"), None, "languages"),
        "tiers": _strings(data.get("tiers"), Tier.values, "tiers"),
        "enabled": bool(data.get("enabled", rule.enabled if rule else True)),
    }
    if not (values["tiers"] or agents):
        raise Invalid(
            _("invalid rule"),
            errors=[{"field": "tiers", "reason": _("name target tiers or dedicated agents")}],
        )
    with transaction.atomic():
        if rule is None:
            position = data.get("position")
            if position is None:
                position = RoutingRule.objects.count()
            else:  # put in at that place: the rules from there move one down
                RoutingRule.objects.filter(position__gte=int(position)).update(
                    position=F("position") + 1
                )
            rule = RoutingRule(position=int(position))
        elif data.get("position") is not None:
            rule.position = int(data["position"])
        for key, value in values.items():
            setattr(rule, key, value)
        rule.save()
        rule.tags.set(tags)
        rule.agents.set(agents)
    _configuration_changed()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="assignment.routing_rule",
        object_id=str(rule.pk),
        detail={**values, "tags": tag_ids, "agents": agent_ids, "position": rule.position},
    )
    return rule


def delete_rule(rule_id: int, *, user) -> None:
    _require_manager(user)
    deleted, _by_model = RoutingRule.objects.filter(pk=rule_id).delete()
    if not deleted:
        raise NotFound(_("no such rule"))
    _configuration_changed()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="assignment.routing_rule",
        object_id=str(rule_id),
        detail={"deleted": True},
    )


def save_profile(agent_id: int, data: Mapping[str, Any], *, user) -> AgentProfile:
    """An agent's (by pk) skills (channels, product lines, languages) and capacity:
    routing managers any agent's, supervisors their teams' agents' (the access layer's
    `Agent` action `routing_profile_change`); audited."""
    if not selectors.may_change_profiles(user):
        raise NotAllowed(_("only routing managers and supervisors change routing profiles"))
    agent = (
        access.restrict(Agent.objects.all(), user, selectors.PROFILE_CHANGE)
        .filter(pk=agent_id)
        .first()
    )
    if agent is None:
        raise NotFound(_("no such agent"))
    capacity = data.get("capacity")
    if capacity not in (None, "") and not 1 <= int(capacity) <= 50:
        raise Invalid(_("the capacity is between 1 and 50"))
    profile, _created = AgentProfile.objects.update_or_create(
        agent=agent,
        defaults={
            "channels": _strings(data.get("channels"), Channel.values, "channels"),
            "product_lines": _strings(data.get("product_lines"), None, "product_lines"),
            "languages": _strings(data.get("languages"), None, "languages"),
            "capacity": int(capacity) if capacity not in (None, "") else None,
        },
    )
    _configuration_changed()
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="assignment.agent_profile",
        object_id=agent.external_id,
        detail={
            k: getattr(profile, k) for k in ("channels", "product_lines", "languages", "capacity")
        },
    )
    return profile
