"""The live path: evaluate messages as they are stored, keep each live conversation's
state, and push what changed to the consoles, listeners and agent workspaces.

`on_messages(conversation_id, record, message_ids)` runs inside the transaction that
stores the messages (the `messages_appended` signal), so a message and its alerts commit
together: a restart loses neither or both, and a message id can be stored only once, so
it is never evaluated twice. The pushes go out after the commit; a console that missed
them (reconnecting) reads the stored alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kefu.bulk import json_value, raw_rows, where_in
from kefu.core.masking import mask_text
from kefu.interactions.core.native import ConversationRecord
from kefu.interactions.models import Conversation
from kefu.monitoring import broadcast
from kefu.monitoring.core import live as core
from kefu.monitoring.models import Alert, LiveRule, LiveState
from kefu.ops import prom
from kefu.qa import store
from kefu.qa.core.engine import policy_for
from kefu.qa.scoring import records_for

log = logging.getLogger(__name__)

RULES_CACHE_KEY = "kefu:live-rules"
RULES_CACHE_SECONDS = 30
SEVERITY_ORDER = {"minor": 0, "normal": 1, "severe": 2}
# An open conversation is live while its last message is this recent; older open ones
# (imported history, abandoned chats) stay off the consoles.
LIVE_WINDOW = timedelta(hours=6)
# … and started at most this long before (a chat or a call does not last a week).
LIVE_MAX_AGE = timedelta(days=7)
# The live path re-checks the rule definitions at most once a second (6 queries saved on
# every message); an edited rule applies live within that second.
ENGINE_MAX_AGE_S = 1.0


def enabled_rules() -> frozenset[str]:
    """The enabled live rules (cached briefly: read on every message)."""
    rules = cache.get(RULES_CACHE_KEY)
    if rules is None:
        rules = frozenset(LiveRule.objects.filter(enabled=True).values_list("indicator", flat=True))
        cache.set(RULES_CACHE_KEY, rules, RULES_CACHE_SECONDS)
    return rules


def forget_rules() -> None:
    cache.delete(RULES_CACHE_KEY)


def sound_rules() -> frozenset[str]:
    """Live rules whose alerts ring on the console."""
    return frozenset(
        LiveRule.objects.filter(enabled=True, sound=True).values_list("indicator", flat=True)
    )


def ensure_rules() -> None:
    """Install the default live rules and suggestion templates (a fresh database, or
    after a flush)."""
    from kefu.monitoring.actions import ensure_templates

    ensure_templates()
    if not LiveRule.objects.exists():
        LiveRule.objects.bulk_create(
            [
                LiveRule(indicator=key, sound=key in ("threat_to_complain", "rude_language"))
                for key in core.DEFAULT_LIVE_RULES
            ]
        )
        forget_rules()


def owner_changed(conversation_id: int, agent_id: int, team_id: int | None) -> None:
    """A live conversation given to an agent (routing, a supervisor's reassignment): its
    live state names the new agent and team, so the consoles and the agent's workspace
    list it there. A conversation without a live state yet (a new arrival: routing runs
    before the state is stored, which then reads the owner) changes nothing. One
    statement: routing calls it on every arrival, inside its transaction."""
    table = connection.ops.quote_name(LiveState._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET agent_id = %s, team_id = %s WHERE conversation_id = %s",
            [agent_id, team_id, conversation_id],
        )


def rule_names() -> dict[str, dict[str, str]]:
    """Indicator id → {zh, en} names (from the compiled engine, no query)."""
    engine = store.engine_for(max_age_s=ENGINE_MAX_AGE_S)
    return {i.id: {"zh": i.name_zh, "en": i.name_en} for i in engine.indicators}


@dataclass(frozen=True)
class Owner:
    """Who a live conversation belongs to, read once per write (the state, its alerts and
    the console line all need it)."""

    status: str
    agent_id: int | None
    team_id: int | None
    agent_name: str
    team_name: str
    customer_tags: tuple[str, ...] = ()  # what service-level policies may match on


def conversations_written(
    conversation_ids: Sequence[int], records: dict[int, ConversationRecord] | None = None
) -> None:
    """Called in the transaction of every batch of written conversations. Conversations
    that are open and active within LIVE_WINDOW are live: their messages not evaluated
    yet (those after the state's message count) are evaluated one by one; conversations
    that closed leave the consoles. `records`: the records as the importer stored them
    (a live append passes its one record, so this costs no query to re-read it)."""
    if not conversation_ids:
        return
    records = records or {}
    ids = list(conversation_ids)
    since = timezone.now() - LIVE_WINDOW
    if len(records) == len(ids):
        closed = [pk for pk, r in records.items() if r.status == "closed"]
        candidates = [
            pk
            for pk, r in records.items()
            if r.status != "closed" and r.created_at >= since - LIVE_MAX_AGE
        ]
    else:  # a cheap first cut: history imports write thousands of conversations a second
        closed = ids
        recent = Conversation.objects.exclude(status="closed").filter(
            created_at__gte=since - LIVE_MAX_AGE
        )
        candidates = [pk for (pk,) in raw_rows(where_in(recent, "id", ids).values_list("pk"))]
    if closed:
        ended = list(
            LiveState.objects.filter(
                pk__in=closed, is_live=True, conversation__status="closed"
            ).values_list("pk", flat=True)
        )
        if ended:
            LiveState.objects.filter(pk__in=ended).update(is_live=False)
            transaction.on_commit(lambda: broadcast.conversations_ended(ended))
    if not candidates:
        return
    owners = {
        pk: Owner(
            status,
            agent_id,
            team_id,
            agent_name or "",
            team_name or "",
            tuple(json_value(tags) or ()),
        )
        for pk, status, agent_id, team_id, agent_name, team_name, tags in raw_rows(
            where_in(Conversation.objects.order_by(), "id", candidates).values_list(
                "pk",
                "status",
                "agent_id",
                "team_id",
                "agent__name",
                "team__name",
                "customer__tags",
            )
        )
    }
    states = LiveState.objects.in_bulk(candidates)
    known = [(pk, records[pk]) for pk in candidates if pk in records]  # as stored
    for pk, record in known:  # a parsed record knows nothing of the customer's tags
        record.customer.tags = owners[pk].customer_tags
    missing = [pk for pk in candidates if pk not in records]
    read = [(info.pk, record) for info, record in records_for(missing)]
    for pk, record in known + read:
        last = record.messages[-1].at if record.messages else record.created_at
        state = states.get(pk)
        if state is None and last < since:
            continue  # an old open conversation imported from history: not live
        done = state.message_count if state is not None else 0
        fresh = [m.id for m in record.messages[done:]]
        evaluate(pk, record, fresh, owners[pk], state)


def evaluate(
    conversation_id: int,
    record: ConversationRecord,
    message_ids: Sequence[str],
    owner: Owner,
    state: LiveState | None = None,
) -> list[Alert]:
    """Evaluate the messages `message_ids` (the newest of `record`) as they arrived,
    store their alerts (once per rule and message) and the live state, and push both
    after the commit."""
    engine = store.engine_for(max_age_s=ENGINE_MAX_AGE_S)
    specs = core.new_alerts(engine, record, message_ids, enabled_rules())
    alerts = _store_alerts(conversation_id, owner, specs, message_ids, record) if specs else []
    state = _update_state(state, conversation_id, owner, record, specs)
    fresh = set(message_ids)
    new_messages = [m for m in record.messages if m.id in fresh]
    transaction.on_commit(lambda: conversation_changed(state, owner, record, new_messages, alerts))
    return alerts


def customer_names(conversation_id: int, record: ConversationRecord) -> tuple[str, ...]:
    """The customer's name, masked inside evidence and texts (a record read back from
    the database by records_for carries none: then it is read, only for alerts)."""
    name = record.customer.name
    if name is None:
        name = (
            Conversation.objects.filter(pk=conversation_id)
            .values_list("customer__name", flat=True)
            .first()
        )
    return (name,) if name else ()


def _store_alerts(
    conversation_id: int,
    owner: Owner,
    specs: list,
    message_ids: Sequence[str],
    record: ConversationRecord,
) -> list[Alert]:
    """Store the alerts once per (conversation, rule, message); the stored ones, with ids.
    Evidence is stored masked (it may quote a message), the customer's name included."""
    names = customer_names(conversation_id, record) if any(s.evidence for s in specs) else ()
    alerts = [
        Alert(
            conversation_id=conversation_id,
            rule=s.rule,
            message_id=s.message_id,
            severity=s.severity,
            type=s.type,
            evidence=mask_text(s.evidence, names),
            messages=list(s.messages),
            occurrences=min(s.occurrences, 32767),
            agent_id=owner.agent_id,
            team_id=owner.team_id,
        )
        for s in specs
    ]
    try:
        # New messages have no alerts yet (a message id is stored, and evaluated, once):
        # one INSERT that returns the ids.
        with transaction.atomic():
            return Alert.objects.bulk_create(alerts)
    except IntegrityError:  # evaluated before after all: keep what is stored
        Alert.objects.bulk_create(alerts, ignore_conflicts=True)
        stored = Alert.objects.filter(conversation_id=conversation_id, message_id__in=message_ids)
        return list(stored.order_by("pk"))


def _update_state(
    state: LiveState | None, conversation_id: int, owner: Owner, record: ConversationRecord, specs
) -> LiveState:
    if state is None:
        state = LiveState(conversation_id=conversation_id)
    rules = dict(state.rules or {})
    for spec in specs:
        known = rules.get(spec.rule)
        if known is None or SEVERITY_ORDER.get(spec.severity, 1) > SEVERITY_ORDER.get(known, 1):
            rules[spec.rule] = spec.severity
    state.rules = rules
    state.agent_id = owner.agent_id
    state.team_id = owner.team_id
    state.waiting_since = core.waiting_since(record)
    due = core.response_due(record, policy_for(record, engine_policies()))
    state.sla_due = due.due if due else None
    state.sla_warn_s = round(due.warn_s) if due else None
    state.last_message_at = record.messages[-1].at if record.messages else None
    state.message_count = len(record.messages)
    state.is_live = owner.status != "closed"
    state.risk = current_risk(state)
    state.save()
    return state


def waited_s(state: LiveState, now: datetime) -> float:
    """How long the customer of a live conversation has been waiting, as of now."""
    return max(0.0, (now - state.waiting_since).total_seconds()) if state.waiting_since else 0.0


def engine_policies():
    """The active service-level policies, as the cached QA engine holds them."""
    return store.engine_for(max_age_s=ENGINE_MAX_AGE_S).policies


def sla_state(state: LiveState, now: datetime) -> str | None:
    """ok, at_risk or breached for the wait in progress; None when nothing is due."""
    if state.sla_due is None:
        return None
    return core.sla_state(state.sla_due, state.sla_warn_s or 0, now)


def current_risk(state: LiveState, now: datetime | None = None) -> int:
    """The risk as of now: the stored rules plus the wait so far."""
    return core.risk_score(state.rules or {}, waited_s(state, now or timezone.now()))


def riskiest(states, now: datetime) -> list[tuple[LiveState, int, int]]:
    """(state, risk as of now, seconds waited) of live conversations, riskiest first (the
    console and the API list them so)."""
    rows = [(s, current_risk(s, now), int(waited_s(s, now))) for s in states]
    rows.sort(key=lambda row: (-row[1], -row[2]))
    return rows


def message_payload(message, names: tuple[str, ...] = ()) -> dict:
    """A message as the live pages show it (personal data masked, the customer's
    `names` too)."""
    return {
        "id": message.id,
        "role": message.role,
        "text": mask_text(message.text, names),
        "at": timezone.localtime(message.at).isoformat(),
    }


def alert_payload(alert: Alert, names: dict | None = None, conversation: str | None = None) -> dict:
    """An alert as the consoles show it; `conversation`: its external id when the caller
    has it (else read through the alert)."""
    names = names if names is not None else rule_names()
    return {
        "id": alert.pk,
        "conversation": conversation or alert.conversation.external_id,
        "rule": alert.rule,
        "name": names.get(alert.rule, {"zh": alert.rule, "en": alert.rule}),
        "severity": alert.severity,
        "type": alert.type,
        "evidence": mask_text(alert.evidence),
        "message_id": alert.message_id,
        "created_at": timezone.localtime(alert.created_at).isoformat() if alert.created_at else "",
        "acknowledged": alert.acknowledged_at is not None,
    }


def state_payload(
    state: LiveState,
    owner: Owner,
    external_id: str,
    last_text: str = "",
    names: tuple[str, ...] = (),
) -> dict:
    return {
        "conversation": external_id,
        "risk": state.risk,
        "rules": state.rules,
        "waiting_since": state.waiting_since.isoformat() if state.waiting_since else None,
        "sla_due": state.sla_due.isoformat() if state.sla_due else None,
        "sla_warn_s": state.sla_warn_s,
        "message_count": state.message_count,
        "last_message_at": state.last_message_at.isoformat() if state.last_message_at else None,
        "last_text": mask_text(last_text, names)[:80],
        "agent": owner.agent_name,
        "team": owner.team_name,
        "is_live": state.is_live,
    }


def conversation_changed(state, owner, record, new_messages, alerts) -> None:
    """After a commit: one `live.update` for the consoles watching the conversation's
    team (its new state and alerts), one for its listeners and the agent's workspace
    (with the new messages too). Built here, sent by `broadcast` (which knows the groups,
    not the payloads: it imports nothing of the live path)."""
    last_text = new_messages[-1].text if new_messages else ""
    # The customer's own name is masked inside the texts too.
    customer = (record.customer.name,) if record.customer.name else ()
    update = {"type": "live.update", "conversation": record.id,
              "state": state_payload(state, owner, record.id, last_text, customer)}  # fmt: skip
    if alerts:
        names = rule_names()
        risk = {"risk": state.risk}
        update["alerts"] = [alert_payload(a, names, record.id) | risk for a in alerts]
    pairs = [(group, update) for group in (broadcast.ALL, broadcast.team_group(state.team_id))]
    room = update | {"messages": [message_payload(m, customer) for m in new_messages]}
    pairs.append((broadcast.conversation_group(state.pk), room))
    if state.agent_id and new_messages:
        pairs.append((broadcast.agent_group(state.agent_id), room))
    sent = broadcast.send_many(pairs)
    if alerts:
        pushed = timezone.now()
        if sent:  # else `push_missed` pushes them later
            Alert.objects.filter(pk__in=[a.pk for a in alerts]).update(pushed_at=pushed)
        # Live alert latency (/metrics): from storage in the write transaction to the push.
        for alert in alerts:
            if alert.created_at:
                prom.observe_alert_latency((pushed - alert.created_at).total_seconds())


# An alert is pushed after its commit; a web process killed in between (or a channel layer
# that refused) leaves it stored but unpushed. Past this grace, `push_missed` pushes it.
PUSH_GRACE = timedelta(seconds=30)
PUSH_BATCH = 500


def push_missed(grace: timedelta = PUSH_GRACE) -> int:
    """Push the alerts stored more than `grace` ago and never pushed, as `live.alerts`
    events to the consoles and listeners of their conversation's team; consoles drop an
    alert id they already show. Claimed under row locks (SKIP LOCKED), so two runners
    never push the same alert; a push that fails leaves them for the next run. Returns
    how many were pushed."""
    pushed = 0
    while True:
        cutoff = timezone.now() - grace
        with transaction.atomic():
            claimed = list(
                Alert.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pushed_at__isnull=True, created_at__lt=cutoff)
                .select_related("conversation")
                .order_by("created_at", "pk")[:PUSH_BATCH]
            )
            if not claimed:
                return pushed
            Alert.objects.filter(pk__in=[a.pk for a in claimed]).update(pushed_at=timezone.now())
        names = rule_names()
        pairs = []
        for alert in claimed:
            event = {"type": "live.alerts", "alerts": [alert_payload(alert, names)]}
            groups = (
                broadcast.ALL,
                broadcast.team_group(alert.team_id),
                broadcast.conversation_group(alert.conversation_id),
            )
            pairs.extend((group, event) for group in groups)
        if not broadcast.send_many(pairs):
            Alert.objects.filter(pk__in=[a.pk for a in claimed]).update(pushed_at=None)
            return pushed
        pushed += len(claimed)
