"""The native JSON Lines interaction format: parse, validate, normalise, write back.

Pure Python (no Django) so that the importer, the API, `kefu qa score` and task
workers share one definition of a valid record. See docs/data-formats.md and the
contract `shared/spec/interactions-jsonl.md`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

import orjson

from kefu.core.masking import mask_text

CHANNELS = ("chat", "phone", "email", "app")
ROLES = ("customer", "agent", "bot", "system")
STATUSES = ("open", "resolved", "closed")
TIERS = ("new", "regular", "senior", "lead", "expert")
ESCALATION_LEVELS = ("supervisor", "expert", "department")
# A message may carry a clock a little behind the conversation's creation.
MESSAGE_CLOCK_TOLERANCE = timedelta(minutes=1)

AGENT_KEYS = frozenset({"type", "id", "name", "team", "tier", "hired_on", "supervisor"})
CONVERSATION_KEYS = frozenset(
    {
        "type", "id", "channel", "customer", "agent", "created_at", "resolved_at",
        "closed_at", "status", "category", "complaint", "messages", "transfers",
        "escalations", "survey", "order",
    }
)  # fmt: skip
CUSTOMER_KEYS = frozenset({"id", "name", "phone", "email", "segment"})
MESSAGE_KEYS = frozenset({"id", "role", "agent", "at", "text", "start_s", "end_s"})
SURVEY_KEYS = frozenset({"csat", "nps", "at", "comment"})
ORDER_KEYS = frozenset({"converted", "amount", "currency"})


@dataclass(slots=True)
class RecordError:
    """Why one record was rejected: where it is, which record, which field, why."""

    line: int
    record_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        rid = f" record {self.record_id}" if self.record_id else ""
        return f"line {self.line}{rid}: {self.field}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "id": self.record_id, "field": self.field, "reason": self.reason}


class InvalidRecord(Exception):
    def __init__(self, field_name: str, reason: str) -> None:
        # A reason may quote the bad value (`got '13812345678'`); errors are shown to
        # importers, stored with import jobs and written to error files: masked.
        reason = mask_text(reason)
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(slots=True)
class AgentRecord:
    id: str
    name: str
    team: str | None = None
    tier: str | None = None
    hired_on: date | None = None
    supervisor: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    line: int = 0


@dataclass(slots=True)
class CustomerRecord:
    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    segment: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class MessageRecord:
    id: str
    role: str
    at: datetime
    text: str
    agent: str | None = None
    start_s: float | None = None
    end_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class TransferRecord:
    from_agent: str | None
    to_agent: str | None
    at: datetime


@dataclass(slots=True)
class EscalationRecord:
    level: str
    at: datetime
    resolved_at: datetime | None = None


@dataclass(slots=True)
class SurveyRecord:
    csat: int | None = None
    nps: int | None = None
    at: datetime | None = None
    comment: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class OrderRecord:
    converted: bool
    amount: float | None = None
    currency: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ConversationRecord:
    id: str
    channel: str
    customer: CustomerRecord
    created_at: datetime
    messages: list[MessageRecord]
    agent: str | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    status: str = "open"
    category: list[str] = field(default_factory=list)
    complaint: bool = False
    transfers: list[TransferRecord] = field(default_factory=list)
    escalations: list[EscalationRecord] = field(default_factory=list)
    survey: SurveyRecord | None = None
    order: OrderRecord | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    line: int = 0

    def agent_ids(self) -> set[str]:
        """Every agent the record names: owner, message authors, transfer ends."""
        ids = {m.agent for m in self.messages if m.agent}
        ids.update(t.from_agent for t in self.transfers if t.from_agent)
        ids.update(t.to_agent for t in self.transfers if t.to_agent)
        if self.agent:
            ids.add(self.agent)
        return ids


Record = AgentRecord | ConversationRecord


# --- field readers -------------------------------------------------------------------


def _string(obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise InvalidRecord(path, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidRecord(path, f"must be a string, got {type(value).__name__}")
    if required and not value.strip():
        raise InvalidRecord(path, "must not be empty")
    return value


def _timestamp(value: Any, path: str, tz: tzinfo, *, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            raise InvalidRecord(path, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidRecord(
            path, f"must be an ISO 8601 timestamp string, got {type(value).__name__}"
        )
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecord(path, f"is not an ISO 8601 timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    # Normalised to UTC so that equal instants compare and hash equal whatever the offset.
    return parsed.astimezone(UTC)


def _number(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRecord(path, f"must be a number, got {type(value).__name__}")
    return float(value)


def _integer_in(value: Any, path: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise InvalidRecord(path, f"must be an integer from {low} to {high}, got {value!r}")
    if not low <= value <= high:
        raise InvalidRecord(path, f"must be from {low} to {high}, got {value!r}")
    return int(value)


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InvalidRecord(path, f"must be one of {', '.join(choices)}, got {value!r}")
    return value


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRecord(path, f"must be an object, got {type(value).__name__}")
    return value


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(path, f"must be a list, got {type(value).__name__}")
    return value


def _extra(obj: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    if obj.keys() <= known:
        return {}
    return {k: v for k, v in obj.items() if k not in known}


# --- records -------------------------------------------------------------------------


def parse_agent(obj: dict[str, Any], line: int = 0) -> AgentRecord:
    agent_id = _string(obj, "id", "id", required=True)
    name = _string(obj, "name", "name", required=True)
    tier = obj.get("tier")
    if tier is not None:
        _choice(tier, "tier", TIERS)
    hired_on = obj.get("hired_on")
    if hired_on is not None:
        if not isinstance(hired_on, str):
            raise InvalidRecord("hired_on", "must be a date string YYYY-MM-DD")
        try:
            hired_on = date.fromisoformat(hired_on)
        except ValueError:
            raise InvalidRecord("hired_on", f"is not a date YYYY-MM-DD: {hired_on!r}") from None
    return AgentRecord(
        id=agent_id,
        name=name,
        team=_string(obj, "team", "team"),
        tier=tier,
        hired_on=hired_on,
        supervisor=_string(obj, "supervisor", "supervisor"),
        extra=_extra(obj, AGENT_KEYS),
        line=line,
    )


def _parse_customer(value: Any) -> CustomerRecord:
    obj = _object(value, "customer")
    return CustomerRecord(
        id=_string(obj, "id", "customer.id", required=True),
        name=_string(obj, "name", "customer.name"),
        phone=_string(obj, "phone", "customer.phone"),
        email=_string(obj, "email", "customer.email"),
        segment=_string(obj, "segment", "customer.segment"),
        extra=_extra(obj, CUSTOMER_KEYS),
    )


def _parse_messages(
    raw: list[Any], channel: str, created_at: datetime, tz: tzinfo
) -> list[MessageRecord]:
    messages: list[MessageRecord] = []
    earliest = created_at - MESSAGE_CLOCK_TOLERANCE
    is_phone = channel == "phone"
    seen_ids: set[str] = set()
    for index, item in enumerate(raw):
        path = f"messages[{index}]"
        if not isinstance(item, dict):
            raise InvalidRecord(path, f"must be an object, got {type(item).__name__}")
        role = item.get("role")
        if role not in ROLES:
            if role is None:
                raise InvalidRecord(f"{path}.role", "is required")
            _choice(role, f"{path}.role", ROLES)
        text = item.get("text", "")
        if not isinstance(text, str):
            raise InvalidRecord(f"{path}.text", f"must be a string, got {type(text).__name__}")
        message_id = item.get("id")
        if message_id is None:
            message_id = f"m{index + 1}"
        elif not isinstance(message_id, str):
            raise InvalidRecord(f"{path}.id", f"must be a string, got {type(message_id).__name__}")
        if message_id in seen_ids:
            raise InvalidRecord(f"{path}.id", f"duplicate message id {message_id!r}")
        seen_ids.add(message_id)
        start_s = _number(item.get("start_s"), f"{path}.start_s")
        end_s = _number(item.get("end_s"), f"{path}.end_s")
        at = _timestamp(item.get("at"), f"{path}.at", tz)
        if is_phone:
            if start_s is None and at is not None:
                start_s = (at - created_at).total_seconds()
            if start_s is None:
                raise InvalidRecord(f"{path}.start_s", "is required for phone segments")
            if start_s < 0:
                raise InvalidRecord(f"{path}.start_s", f"must be >= 0, got {start_s}")
            if end_s is not None and end_s < start_s:
                raise InvalidRecord(f"{path}.end_s", f"is before start_s ({end_s} < {start_s})")
            if at is None:
                at = created_at + timedelta(seconds=start_s)
        elif at is None:
            raise InvalidRecord(f"{path}.at", "is required")
        if at < earliest:
            raise InvalidRecord(
                f"{path}.at",
                f"is {(created_at - at).total_seconds():.0f} s before the conversation "
                "was created (created_at)",
            )
        agent = item.get("agent")
        if agent is not None and not isinstance(agent, str):
            raise InvalidRecord(f"{path}.agent", f"must be a string, got {type(agent).__name__}")
        messages.append(
            MessageRecord(
                id=message_id,
                role=role,
                at=at,
                text=text,
                agent=agent,
                start_s=start_s,
                end_s=end_s,
                extra=_extra(item, MESSAGE_KEYS),
            )
        )
    return messages


def parse_conversation(obj: dict[str, Any], tz: tzinfo, line: int = 0) -> ConversationRecord:
    conversation_id = _string(obj, "id", "id", required=True)
    channel = obj.get("channel")
    if channel is None:
        raise InvalidRecord("channel", "is required")
    _choice(channel, "channel", CHANNELS)
    if "customer" not in obj:
        raise InvalidRecord("customer", "is required")
    customer = _parse_customer(obj["customer"])
    created_at = _timestamp(obj.get("created_at"), "created_at", tz, required=True)
    if "messages" not in obj:
        raise InvalidRecord("messages", "is required (may be an empty list)")
    messages = _parse_messages(_list(obj["messages"], "messages"), channel, created_at, tz)

    resolved_at = _timestamp(obj.get("resolved_at"), "resolved_at", tz)
    closed_at = _timestamp(obj.get("closed_at"), "closed_at", tz)
    if resolved_at is not None and resolved_at < created_at:
        raise InvalidRecord("resolved_at", "is before created_at")
    if closed_at is not None and closed_at < created_at:
        raise InvalidRecord("closed_at", "is before created_at")
    status = obj.get("status")
    if status is None:
        status = "closed" if closed_at else "resolved" if resolved_at else "open"
    else:
        _choice(status, "status", STATUSES)
        if status == "open" and resolved_at is not None:
            status = "resolved"  # the contract: a conversation with resolved_at is resolved

    category = _list(obj.get("category"), "category")
    if len(category) > 3:
        raise InvalidRecord("category", f"has {len(category)} levels, at most 3 are allowed")
    for i, level in enumerate(category):
        if not isinstance(level, str):
            raise InvalidRecord(f"category[{i}]", "must be a string")

    complaint = obj.get("complaint", False)
    if complaint is None:
        complaint = False
    if not isinstance(complaint, bool):
        raise InvalidRecord("complaint", f"must be true or false, got {complaint!r}")

    agent = _string(obj, "agent", "agent")
    if agent is None:
        agent = next((m.agent for m in messages if m.role == "agent" and m.agent), None)
    if agent is not None:
        for m in messages:
            if m.role == "agent" and m.agent is None:
                m.agent = agent

    transfers = []
    for i, item in enumerate(_list(obj.get("transfers"), "transfers")):
        t = _object(item, f"transfers[{i}]")
        transfers.append(
            TransferRecord(
                from_agent=_string(t, "from", f"transfers[{i}].from"),
                to_agent=_string(t, "to", f"transfers[{i}].to"),
                at=_timestamp(t.get("at"), f"transfers[{i}].at", tz, required=True),
            )
        )
    escalations = []
    for i, item in enumerate(_list(obj.get("escalations"), "escalations")):
        e = _object(item, f"escalations[{i}]")
        at = _timestamp(e.get("at"), f"escalations[{i}].at", tz, required=True)
        esc_resolved = _timestamp(e.get("resolved_at"), f"escalations[{i}].resolved_at", tz)
        if esc_resolved is not None and esc_resolved < at:
            raise InvalidRecord(f"escalations[{i}].resolved_at", "is before the escalation's at")
        escalations.append(
            EscalationRecord(
                level=_choice(e.get("level"), f"escalations[{i}].level", ESCALATION_LEVELS),
                at=at,
                resolved_at=esc_resolved,
            )
        )

    survey = None
    if obj.get("survey") is not None:
        s = _object(obj["survey"], "survey")
        survey = SurveyRecord(
            csat=_integer_in(s.get("csat"), "survey.csat", 1, 5),
            nps=_integer_in(s.get("nps"), "survey.nps", 0, 10),
            at=_timestamp(s.get("at"), "survey.at", tz),
            comment=_string(s, "comment", "survey.comment"),
            extra=_extra(s, SURVEY_KEYS),
        )
    order = None
    if obj.get("order") is not None:
        o = _object(obj["order"], "order")
        converted = o.get("converted")
        if not isinstance(converted, bool):
            raise InvalidRecord("order.converted", "is required and must be true or false")
        amount = _number(o.get("amount"), "order.amount")
        if amount is not None and amount < 0:
            raise InvalidRecord("order.amount", f"must be >= 0, got {amount}")
        order = OrderRecord(
            converted=converted,
            amount=amount,
            currency=_string(o, "currency", "order.currency"),
            extra=_extra(o, ORDER_KEYS),
        )

    return ConversationRecord(
        id=conversation_id,
        channel=channel,
        customer=customer,
        created_at=created_at,
        messages=messages,
        agent=agent,
        resolved_at=resolved_at,
        closed_at=closed_at,
        status=status,
        category=category,
        complaint=complaint,
        transfers=transfers,
        escalations=escalations,
        survey=survey,
        order=order,
        extra=_extra(obj, CONVERSATION_KEYS),
        line=line,
    )


def parse_object(obj: Any, tz: tzinfo, line: int = 0) -> Record | RecordError:
    """Validate one decoded JSON value; never raises for bad input."""
    record_id = obj.get("id") if isinstance(obj, dict) else None
    record_id = record_id if isinstance(record_id, str) else None
    try:
        if not isinstance(obj, dict):
            raise InvalidRecord("record", f"must be a JSON object, got {type(obj).__name__}")
        kind = obj.get("type")
        if kind == "conversation":
            return parse_conversation(obj, tz, line)
        if kind == "agent":
            return parse_agent(obj, line)
        if kind is None:
            raise InvalidRecord("type", "is required (agent or conversation)")
        raise InvalidRecord("type", f"must be agent or conversation, got {kind!r}")
    except InvalidRecord as exc:
        return RecordError(line, record_id, exc.field, exc.reason)
    except RecursionError:
        return RecordError(line, record_id, "record", "is nested too deeply")


def parse_line(raw: str | bytes, line: int, tz: tzinfo) -> Record | RecordError | None:
    """Parse one line of a JSONL file; blank lines give None."""
    if not raw.strip():
        return None
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return RecordError(line, None, "json", f"invalid JSON: {exc}")
    return parse_object(obj, tz, line)


def iter_jsonl(lines: Iterable[str | bytes], tz: tzinfo) -> Iterator[Record | RecordError]:
    for number, raw in enumerate(lines, start=1):
        parsed = parse_line(raw, number, tz)
        if parsed is not None:
            yield parsed


# --- writing -------------------------------------------------------------------------


def _iso(value: datetime | None, tz: tzinfo) -> str | None:
    if value is None:
        return None
    return value.astimezone(tz).isoformat()


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def agent_to_native(record: AgentRecord) -> dict[str, Any]:
    out = _drop_none(
        {
            "type": "agent",
            "id": record.id,
            "name": record.name,
            "team": record.team,
            "tier": record.tier,
            "hired_on": record.hired_on.isoformat() if record.hired_on else None,
            "supervisor": record.supervisor,
        }
    )
    return {**record.extra, **out}


def conversation_to_native(record: ConversationRecord, tz: tzinfo) -> dict[str, Any]:
    """The record as a native JSON object (the inverse of parse_conversation)."""
    customer = _drop_none(
        {
            "id": record.customer.id,
            "name": record.customer.name,
            "phone": record.customer.phone,
            "email": record.customer.email,
            "segment": record.customer.segment,
        }
    )
    messages = []
    for m in record.messages:
        msg = _drop_none(
            {
                "id": m.id,
                "role": m.role,
                "agent": m.agent,
                "at": _iso(m.at, tz),
                "text": m.text,
                "start_s": m.start_s,
                "end_s": m.end_s,
            }
        )
        messages.append({**m.extra, **msg})
    out: dict[str, Any] = {
        "type": "conversation",
        "id": record.id,
        "channel": record.channel,
        "customer": {**record.customer.extra, **customer},
        "agent": record.agent,
        "created_at": _iso(record.created_at, tz),
        "resolved_at": _iso(record.resolved_at, tz),
        "closed_at": _iso(record.closed_at, tz),
        "status": record.status,
        "category": record.category,
        "complaint": record.complaint,
        "messages": messages,
    }
    if record.transfers:
        out["transfers"] = [
            _drop_none({"from": t.from_agent, "to": t.to_agent, "at": _iso(t.at, tz)})
            for t in record.transfers
        ]
    if record.escalations:
        out["escalations"] = [
            _drop_none(
                {"level": e.level, "at": _iso(e.at, tz), "resolved_at": _iso(e.resolved_at, tz)}
            )
            for e in record.escalations
        ]
    if record.survey is not None:
        s = record.survey
        survey = _drop_none(
            {"csat": s.csat, "nps": s.nps, "at": _iso(s.at, tz), "comment": s.comment}
        )
        out["survey"] = {**s.extra, **survey}
    if record.order is not None:
        o = record.order
        order = _drop_none({"converted": o.converted, "amount": o.amount, "currency": o.currency})
        out["order"] = {**o.extra, **order}
    return {**record.extra, **_drop_none(out)}


def content_hash(record: ConversationRecord) -> str:
    """A digest of the normalised record: equal digests mean nothing to update.

    orjson serialises the dataclasses directly (timestamps are UTC after parsing);
    the line number is where the record sat in a file, not content, so it is left out.
    """
    line, record.line = record.line, 0
    try:
        payload = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    finally:
        record.line = line
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def dumps(obj: dict[str, Any]) -> bytes:
    """One JSONL line (UTF-8, Chinese kept readable)."""
    return orjson.dumps(obj) + b"\n"
