"""The native JSON Lines interaction format: parse, validate, normalise, write back.

Pure Python (no Django) so that the importer, the API, `kefu qa score` and task
workers share one definition of a valid record. See docs/data-formats.md and the
contract `shared/spec/interactions-jsonl.md`.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import IO, Any, Protocol, TypeVar

import orjson

from kefu.core.masking import mask_value

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


def gettext_noop(message: str) -> str:
    """Marks an English reason template for translation without importing Django: the core
    stays pure, makemessages' xgettext picks the calls up by this name, and the shell
    translates when it shows the reason (`kefu.interactions.importer.reason_text`)."""
    return message


_ = gettext_noop


@dataclass(frozen=True, slots=True)
class Limits:
    """What a record may hold. The Django shell builds one from the settings (block
    "Import limits", `kefu.interactions.importer.import_limits`); the default suits tests
    and `kefu qa score`. `latest` is fixed when the limits are made (now + tolerance)."""

    earliest: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    future_tolerance: timedelta = timedelta(days=1)
    latest: datetime | None = None
    id_length: int = 64
    text_length: int = 20_000
    record_bytes: int = 2 * 1024 * 1024
    messages: int = 5_000
    extra_depth: int = 32

    def __post_init__(self) -> None:
        if self.latest is None:
            object.__setattr__(self, "latest", datetime.now(UTC) + self.future_tolerance)


# Columns of bounded length (the models' max_length; PostgreSQL refuses longer values and
# would fail a whole batch). tests/…/test_native_limits.py checks them against the models.
MAX_LENGTHS = {
    "agent.name": 100,
    "agent.team": 100,
    "customer.name": 200,
    "customer.phone": 64,
    "customer.email": 254,
    "customer.segment": 50,
    "category[0]": 50,
    "category[1]": 100,
    "category[2]": 100,
    "order.currency": 8,
}
EARLIEST_HIRE_DATE = date(1900, 1, 1)
# Characters no database text column stores: NUL (PostgreSQL refuses it) and lone
# surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


@dataclass(slots=True)
class RecordError:
    """Why one record was rejected: where it is, which record, which field, why.

    `reason` is English; `template` and `params` let the shell show it translated."""

    line: int
    record_id: str | None
    field: str
    reason: str
    template: str | None = None
    # dataclasses.field: the class's own `field` attribute shadows the name here
    params: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        # Errors are stored (JSON) and shown: an id or field path that holds control
        # characters (NUL: PostgreSQL refuses it) or runs to megabytes is quoted and cut.
        if self.record_id is not None and not _shown_as_is(self.record_id):
            self.record_id = None
        if not _shown_as_is(self.field):
            self.field = _show(self.field, 120)

    def __str__(self) -> str:
        rid = f" record {self.record_id}" if self.record_id else ""
        return f"line {self.line}{rid}: {self.field}: {self.reason}"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "line": self.line,
            "id": self.record_id,
            "field": self.field,
            "reason": self.reason,
        }
        if self.template is not None:
            out["template"] = self.template
            out["params"] = self.params
        return out


def record_error(
    line: int, record_id: str | None, field_name: str, template: str, **params: Any
) -> RecordError:
    """A RecordError whose reason is `template` (marked with gettext_noop) filled in."""
    params = _masked(params)
    return RecordError(line, record_id, field_name, template.format(**params), template, params)


class InvalidRecord(Exception):
    def __init__(self, field_name: str, template: str, **params: Any) -> None:
        params = _masked(params)
        reason = template.format(**params)
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason
        self.template = template
        self.params = params


def _masked(params: dict[str, Any]) -> dict[str, Any]:
    """A reason may quote the bad value (`got '13812345678'`); errors are shown to importers,
    stored with import jobs and written to error files, in any language: masked."""
    return {k: mask_value(v) for k, v in params.items()}


def _shown_as_is(text: str, limit: int = 120) -> bool:
    return len(text) <= limit and text.isprintable()


def _show(value: Any, limit: int = 60) -> str:
    """A value quoted for an error message, cut short (it may be megabytes)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type(value: Any) -> str:
    return type(value).__name__


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
    # the names of the customer's tags as stored (kefu.customers): what service-level
    # policies match on; not part of the format (never parsed, never written)
    tags: tuple[str, ...] = ()


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


