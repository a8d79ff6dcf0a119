"""REST API v1 of routing (mounted under /api/v1/ by kefu/api.py): the routing state
(queues and loads), a conversation's decisions with their reasons, reassigning, and the
settings, rules and agents' profiles managers edit.

Every read starts from `kefu.accounts.access`; a conversation outside the caller's scope
is 404, the state and the settings without the role 403. Writes go through
`kefu.assignment.actions`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from kefu.accounts import access
from kefu.accounts.choices import Tier
from kefu.assignment import actions, presenters, selectors
from kefu.assignment.choices import DecisionKind
from kefu.assignment.core import effect as effect_core
from kefu.assignment.models import RoutingRule, RoutingSettings
from kefu.lib.errors import NotAllowed
from kefu.lib.localtime import configured_tz
from kefu.lib.schemas import ErrorOut, ErrorsOut, RowId, Text

router = Router(tags=["routing"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorsOut | ErrorOut}

StrategyName = Literal["least_loaded", "round_robin"]
KindName = Literal[tuple(DecisionKind.values)]  # type: ignore[valid-type]
TierName = Literal[tuple(Tier.values)]  # type: ignore[valid-type]


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(configured_tz()) if value is not None else None


def _viewer(request: HttpRequest) -> None:
    if not access.sees_routing(request.user):
        raise NotAllowed("routing's state is for supervisors, monitors and routing managers")


# --- state ---------------------------------------------------------------------------------
class QueuedOut(Schema):
    conversation: str
    channel: str
    waiting_for: str = Field(description="a tier, `dedicated` or `any`")
    step: int = Field(description="0: the rule's first target; higher: overflowed")
    rule: str | None
    arrived_at: datetime
    waited_s: int
    next_overflow_at: datetime | None
    risk_label: str = Field(description="the customer's risk label at arrival ('': not scored)")
    tags: list[str] = Field(description="the names of the customer's tags at arrival")


class LoadOut(Schema):
    agent: str
    name: str
    team: str | None
    tier: str
    presence: str = Field(description="online / busy / away / offline")
    active: int
    capacity: int


class StateOut(Schema):
    enabled: bool
    queue: list[QueuedOut]
    loads: list[LoadOut]


@router.get("/routing/state", response={200: StateOut, **ERRORS})
def get_state(request: HttpRequest) -> dict[str, Any]:
    """The queue (oldest first, with waiting times) and the agents' loads the caller sees:
    supervisors their teams' (and the department's queue), monitors everything."""
    _viewer(request)
    context = selectors.state(request.user)
    return {
        "enabled": context["settings"].enabled,
        "queue": [
            {
                "conversation": row["entry"].conversation.external_id,
                "channel": row["entry"].conversation.channel,
                "waiting_for": row["entry"].target,
                "step": row["entry"].step,
                "rule": row["entry"].rule.name if row["entry"].rule else None,
                "arrived_at": _local(row["entry"].arrived_at),
                "waited_s": row["waited_s"],
                "next_overflow_at": _local(row["entry"].next_overflow_at),
                "risk_label": row["entry"].risk_label,
                "tags": row["tags"],
            }
            for row in context["queue"]
        ],
        "loads": [
            {
                "agent": row["agent"].external_id,
                "name": row["agent"].name,
                "team": row["agent"].team.name if row["agent"].team else None,
                "tier": row["agent"].tier,
                "presence": getattr(getattr(row["agent"], "presence", None), "state", "offline"),
                "active": row["active"],
                "capacity": row["capacity"],
            }
            for row in context["loads"]
        ],
    }


# --- decisions ---------------------------------------------------------------------------------
class RoutingReasonOut(Schema):
    code: str = Field(description="docs/routing.md lists the codes")
    params: dict[str, Any]
    text: str = Field(description="the reason in the request's language")


class DecisionOut(Schema):
    id: int
    kind: KindName
    agent: str | None
    target: str
    rule: str | None
    at: datetime
    by: str | None
    risk_label: str | None = Field(
        description="the customer's risk label when routing decided ('': not scored; "
        "null: not recorded, e.g. a reassignment)"
    )
    reasons: list[RoutingReasonOut]


@router.get(
    "/routing/conversations/{path:conversation_id}/decisions",
    response={200: list[DecisionOut], **ERRORS},
)
def list_decisions(request: HttpRequest, conversation_id: Text) -> list[dict[str, Any]]:
    """The routing decisions of a conversation the caller sees, newest first; an agent
    sees only the decisions that gave them the conversation."""
    conversation = get_object_or_404(
        access.conversations_visible_to(request.user), external_id=conversation_id
    )
    rows = list(selectors.decisions_of(request.user, conversation))
    return [_decision_out(row) for row in rows]


def _decision_out(row) -> dict[str, Any]:
    texts = presenters.sentences(row.reasons)
    return {
        "id": row.pk,
        "kind": row.kind,
        "agent": row.agent.external_id if row.agent else None,
        "target": row.target,
        "rule": row.rule.name if row.rule else None,
        "at": _local(row.at),
        "by": row.by.get_username() if row.by else None,
        "risk_label": row.risk_label,
        "reasons": [
            {"code": r.get("code", ""), "params": r.get("params") or {}, "text": text}
            for r, text in zip(row.reasons, texts, strict=True)
        ],
    }


class RoutingReassignIn(Schema):
    agent: Text = Field(description="the agent's id")
    note: Text = Field("", max_length=200)


@router.post(
    "/routing/conversations/{path:conversation_id}/reassign",
    response={200: DecisionOut, **ERRORS},
)
def reassign(
    request: HttpRequest, conversation_id: Text, payload: RoutingReassignIn
) -> dict[str, Any]:
    """Give a live or queued conversation to another agent (supervisors of its team,
    monitors; audited). Allowed above the agent's capacity: the reasons say so."""
    decision = actions.reassign(request.user, conversation_id, payload.agent, payload.note)
    return _decision_out(decision)


