"""Live evaluation: which alerts a newly arrived message raises, and how risky a live
conversation is. Pure Python (no Django): the web process calls it inside the
transaction that stores the message, so a message and its alerts are stored together.

The rules are the automatic-QA indicators (the same engine, evaluated message by
message): an alert is raised when, after a message, a live rule hits the conversation
for the first time or hits it more often than before (one more slow reply, one more
angry message). Alerts are keyed by (rule, message id), so evaluating a message twice
raises nothing new.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kefu.interactions.core.native import ConversationRecord, in_time_order
from kefu.qa.core.engine import Engine
from kefu.qa.core.indicators import Hit
from kefu.sla.core.policies import Policy

# The live rules shipped by default: what a supervisor wants to see while the customer
# is still there (the list: repeating the same question, 3 messages without an
# answer, negative or angry words, a threat to complain, slow replies), plus the
# compliance breaches that must be stopped at once.
DEFAULT_LIVE_RULES: tuple[str, ...] = (
    "customer_same_question",
    "customer_repeat_3",
    "negative_emotion",
    "anger",
    "threat_to_complain",
    "legal_or_media_threat",
    "churn_risk",
    "slow_response_60s",
    "long_wait_180s",
    "forbidden_phrase",
    "rude_language",
    "shirking",
    "asks_for_secret",
    "agent_pii_leak",
)

# Risk weights: the chance-like contribution of one alert of a severity, combined as
# 1 − Π(1 − w) so that several alerts raise the risk without passing 100.
SEVERITY_WEIGHT = {"minor": 0.1, "normal": 0.25, "severe": 0.5}
# A wait is "about to breach" its service-level target in its last quarter, and at the
# latest AT_RISK_MIN_S before it falls due (a 30-second chat target warns 10 s ahead).
AT_RISK_SHARE = 0.25
AT_RISK_MIN_S = 10.0
SLA_OK, SLA_AT_RISK, SLA_BREACHED = "ok", "at_risk", "breached"
# A customer waiting for an answer adds up to WAIT_WEIGHT, reached after WAIT_FULL_S.
WAIT_WEIGHT = 0.4
WAIT_FULL_S = 180.0


@dataclass(frozen=True)
class AlertSpec:
    """An alert to store: the rule that hit, on which message, with what evidence."""

    rule: str
    message_id: str
    severity: str
    type: str
    evidence: str
    occurrences: int
    messages: tuple[str, ...]


def _hits(result) -> dict[str, Hit]:
    return {hit.indicator: hit for hit in result.hits}


def new_alerts(
    engine: Engine,
    record: ConversationRecord,
    new_message_ids: Sequence[str],
    rules: Iterable[str],
) -> list[AlertSpec]:
    """The alerts raised by the messages `new_message_ids` (the last ones of `record`),
    evaluated one at a time in time order, as if each had just arrived."""
    live = set(rules)
    fresh = set(new_message_ids)
    messages = in_time_order(record.messages, record.channel, record.created_at)
    earlier = [m for m in messages if m.id not in fresh]
    arriving = [m for m in messages if m.id in fresh]
    session = engine.session(replace(record, messages=earlier))
    before = _hits(session.result())
    alerts: list[AlertSpec] = []
    for message in arriving:
        after = _hits(session.add(message))
        for rule, hit in after.items():
            if rule not in live:
                continue
            previous = before.get(rule)
            if previous is not None and previous.occurrences >= hit.occurrences:
                continue
            alerts.append(
                AlertSpec(
                    rule=rule,
                    message_id=message.id,
                    severity=hit.severity,
                    type=hit.type,
                    evidence=hit.evidence,
                    occurrences=hit.occurrences,
                    messages=hit.messages,
                )
            )
        before = after
    return alerts


def waiting_since(record: ConversationRecord) -> datetime | None:
    """Since when the customer has been waiting for an answer: the first customer
    message after the last agent (or bot) message, by time; None when nobody is waiting."""
    return _waiting_since(in_time_order(record.messages, record.channel, record.created_at))


def _waiting_since(ordered: Sequence) -> datetime | None:
    since = None
    for message in ordered:
        if message.role == "customer":
            since = since or message.at
        elif message.role in ("agent", "bot"):
            since = None
    return since


def waiting_seconds(record: ConversationRecord, now: datetime) -> float:
    """How long the customer has been waiting for an answer (0 when nobody is)."""
    since = waiting_since(record)
    return 0.0 if since is None else max(0.0, (now - since).total_seconds())


def risk_score(severities: Mapping[str, str], waiting_s: float = 0.0) -> int:
    """0–100: each distinct live rule that hit (rule → its severity) and the customer's
    wait, combined as independent chances of the conversation going wrong."""
    keep = 1.0
    for severity in severities.values():
        keep *= 1.0 - SEVERITY_WEIGHT.get(severity, SEVERITY_WEIGHT["normal"])
    keep *= 1.0 - WAIT_WEIGHT * min(1.0, max(0.0, waiting_s) / WAIT_FULL_S)
    return math.floor((1.0 - keep) * 100 + 0.5)


@dataclass(frozen=True)
class ResponseDue:
    """The service-level deadline of the answer the customer is waiting for."""

    due: datetime
    target_s: float
    first: bool  # the first response (else the next one)

    @property
    def warn_s(self) -> float:
        """How long before `due` the wait turns "about to breach"."""
        return max(AT_RISK_SHARE * self.target_s, AT_RISK_MIN_S)

    def state(self, now: datetime) -> str:
        return sla_state(self.due, self.warn_s, now)


def sla_state(due: datetime, warn_s: float, now: datetime) -> str:
    """ok, at_risk (due within `warn_s`) or breached (due at or before `now`)."""
    left = (due - now).total_seconds()
    if left <= 0:
        return SLA_BREACHED
    return SLA_AT_RISK if left <= warn_s else SLA_OK


def response_due(record: ConversationRecord, policy: Policy | None) -> ResponseDue | None:
    """When the answer the customer is waiting for falls due under the policy: the first
    response (no agent has written yet) counts from the first customer message, a next
    response from the customer's first message since the last agent or bot message.
    None when nobody is waiting, no policy matches or the policy sets no such target."""
    if policy is None:
        return None
    ordered = in_time_order(record.messages, record.channel, record.created_at)
    since = _waiting_since(ordered)
    if since is None:
        return None
    first_customer = next(m.at for m in ordered if m.role == "customer")
    # as the KPI's FRT: an agent message after the first customer message (bots do not count)
    agent_wrote = any(m.role == "agent" and m.at >= first_customer for m in ordered)
    if agent_wrote:
        target, start = policy.next_response_s, since
    else:
        target, start = policy.first_response_s, first_customer
    if target is None:
        return None
    due = policy.due(start, target)
    return ResponseDue(due, float(target), not agent_wrote) if due is not None else None