# --- time order ----------------------------------------------------------------------


class Timed(Protocol):
    """A message as far as its place in time goes (MessageRecord, the QA's MessageView)."""

    at: datetime
    start_s: float | None


T = TypeVar("T", bound=Timed)


def time_key(channel: str, created_at: datetime) -> Callable[[Timed], Any]:
    """The key that puts a conversation's messages in time order. The contract defines
    "first", "next" and "after" by message time, whatever order a file lists them in:
    `at`; phone segments by `start_s` (their `at` is the call start + `start_s`)."""
    if channel != "phone":
        return _at
    return lambda m: m.start_s if m.start_s is not None else (m.at - created_at).total_seconds()


def _at(message: Timed) -> datetime:
    return message.at


def in_time_order(messages: list[T], channel: str, created_at: datetime) -> list[T]:
    """`messages` in time order (time_key), stably: equal times keep their order. The list
    itself when it is in order already (the common case costs one comparison a message)."""
    key = time_key(channel, created_at)
    keys = map(key, messages)
    previous = next(keys, None)
    for current in keys:
        if current < previous:
            return sorted(messages, key=key)
        previous = current
    return messages


# --- field readers -------------------------------------------------------------------


def _text(value: str, path: str, limit: int | None = None) -> str:
    """A string that a database can store, at most `limit` characters long."""
    if limit is not None and len(value) > limit:
        raise InvalidRecord(
            path, _("is {length} characters long, at most {limit} are allowed"),
            length=len(value), limit=limit,
        )  # fmt: skip
    if _UNSTORABLE.search(value):
        raise InvalidRecord(
            path, _("contains a NUL byte or bytes that are not text in the file's encoding")
        )
    return value


def _string(
    obj: dict[str, Any], key: str, path: str, *, required: bool = False, limit: int | None = None
) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise InvalidRecord(path, _("is required"))
        return None
    if not isinstance(value, str):
        raise InvalidRecord(path, _("must be a string, got {type}"), type=_type(value))
    if required and not value.strip():
        raise InvalidRecord(path, _("must not be empty"))
    return _text(value, path, limit)


def _optional(value: str | None) -> str | None:
    """An optional text field: empty is the same as absent (it is stored, and exported,
    as absent; an empty value would not survive the round trip)."""
    return value or None


def _is_id(value: Any, limits: Limits) -> bool:
    """The common case of _id_value in one expression (~20 ids per conversation)."""
    return (
        value.__class__ is str
        and len(value) <= limits.id_length
        and value.isprintable()
        and bool(value)
        and not value.isspace()
    )


def _id_value(value: Any, path: str, limits: Limits, *, required: bool = True) -> str | None:
    """An id: a non-empty printable string (any characters URLs can carry, `/` and
    Chinese included) of at most `limits.id_length` characters."""
    if _is_id(value, limits):
        return value
    if value is None:
        if required:
            raise InvalidRecord(path, _("is required"))
        return None
    if not isinstance(value, str):
        raise InvalidRecord(path, _("must be a string, got {type}"), type=_type(value))
    if not value.strip():
        raise InvalidRecord(path, _("must not be empty"))
    if len(value) > limits.id_length:
        raise InvalidRecord(
            path, _("is {length} characters long, at most {limit} are allowed"),
            length=len(value), limit=limits.id_length,
        )  # fmt: skip
    if not value.isprintable():
        raise InvalidRecord(path, _("must not contain control or invisible characters"))
    return value


def _id(obj: dict[str, Any], key: str, path: str, limits: Limits, *, required: bool = False):
    return _id_value(obj.get(key), path, limits, required=required)