# --- settings, rules, profiles ---------------------------------------------------------------
class SettingsOut(Schema):
    enabled: bool
    enabled_since: date | None
    strategy: StrategyName
    default_capacity: int
    overflow_after_s: int
    prefer_last_agent: bool


class SettingsIn(Schema):
    enabled: bool | None = None
    enabled_since: date | None = None
    strategy: StrategyName | None = None
    default_capacity: int | None = Field(None, ge=1, le=50)
    overflow_after_s: int | None = Field(None, ge=0, le=86400)
    prefer_last_agent: bool | None = None


def _settings_out(row: RoutingSettings) -> dict[str, Any]:
    return {f: getattr(row, f) for f in RoutingSettings.FIELDS}


def _manager(request: HttpRequest) -> None:
    if not access.manages_routing(request.user):
        raise NotAllowed("this needs the permission to manage routing")


@router.get("/routing/settings", response={200: SettingsOut, **ERRORS})
def get_settings(request: HttpRequest) -> dict[str, Any]:
    _manager(request)
    return _settings_out(RoutingSettings.current())


@router.put("/routing/settings", response={200: SettingsOut, **ERRORS})
def put_settings(request: HttpRequest, payload: SettingsIn) -> dict[str, Any]:
    """Change the settings given (routing managers; audited). Switching routing on
    without `enabled_since` dates it today."""
    data = {
        k: v
        for k, v in payload.model_dump(exclude_unset=True).items()
        if v is not None or k == "enabled_since"  # null clears the date only
    }
    return _settings_out(actions.save_settings(data, user=request.user))


class RoutingRuleIn(Schema):
    name: Text
    position: int | None = Field(None, ge=0, le=1000)
    enabled: bool = True
    risk_labels: list[Literal["high", "normal", "low"]] = []
    tags: list[RowId] = Field(default_factory=list, description="customer tag ids")
    channels: list[Literal["chat", "phone", "email", "app"]] = []
    product_lines: list[Text] = []
    languages: list[Text] = []
    tiers: list[TierName] = Field(default_factory=list, description="in overflow order")
    agents: list[Text] = Field(default_factory=list, description="dedicated agents' ids")


class RoutingRuleOut(RoutingRuleIn):
    id: int
    position: int  # type: ignore[assignment]


def _rule_out(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "name": rule.name,
        "position": rule.position,
        "enabled": rule.enabled,
        "risk_labels": rule.risk_labels or [],
        "tags": [t.pk for t in rule.tags.all()],
        "channels": rule.channels or [],
        "product_lines": rule.product_lines or [],
        "languages": rule.languages or [],
        "tiers": rule.tiers or [],
        "agents": [a.external_id for a in rule.agents.all()],
    }


@router.get("/routing/rules", response={200: list[RoutingRuleOut], **ERRORS})
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    """The rules in the order they are tried."""
    rules = access.restrict(RoutingRule.objects.prefetch_related("tags", "agents"), request.user)
    return [_rule_out(r) for r in rules]


@router.post("/routing/rules", response={201: RoutingRuleOut, **ERRORS})
def create_rule(request: HttpRequest, payload: RoutingRuleIn) -> Status:
    rule = actions.save_rule(payload.model_dump(exclude_none=True), user=request.user)
    return Status(201, _rule_out(rule))


