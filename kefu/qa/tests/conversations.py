"""Hand-made conversations for QA tests: a clean one, and short ways to write variants."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, timedelta
from typing import Any

from kefu.interactions.core.native import ConversationRecord, parse_object

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 5, 2, 10, 0, 0, tzinfo=TZ)
ROLES = {"c": "customer", "a": "agent", "b": "bot", "s": "system"}

# (role, text, seconds after T0) — for phone also (start_s, end_s).
CLEAN = [
    ("c", "你好，想问一下退款的进度", 0),
    ("a", "您好，请问您是想查询哪个订单的退款呢？我帮您查一下。", 10),
    ("c", "订单号是 20240501", 20),
    ("a", "好的，已经为您核实，退款今天会到账。还有其他可以帮您的吗？", 40),
    ("c", "好的谢谢", 50),
    ("a", "不客气，感谢您的耐心，祝您生活愉快！", 55),
]


def native(messages: list[tuple] = CLEAN, **header: Any) -> dict[str, Any]:
    """A native conversation record; message ids are m1, m2, … in order."""
    channel = header.pop("channel", "chat")
    items = []
    for n, spec in enumerate(messages, start=1):
        role, text, seconds, *segment = spec
        item: dict[str, Any] = {
            "id": f"m{n}",
            "role": ROLES[role],
            "at": (T0 + timedelta(seconds=seconds)).isoformat(),
            "text": text,
        }
        if role == "a":
            item["agent"] = "A0007"
        if segment:
            item["start_s"], item["end_s"] = segment
        items.append(item)
    last = max((s[2] for s in messages), default=0)
    record: dict[str, Any] = {
        "type": "conversation",
        "id": header.pop("id", "C-QA-1"),
        "channel": channel,
        "customer": {"id": "U1"},
        "agent": "A0007",
        "created_at": T0.isoformat(),
        "resolved_at": (T0 + timedelta(seconds=last + 60)).isoformat(),
        "status": "resolved",
        "messages": items,
        "survey": {"csat": 5, "nps": 10},
    }
    record.update(header)
    return {k: v for k, v in record.items() if v is not None}


def conversation(messages: list[tuple] = CLEAN, **header: Any) -> ConversationRecord:
    record = parse_object(native(messages, **header), TZ)
    assert isinstance(record, ConversationRecord), record
    return record


def replace(messages: list[tuple], index: int, text: str) -> list[tuple]:
    """The messages with message `index` (0-based) saying `text` instead."""
    out = list(messages)
    out[index] = (out[index][0], text, *out[index][2:])
    return out
