"""Writing the native format back out (kefu export, web export)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import tzinfo
from typing import Any

from django.db.models import Prefetch, QuerySet

from kefu.accounts.models import Agent
from kefu.interactions.core.native import (
    AgentRecord,
    ConversationRecord,
    CustomerRecord,
    EscalationRecord,
    MessageRecord,
    OrderRecord,
    SurveyRecord,
    TransferRecord,
    agent_to_native,
    conversation_to_native,
)
from kefu.interactions.models import Conversation, Message, Transfer
from kefu.interactions.personal import PersonalDataView

CHUNK = 1000


def agent_record(agent: Agent) -> AgentRecord:
    return AgentRecord(
        id=agent.external_id,
        name=agent.name,
        team=agent.team.name if agent.team_id else None,
        tier=agent.tier or None,
        hired_on=agent.hired_on,
        supervisor=agent.supervisor.external_id if agent.supervisor_id else None,
        extra=agent.extra or {},
    )


def shown_agent_record(agent: Agent, *, masked: bool) -> AgentRecord:
    """An agent record for an export: its extra data pattern-masked when masked."""
    record = agent_record(agent)
    if masked and record.extra:
        record.extra = PersonalDataView(unmasked=False).extra(record.extra)
    return record


def with_record_relations(conversations: QuerySet) -> QuerySet:
    """What `conversation_record` reads, in three queries per chunk of conversations
    however many messages and agents they have."""
    return conversations.select_related("customer", "agent").prefetch_related(
        Prefetch("messages", queryset=Message.objects.select_related("agent")),
        Prefetch("transfers", queryset=Transfer.objects.select_related("from_agent", "to_agent")),
        "escalations",
    )


def conversation_record(conv: Conversation, *, masked: bool) -> ConversationRecord:
    """The native record as a viewer may see it: personal data masked (names inside
    the texts too, every string of the extra data pattern-masked, declared personal
    keys fully masked), or clear with the sealed values decrypted."""
    return PersonalDataView(unmasked=not masked).record(stored_record(conv))


def stored_record(conv: Conversation) -> ConversationRecord:
    """Rebuild the native record from the database (inverse of the importer), as
    stored: values at declared personal keys still sealed. Never shown as it is."""
    c = conv.customer
    customer = CustomerRecord(
        id=c.external_id,
        name=c.name or None,
        phone=c.phone or None,
        email=c.email or None,
        segment=c.segment or None,
        extra=c.extra or {},
    )
    messages = [
        MessageRecord(
            id=m.external_id,
            role=m.role,
            at=m.at,
            text=m.text,
            agent=m.agent.external_id if m.agent_id else None,
            start_s=m.start_s,
            end_s=m.end_s,
            extra=m.extra or {},
        )
        for m in conv.messages.all()
    ]
    return record_from_values(
        {name: getattr(conv, name) for name in RECORD_COLUMNS},
        customer=customer,
        agent=conv.agent.external_id if conv.agent_id else None,
        messages=messages,
        transfers=[
            TransferRecord(
                from_agent=t.from_agent.external_id if t.from_agent_id else None,
                to_agent=t.to_agent.external_id if t.to_agent_id else None,
                at=t.at,
            )
            for t in conv.transfers.all()
        ],
        escalations=[
            EscalationRecord(level=e.level, at=e.at, resolved_at=e.resolved_at)
            for e in conv.escalations.all()
        ],
    )


# The conversation's own columns a native record is rebuilt from.
RECORD_COLUMNS = (
    "external_id", "channel", "created_at", "resolved_at", "closed_at", "status",
    "category1", "category2", "category3", "complaint", "csat", "nps", "survey_at",
    "survey_comment", "survey_extra", "has_order", "order_converted", "order_amount",
    "order_currency", "order_extra", "extra",
)  # fmt: skip


def record_from_values(
    values: Mapping[str, Any],
    *,
    customer: CustomerRecord,
    agent: str | None,
    messages: list[MessageRecord],
    transfers: list[TransferRecord],
    escalations: list[EscalationRecord],
) -> ConversationRecord:
    """The native record from a conversation's stored `RECORD_COLUMNS` (a model's
    attributes, or a raw row with its JSON decoded and its times aware) and its parts:
    one definition for the export and QA scoring's bulk reader."""
    v = values
    survey = None
    if v["csat"] is not None or v["nps"] is not None or v["survey_extra"] is not None:
        survey = SurveyRecord(
            csat=v["csat"],
            nps=v["nps"],
            at=v["survey_at"],
            comment=v["survey_comment"] or None,
            extra=v["survey_extra"] or {},
        )
    order = None
    if v["has_order"]:
        amount = v["order_amount"]
        order = OrderRecord(
            converted=bool(v["order_converted"]),
            amount=float(amount) if amount is not None else None,
            currency=v["order_currency"] or None,
            extra=v["order_extra"] or {},
        )
    return ConversationRecord(
        id=v["external_id"],
        channel=v["channel"],
        customer=customer,
        created_at=v["created_at"],
        messages=messages,
        agent=agent,
        resolved_at=v["resolved_at"],
        closed_at=v["closed_at"],
        status=v["status"],
        category=[c for c in (v["category1"], v["category2"], v["category3"]) if c],
        complaint=bool(v["complaint"]),
        transfers=transfers,
        escalations=escalations,
        survey=survey,
        order=order,
        extra=v["extra"] or {},
    )


def iter_native(
    conversations: QuerySet[Conversation],
    agents: QuerySet[Agent] | None,
    tz: tzinfo,
    *,
    masked: bool,
) -> Iterator[dict]:
    """Agents first, then conversations in id order, streamed in chunks."""
    if agents is not None:
        for agent in agents.select_related("team", "supervisor").order_by("external_id"):
            yield agent_to_native(shown_agent_record(agent, masked=masked))
    base = with_record_relations(conversations.order_by("pk"))
    last_pk = 0
    while True:
        chunk = list(base.filter(pk__gt=last_pk)[:CHUNK])
        if not chunk:
            break
        for conv in chunk:
            yield conversation_to_native(conversation_record(conv, masked=masked), tz)
        last_pk = chunk[-1].pk