@router.put("/routing/rules/{rule_id}", response={200: RoutingRuleOut, **ERRORS})
def update_rule(request: HttpRequest, rule_id: RowId, payload: RoutingRuleIn) -> dict[str, Any]:
    _manager(request)
    rule = get_object_or_404(RoutingRule, pk=rule_id)
    return _rule_out(
        actions.save_rule(payload.model_dump(exclude_none=True), user=request.user, rule=rule)
    )


@router.delete("/routing/rules/{rule_id}", response={204: None, **ERRORS})
def delete_rule(request: HttpRequest, rule_id: RowId) -> Status:
    actions.delete_rule(rule_id, user=request.user)
    return Status(204, None)


class ProfileIn(Schema):
    channels: list[Literal["chat", "phone", "email", "app"]] = []
    product_lines: list[Text] = []
    languages: list[Text] = []
    capacity: int | None = Field(None, ge=1, le=50, description="null: the default")


class ProfileOut(ProfileIn):
    agent: str


@router.put("/routing/agents/{agent_id}/profile", response={200: ProfileOut, **ERRORS})
def put_profile(request: HttpRequest, agent_id: RowId, payload: ProfileIn) -> dict[str, Any]:
    """An agent's (by database id, as the other agent routes) routing skills and capacity
    (routing managers; audited). Empty lists: every channel / product line / language."""
    profile = actions.save_profile(agent_id, payload.model_dump(), user=request.user)
    return {
        "agent": profile.agent.external_id,
        "channels": profile.channels,
        "product_lines": profile.product_lines,
        "languages": profile.languages,
        "capacity": profile.capacity,
    }


# --- the effect report -------------------------------------------------------------------------
class EffectQuery(Schema):
    date_from: date | None = Field(None, description="default: a year before the switch month")
    date_to: date | None = Field(None, description="default: today")


class EffectCellOut(Schema):
    conversations: int
    complaint_rate: float | None
    escalation_rate: float | None


class EffectGroupsOut(Schema):
    high: EffectCellOut
    others: EffectCellOut


class EffectMonthOut(EffectGroupsOut):
    month: date = Field(description="its first day")
    period: Literal["before", "switch", "after"]
    unknown: int = Field(description="conversations without a known label at arrival")


class DidOut(Schema):
    value: float | None = Field(description="(high after − before) − (others after − before)")
    low: float | None = Field(description="95 % interval (MOVER from Wilson intervals)")
    high: float | None


class RoutingEffectOut(Schema):
    enabled_since: date | None
    date_from: date
    date_to: date
    before: EffectGroupsOut
    after: EffectGroupsOut
    did: dict[Literal["complaint_rate", "escalation_rate"], DidOut]
    sources: dict[str, int] = Field(
        description="conversations by where their label at arrival came from: decision, "
        "month, no_history (counted with the others), unknown (in no rate)"
    )
    months: list[EffectMonthOut]


def _cells(cells: dict) -> dict[str, Any]:
    return {
        group: {
            "conversations": cell.conversations,
            "complaint_rate": cell.complaint_rate,
            "escalation_rate": cell.escalation_rate,
        }
        for group, cell in cells.items()
    }


@router.get("/routing/effect", response={200: RoutingEffectOut, **ERRORS})
def get_effect(request: HttpRequest, q: Query[EffectQuery]) -> dict[str, Any]:
    """The effect report (docs/routing.md): complaint and escalation rates of the
    conversations the caller sees, high-sensitivity customers at arrival beside the
    others, by month and pooled before / after routing was switched on, with the
    difference in differences and its 95 % interval. Supervisors: their teams."""
    _viewer(request)
    since = RoutingSettings.current().enabled_since
    date_from, date_to = effect_core.default_span(since, timezone.localdate())
    date_from, date_to = q.date_from or date_from, q.date_to or date_to
    data = selectors.effect_rows(request.user, date_from, date_to)
    result = effect_core.effect(data.rows, since)
    return {
        "enabled_since": since,
        "date_from": date_from,
        "date_to": date_to,
        "before": _cells(result.before),
        "after": _cells(result.after),
        "did": {
            rate: {"value": e.value, "low": e.low, "high": e.high}
            for rate, e in result.did_interval.items()
        },
        "sources": data.sources,
        "months": [
            {"month": m.month, "period": m.period, "unknown": m.unknown, **_cells(m.cells)}
            for m in result.months
        ],
    }
