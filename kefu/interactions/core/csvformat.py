"""CSV formats (docs/data-formats.md) turned into native objects for core.native.

- Agents CSV: one row per agent, columns id,name,team,tier,hired_on,supervisor.
- Conversations CSV: one row per message; the rows of a conversation are consecutive
  and conversation-level columns are read from its first row. A row with an empty
  `role` adds no message (a conversation without messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from kefu.interactions.core.native import gettext_noop, record_error

AGENT_COLUMNS = ("id", "name", "team", "tier", "hired_on", "supervisor")
CONVERSATION_COLUMNS = (
    "conversation_id", "channel", "customer_id", "customer_name", "customer_phone",
    "customer_email", "customer_segment", "agent", "created_at", "resolved_at", "closed_at",
    "status", "category", "complaint", "csat", "nps", "survey_at", "survey_comment",
    "order_converted", "order_amount", "order_currency",
    "message_id", "role", "message_agent", "at", "text", "start_s", "end_s",
)  # fmt: skip
REQUIRED_CONVERSATION_COLUMNS = ("conversation_id", "channel", "customer_id", "created_at")

_INT = re.compile(r"^-?\d+$")
_FLOAT = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
TRUE = {"true", "1", "yes", "y", "是", "t"}
FALSE = {"false", "0", "no", "n", "否", "f"}


def _value(raw: str | None) -> str | None:
    if raw is None:
        return None
    raw = raw.strip()
    return raw or None


def _number(raw: str | None) -> Any:
    value = _value(raw)
    if value is None:
        return None
    if _INT.match(value):
        return int(value)
    if _FLOAT.match(value):
        return float(value)
    return value  # left as text: validation names the field


def _boolean(raw: str | None) -> Any:
    value = _value(raw)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    return value


def _header(rows: Iterator[list[str]]) -> list[str] | None:
    for row in rows:
        if any(cell.strip() for cell in row):
            return [cell.strip().lstrip("\ufeff") for cell in row]
    return None


def iter_csv_agents(reader: Iterable[list[str]]) -> Iterator[tuple[int, Any]]:
    rows = iter(reader)
    header = _header(rows)
    if header is None:
        return
    missing = [c for c in ("id", "name") if c not in header]
    if missing:
        yield (
            1,
            record_error(
                1,
                None,
                "header",
                gettext_noop("missing column(s): {columns}"),
                columns=", ".join(missing),
            ),
        )
        return
    line = 1
    for row in rows:
        line = getattr(reader, "line_num", line + 1)
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, row, strict=False))
        obj: dict[str, Any] = {"type": "agent"}
        for column in AGENT_COLUMNS:
            value = _value(cells.get(column))
            if value is not None:
                obj[column] = value
        for column, raw in cells.items():
            if column not in AGENT_COLUMNS and _value(raw) is not None:
                obj[column] = raw.strip()
        yield line, obj


def _conversation_from_first_row(cells: dict[str, str]) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "type": "conversation",
        "id": _value(cells.get("conversation_id")),
        "channel": _value(cells.get("channel")),
        "customer": {
            k: v
            for k, v in {
                "id": _value(cells.get("customer_id")),
                "name": _value(cells.get("customer_name")),
                "phone": _value(cells.get("customer_phone")),
                "email": _value(cells.get("customer_email")),
                "segment": _value(cells.get("customer_segment")),
            }.items()
            if v is not None
        },
        "messages": [],
    }
    for column in ("agent", "created_at", "resolved_at", "closed_at", "status"):
        value = _value(cells.get(column))
        if value is not None:
            obj[column] = value
    category = _value(cells.get("category"))
    if category:
        obj["category"] = [part.strip() for part in re.split(r"[/>]", category) if part.strip()]
    complaint = _boolean(cells.get("complaint"))
    if complaint is not None:
        obj["complaint"] = complaint
    survey = {
        k: v
        for k, v in {
            "csat": _number(cells.get("csat")),
            "nps": _number(cells.get("nps")),
            "at": _value(cells.get("survey_at")),
            "comment": _value(cells.get("survey_comment")),
        }.items()
        if v is not None
    }
    if survey:
        obj["survey"] = survey
    converted = _boolean(cells.get("order_converted"))
    if converted is not None:
        order = {"converted": converted}
        amount = _number(cells.get("order_amount"))
        if amount is not None:
            order["amount"] = amount
        currency = _value(cells.get("order_currency"))
        if currency:
            order["currency"] = currency
        obj["order"] = order
    return obj


def _message(cells: dict[str, str]) -> dict[str, Any] | None:
    role = _value(cells.get("role"))
    if role is None:
        return None
    message: dict[str, Any] = {"role": role, "text": cells.get("text") or ""}
    for column, key in (("message_id", "id"), ("message_agent", "agent"), ("at", "at")):
        value = _value(cells.get(column))
        if value is not None:
            message[key] = value
    for column in ("start_s", "end_s"):
        value = _number(cells.get(column))
        if value is not None:
            message[column] = value
    return message


def iter_csv_conversations(reader: Iterable[list[str]]) -> Iterator[tuple[int, Any]]:
    """Group consecutive rows by conversation_id into native objects."""
    rows = iter(reader)
    header = _header(rows)
    if header is None:
        return
    missing = [c for c in REQUIRED_CONVERSATION_COLUMNS if c not in header]
    if missing:
        yield (
            1,
            record_error(
                1,
                None,
                "header",
                gettext_noop("missing column(s): {columns}"),
                columns=", ".join(missing),
            ),
        )
        return
    current: dict[str, Any] | None = None
    current_line = 0
    finished: set[str] = set()
    line = 1
    for row in rows:
        line = getattr(reader, "line_num", line + 1)
        if not any(cell.strip() for cell in row):
            continue
        cells = dict(zip(header, row, strict=False))
        conversation_id = _value(cells.get("conversation_id"))
        if conversation_id is None:
            yield line, record_error(line, None, "conversation_id", gettext_noop("is required"))
            continue
        if current is None or current["id"] != conversation_id:
            if current is not None:
                finished.add(current["id"])
                yield current_line, current
            if conversation_id in finished:
                yield (
                    line,
                    record_error(
                        line,
                        conversation_id,
                        "conversation_id",
                        gettext_noop("rows of this conversation are not consecutive"),
                    ),
                )
                current = None
                continue
            current = _conversation_from_first_row(cells)
            current_line = line
        message = _message(cells)
        if message is not None:
            current["messages"].append(message)
    if current is not None:
        yield current_line, current