def _timestamp(
    value: Any, path: str, tz: tzinfo, limits: Limits, *, required: bool = False
) -> datetime | None:
    if value is None:
        if required:
            raise InvalidRecord(path, _("is required"))
        return None
    if not isinstance(value, str):
        raise InvalidRecord(
            path, _("must be an ISO 8601 timestamp string, got {type}"), type=_type(value)
        )
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=tz)
        # Normalised to UTC so that equal instants compare and hash equal whatever the offset.
        # (0001-01-01 in a zone east of UTC falls before year 1: OverflowError.)
        parsed = parsed.astimezone(UTC)
    except ValueError:
        raise InvalidRecord(
            path, _("is not an ISO 8601 timestamp: {value}"), value=_show(value)
        ) from None
    except OverflowError:
        parsed = None
    if parsed is not None and limits.earliest <= parsed <= limits.latest:  # type: ignore[operator]
        return parsed
    return _in_window(parsed, path, limits, value)  # raises


def _in_window(at: datetime | None, path: str, limits: Limits, shown: Any) -> datetime:
    """`at` must lie between limits.earliest and limits.latest (None: out of any range)."""
    if at is None or not limits.earliest <= at <= limits.latest:  # type: ignore[operator]
        raise InvalidRecord(
            path, _("{value} is outside the accepted period {earliest} … {latest}"),
            value=_show(shown), earliest=limits.earliest.date().isoformat(),
            latest=limits.latest.date().isoformat(),  # type: ignore[union-attr]
        )  # fmt: skip
    return at


def _number(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidRecord(path, _("must be a number, got {type}"), type=_type(value))
    try:
        number = float(value)
    except OverflowError:  # an integer beyond any float
        number = math.inf
    if not math.isfinite(number) or abs(number) >= 1e12:
        raise InvalidRecord(path, _("must be a number of sensible size, got {value}"),
                            value=_show(value))  # fmt: skip
    return number


def _integer_in(value: Any, path: str, low: int, high: int) -> int | None:
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value != int(value)
    ):
        raise InvalidRecord(
            path, _("must be an integer from {low} to {high}, got {value}"),
            low=low, high=high, value=_show(value),
        )  # fmt: skip
    if not low <= value <= high:
        raise InvalidRecord(
            path, _("must be from {low} to {high}, got {value}"),
            low=low, high=high, value=_show(value),
        )  # fmt: skip
    return int(value)


