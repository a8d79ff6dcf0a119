"""Per-conversation facts stored beside each conversation so KPIs need no message scan.

The KPI definitions (contract `metrics.md`) build on these; they are computed once at
import from the normalised record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.interactions.core.native import ConversationRecord, in_time_order

# "Repeat contact within 7 days" (二次来电): the same customer again within 168 h, any
# channel. Defined here, below the KPIs that count it and the pages that show it.
REPEAT_WINDOW = timedelta(hours=168)


@dataclass(slots=True, frozen=True)
class ConversationFacts:
    first_customer_at: datetime | None
    first_response_at: datetime | None
    first_response_s: float | None
    handle_time_s: float | None
    message_count: int
    customer_message_count: int
    agent_message_count: int


def first_response(record: ConversationRecord) -> tuple[datetime | None, datetime | None]:
    """First customer message, and the first human agent message after it, by time
    (a file may list the reply before the question: parse sorts, records built
    elsewhere may not)."""
    first_customer = None
    for message in in_time_order(record.messages, record.channel, record.created_at):
        if first_customer is None:
            if message.role == "customer":
                first_customer = message.at
        elif message.role == "agent" and message.at >= first_customer:
            return first_customer, message.at
    return first_customer, None


def span_seconds(channel: str, messages: Sequence) -> float | None:
    """Handle time of messages (anything with `at`, `start_s`, `end_s`): last message −
    first message; phone: end of the last segment − start of the first. Shared by the KPI
    facts and the QA rules so both measure one handle time."""
    if not messages:
        return None
    if channel == "phone":
        starts = [m.start_s for m in messages if m.start_s is not None]
        if starts:
            ends = [m.end_s if m.end_s is not None else m.start_s for m in messages]
            return max(0.0, max(e for e in ends if e is not None) - min(starts))
    times = [m.at for m in messages]
    return (max(times) - min(times)).total_seconds()


def handle_time_s(record: ConversationRecord) -> float | None:
    return span_seconds(record.channel, record.messages)


def conversation_facts(record: ConversationRecord) -> ConversationFacts:
    first_customer, first_reply = first_response(record)
    customer_count = sum(1 for m in record.messages if m.role == "customer")
    agent_count = sum(1 for m in record.messages if m.role == "agent")
    return ConversationFacts(
        first_customer_at=first_customer,
        first_response_at=first_reply,
        first_response_s=(
            (first_reply - first_customer).total_seconds()
            if first_reply is not None and first_customer is not None
            else None
        ),
        handle_time_s=handle_time_s(record),
        message_count=len(record.messages),
        customer_message_count=customer_count,
        agent_message_count=agent_count,
    )