def _choice(value: Any, path: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidRecord(
            path, _("must be one of {choices}, got {value}"),
            choices=", ".join(choices), value=_show(value),
        )  # fmt: skip
    return value


def _object(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidRecord(path, _("must be an object, got {type}"), type=_type(value))
    return value


def _list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRecord(path, _("must be a list, got {type}"), type=_type(value))
    return value


def _check_extra(value: Any, path: str, limits: Limits, depth: int) -> None:
    """Extra data is stored as JSON: bounded nesting, storable strings (keys too)."""
    if depth > limits.extra_depth:
        raise InvalidRecord(
            path, _("is nested more than {limit} levels deep"), limit=limits.extra_depth
        )
    if isinstance(value, str):
        _text(value, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _text(key, path)
            _check_extra(item, f"{path}.{key}", limits, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_extra(item, f"{path}[{i}]", limits, depth + 1)


def _extra(obj: dict[str, Any], known: frozenset[str], path: str, limits: Limits) -> dict:
    if obj.keys() <= known:
        return {}
    extra = {k: v for k, v in obj.items() if k not in known}
    prefix = f"{path}." if path else ""
    for key, value in extra.items():
        _text(key, f"{prefix}{key}")
        _check_extra(value, f"{prefix}{key}", limits, 1)
    return extra


# --- records -------------------------------------------------------------------------


def parse_agent(obj: dict[str, Any], line: int = 0, limits: Limits | None = None) -> AgentRecord:
    limits = limits or Limits()
    agent_id = _id(obj, "id", "id", limits, required=True)
    name = _string(obj, "name", "name", required=True, limit=MAX_LENGTHS["agent.name"])
    tier = obj.get("tier")
    if tier is not None:
        _choice(tier, "tier", TIERS)
    hired_on = obj.get("hired_on")
    if hired_on is not None:
        if not isinstance(hired_on, str):
            raise InvalidRecord("hired_on", _("must be a date string YYYY-MM-DD"))
        try:
            hired_on = date.fromisoformat(hired_on)
        except ValueError:
            raise InvalidRecord(
                "hired_on", _("is not a date YYYY-MM-DD: {value}"), value=_show(hired_on)
            ) from None
        if not EARLIEST_HIRE_DATE <= hired_on <= limits.latest.date():  # type: ignore[union-attr]
            raise InvalidRecord(
                "hired_on", _("{value} is outside the accepted period {earliest} … {latest}"),
                value=hired_on.isoformat(), earliest=EARLIEST_HIRE_DATE.isoformat(),
                latest=limits.latest.date().isoformat(),  # type: ignore[union-attr]
            )  # fmt: skip
    return AgentRecord(
        id=agent_id,  # type: ignore[arg-type]
        name=name,  # type: ignore[arg-type]
        team=_string(obj, "team", "team", limit=MAX_LENGTHS["agent.team"]),
        tier=tier,
        hired_on=hired_on,
        supervisor=_id(obj, "supervisor", "supervisor", limits),
        extra=_extra(obj, AGENT_KEYS, "", limits),
        line=line,
    )


def _parse_customer(value: Any, limits: Limits) -> CustomerRecord:
    obj = _object(value, "customer")
    return CustomerRecord(
        id=_id(obj, "id", "customer.id", limits, required=True),  # type: ignore[arg-type]
        name=_optional(_string(obj, "name", "customer.name", limit=MAX_LENGTHS["customer.name"])),
        phone=_optional(
            _string(obj, "phone", "customer.phone", limit=MAX_LENGTHS["customer.phone"])
        ),
        email=_optional(
            _string(obj, "email", "customer.email", limit=MAX_LENGTHS["customer.email"])
        ),
        segment=_optional(
            _string(obj, "segment", "customer.segment", limit=MAX_LENGTHS["customer.segment"])
        ),
        extra=_extra(obj, CUSTOMER_KEYS, "customer", limits),
    )


def _parse_messages(
    raw: list[Any], channel: str, created_at: datetime, tz: tzinfo, limits: Limits
) -> list[MessageRecord]:
    if len(raw) > limits.messages:
        raise InvalidRecord(
            "messages", _("has {count} messages, at most {limit} are allowed"),
            count=len(raw), limit=limits.messages,
        )  # fmt: skip
    messages: list[MessageRecord] = []
    id_length = limits.id_length
    text_length = limits.text_length
    try:
        earliest = created_at - MESSAGE_CLOCK_TOLERANCE
    except OverflowError:  # created in year 1: only wider limits than the default allow it
        earliest = created_at
    is_phone = channel == "phone"
    seen_ids: set[str] = set()
    for index, item in enumerate(raw):
        path = f"messages[{index}]"
        if not isinstance(item, dict):
            raise InvalidRecord(path, _("must be an object, got {type}"), type=_type(item))
        role = item.get("role")
        if role not in ROLES:
            if role is None:
                raise InvalidRecord(f"{path}.role", _("is required"))
            _choice(role, f"{path}.role", ROLES)
        text = item.get("text", "")
        if not isinstance(text, str):
            raise InvalidRecord(f"{path}.text", _("must be a string, got {type}"), type=_type(text))
        if len(text) > text_length or _UNSTORABLE.search(text):
            _text(text, f"{path}.text", text_length)  # raises
        message_id = item.get("id")
        if message_id is None:
            message_id = f"m{index + 1}"
        elif not (
            message_id.__class__ is str
            and len(message_id) <= id_length
            and message_id.isprintable()
            and message_id
            and not message_id.isspace()
        ):  # _is_id inlined: this loop runs for every message
            _id_value(message_id, f"{path}.id", limits)  # raises
        if message_id in seen_ids:
            raise InvalidRecord(
                f"{path}.id", _("duplicate message id {value}"), value=_show(message_id)
            )
        seen_ids.add(message_id)
        start_s = _number(item.get("start_s"), f"{path}.start_s")
        end_s = _number(item.get("end_s"), f"{path}.end_s")
        at = _timestamp(item.get("at"), f"{path}.at", tz, limits)
        if is_phone:
            if start_s is None and at is not None:
                start_s = (at - created_at).total_seconds()
            if start_s is None:
                raise InvalidRecord(f"{path}.start_s", _("is required for phone segments"))
            if start_s < 0:
                raise InvalidRecord(
                    f"{path}.start_s", _("must be >= 0, got {value}"), value=start_s
                )
            if end_s is not None and end_s < start_s:
                raise InvalidRecord(
                    f"{path}.end_s", _("is before start_s ({end} < {start})"),
                    end=end_s, start=start_s,
                )  # fmt: skip
            if at is None:
                try:
                    at = created_at + timedelta(seconds=start_s)
                except OverflowError:
                    at = None
                at = _in_window(at, f"{path}.start_s", limits, start_s)
        elif at is None:
            raise InvalidRecord(f"{path}.at", _("is required"))
        if at < earliest:
            raise InvalidRecord(
                f"{path}.at",
                _("is {seconds} s before the conversation was created (created_at)"),
                seconds=f"{(created_at - at).total_seconds():.0f}",
            )
        agent = item.get("agent")
        if agent is not None and not (
            agent.__class__ is str
            and len(agent) <= id_length
            and agent.isprintable()
            and agent
            and not agent.isspace()
        ):
            _id_value(agent, f"{path}.agent", limits)  # raises
        messages.append(
            MessageRecord(
                id=message_id,
                role=role,
                at=at,
                text=text,
                agent=agent,
                start_s=start_s,
                end_s=end_s,
                extra=_extra(item, MESSAGE_KEYS, path, limits),
            )
        )
    return messages


def parse_conversation(
    obj: dict[str, Any], tz: tzinfo, line: int = 0, limits: Limits | None = None
) -> ConversationRecord:
    limits = limits or Limits()
    conversation_id = _id(obj, "id", "id", limits, required=True)
    channel = obj.get("channel")
    if channel is None:
        raise InvalidRecord("channel", _("is required"))
    _choice(channel, "channel", CHANNELS)
    if "customer" not in obj:
        raise InvalidRecord("customer", _("is required"))
    customer = _parse_customer(obj["customer"], limits)
    created_at = _timestamp(obj.get("created_at"), "created_at", tz, limits, required=True)
    assert created_at is not None  # required=True raised otherwise
    if "messages" not in obj:
        raise InvalidRecord("messages", _("is required (may be an empty list)"))
    messages = _parse_messages(
        _list(obj["messages"], "messages"),
        channel,
        created_at,
        tz,
        limits,
    )
    # Stored, scored and exported in time order (the file's order only breaks ties), so
    # `seq`, the content hash and every "first" or "next" follow the clock.
    messages = in_time_order(messages, channel, created_at)

    resolved_at = _timestamp(obj.get("resolved_at"), "resolved_at", tz, limits)
    closed_at = _timestamp(obj.get("closed_at"), "closed_at", tz, limits)
    if resolved_at is not None and resolved_at < created_at:  # type: ignore[operator]
        raise InvalidRecord("resolved_at", _("is before created_at"))
    if closed_at is not None and closed_at < created_at:  # type: ignore[operator]
        raise InvalidRecord("closed_at", _("is before created_at"))
    status = obj.get("status")
    if status is None:
        status = "closed" if closed_at else "resolved" if resolved_at else "open"
    else:
        _choice(status, "status", STATUSES)
        if status == "open" and resolved_at is not None:
            status = "resolved"  # the contract: a conversation with resolved_at is resolved

    category = _list(obj.get("category"), "category")
    if len(category) > 3:
        raise InvalidRecord(
            "category", _("has {count} levels, at most 3 are allowed"), count=len(category)
        )
    for i, level in enumerate(category):
        if not isinstance(level, str):
            raise InvalidRecord(f"category[{i}]", _("must be a string"))
        _text(level, f"category[{i}]", MAX_LENGTHS[f"category[{i}]"])
    # Empty levels at the end mean none; one before a named level has no place to go.
    while category and category[-1] == "":
        category = category[:-1]
    if "" in category:
        raise InvalidRecord(
            f"category[{category.index('')}]", _("must not be empty when a deeper level follows")
        )

    complaint = obj.get("complaint", False)
    if complaint is None:
        complaint = False
    if not isinstance(complaint, bool):
        raise InvalidRecord(
            "complaint", _("must be true or false, got {value}"), value=_show(complaint)
        )

    agent = _id(obj, "agent", "agent", limits)
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
                from_agent=_id(t, "from", f"transfers[{i}].from", limits),
                to_agent=_id(t, "to", f"transfers[{i}].to", limits),
                at=_timestamp(t.get("at"), f"transfers[{i}].at", tz, limits, required=True),  # type: ignore[arg-type]
            )
        )
    escalations = []
    for i, item in enumerate(_list(obj.get("escalations"), "escalations")):
        e = _object(item, f"escalations[{i}]")
        at = _timestamp(e.get("at"), f"escalations[{i}].at", tz, limits, required=True)
        esc_resolved = _timestamp(e.get("resolved_at"), f"escalations[{i}].resolved_at", tz, limits)
        if esc_resolved is not None and esc_resolved < at:  # type: ignore[operator]
            raise InvalidRecord(f"escalations[{i}].resolved_at", _("is before the escalation's at"))
        escalations.append(
            EscalationRecord(
                level=_choice(e.get("level"), f"escalations[{i}].level", ESCALATION_LEVELS),
                at=at,  # type: ignore[arg-type]
                resolved_at=esc_resolved,
            )
        )

    survey = None
    if obj.get("survey") is not None:
        s = _object(obj["survey"], "survey")
        survey = SurveyRecord(
            csat=_integer_in(s.get("csat"), "survey.csat", 1, 5),
            nps=_integer_in(s.get("nps"), "survey.nps", 0, 10),
            at=_timestamp(s.get("at"), "survey.at", tz, limits),
            comment=_optional(_string(s, "comment", "survey.comment", limit=limits.text_length)),
            extra=_extra(s, SURVEY_KEYS, "survey", limits),
        )
    order = None
    if obj.get("order") is not None:
        o = _object(obj["order"], "order")
        converted = o.get("converted")
        if not isinstance(converted, bool):
            raise InvalidRecord("order.converted", _("is required and must be true or false"))
        amount = _number(o.get("amount"), "order.amount")
        if amount is not None and amount < 0:
            raise InvalidRecord("order.amount", _("must be >= 0, got {value}"), value=amount)
        order = OrderRecord(
            converted=converted,
            amount=amount,
            currency=_optional(
                _string(o, "currency", "order.currency", limit=MAX_LENGTHS["order.currency"])
            ),
            extra=_extra(o, ORDER_KEYS, "order", limits),
        )

    return ConversationRecord(
        id=conversation_id,  # type: ignore[arg-type]
        channel=channel,
        customer=customer,
        created_at=created_at,  # type: ignore[arg-type]
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
        extra=_extra(obj, CONVERSATION_KEYS, "", limits),
        line=line,
    )


def parse_object(
    obj: Any, tz: tzinfo, line: int = 0, limits: Limits | None = None
) -> Record | RecordError:
    """Validate one decoded JSON value; never raises for bad input."""
    limits = limits or Limits()
    record_id = obj.get("id") if isinstance(obj, dict) else None
    # Errors name the record by its id only when that id could be shown and stored.
    if not (
        isinstance(record_id, str)
        and len(record_id) <= limits.id_length
        and record_id.isprintable()
    ):
        record_id = None
    try:
        if not isinstance(obj, dict):
            raise InvalidRecord("record", _("must be a JSON object, got {type}"), type=_type(obj))
        kind = obj.get("type")
        if kind == "conversation":
            return parse_conversation(obj, tz, line, limits)
        if kind == "agent":
            return parse_agent(obj, line, limits)
        if kind is None:
            raise InvalidRecord("type", _("is required (agent or conversation)"))
        raise InvalidRecord(
            "type", _("must be agent or conversation, got {value}"), value=_show(kind)
        )
    except InvalidRecord as exc:
        return RecordError(line, record_id, exc.field, exc.reason, exc.template, exc.params)
    except RecursionError:
        return record_error(line, record_id, "record", _("is nested too deeply"))


def oversize_error(line: int, size: int, limits: Limits) -> RecordError:
    return record_error(
        line, None, "record", _("is {size} bytes long, at most {limit} are allowed"),
        size=size, limit=limits.record_bytes,
    )  # fmt: skip


def record_size(obj: Any) -> int | None:
    """Bytes of `obj` as JSON (None: not encodable, e.g. nested too deeply); the API
    measures each record with it against Limits.record_bytes."""
    try:
        return len(orjson.dumps(obj))
    except (orjson.JSONEncodeError, TypeError):
        return None


def parse_line(
    raw: str | bytes, line: int, tz: tzinfo, limits: Limits | None = None
) -> Record | RecordError | None:
    """Parse one line of a JSONL file; blank lines give None. A line longer than
    limits.record_bytes is rejected before it is decoded."""
    limits = limits or Limits()
    if len(raw) > limits.record_bytes:
        return oversize_error(line, len(raw), limits)
    if not raw.strip():
        return None
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return record_error(line, None, "json", _("invalid JSON: {error}"), error=str(exc))
    return parse_object(obj, tz, line, limits)


def iter_lines(handle: IO[bytes], limit: int, block: int = 1 << 16) -> Iterator[bytes | int]:
    """The lines of a binary file; a line longer than `limit` bytes comes as its length
    (an int) and is never held in memory whole."""
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while not raw.endswith(b"\n"):
            raw = handle.readline(block)
            if not raw:
                break
            size += len(raw)
        yield size


def iter_jsonl(
    lines: Iterable[str | bytes | int],
    tz: tzinfo,
    limits: Limits | None = None,
    encoding: str = "utf-8",
) -> Iterator[Record | RecordError]:
    """Records of JSONL lines; an int stands for a line of that many bytes that was too
    long to read (iter_lines). Byte lines in another `encoding` than UTF-8 (gb18030) are
    decoded here; a BOM before the first line is dropped."""
    limits = limits or Limits()
    transcode = codecs.lookup(encoding).name not in ("utf-8", "utf-8-sig")
    for number, raw in enumerate(lines, start=1):
        if isinstance(raw, int):
            yield oversize_error(number, raw, limits)
            continue
        if isinstance(raw, bytes):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if transcode:
                # A line that is UTF-8 is read as UTF-8 (GB18030 Chinese almost never is):
                # a UTF-8 record in a file judged GB18030 is not garbled into a rejection.
                with contextlib.suppress(UnicodeDecodeError):
                    raw = raw.decode("utf-8")
                try:
                    raw = raw if isinstance(raw, str) else raw.decode(encoding)
                except UnicodeDecodeError:
                    yield record_error(
                        number, None, "json", _("is not valid {encoding} text"),
                        encoding=encoding.upper(),
                    )  # fmt: skip
                    continue
        elif number == 1:
            raw = raw.removeprefix("\ufeff")
        parsed = parse_line(raw, number, tz, limits)
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
