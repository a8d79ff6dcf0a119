"""The native format contract: every kind of bad record is rejected with line, id, field."""

import zoneinfo
from datetime import datetime, timedelta

import orjson
import pytest

from conftest import native_conversation
from kefu.interactions.core.native import (
    ConversationRecord,
    RecordError,
    content_hash,
    conversation_to_native,
    parse_line,
    parse_object,
)

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def parse(obj, line=7):
    return parse_line(orjson.dumps(obj), line, TZ)


def test_it_parses_the_contract_example():
    record = parse(native_conversation(id="C2024-000123"))
    assert isinstance(record, ConversationRecord)
    assert record.messages[1].agent == "A0007"
    assert record.survey.csat == 5


def _break(path, value):
    """A valid record with the value at `path` (dot/index path) replaced or deleted."""
    record = native_conversation(id="C-BAD")
    target = record
    keys = path.split(".")
    for key in keys[:-1]:
        target = target[int(key)] if key.isdigit() else target[key]
    last = keys[-1]
    if value is KeyError:
        del target[last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value
    return record


@pytest.mark.parametrize(
    ("path", "value", "field", "reason"),
    [
        ("id", KeyError, "id", "is required"),
        ("id", 123, "id", "must be a string"),
        ("channel", "fax", "channel", "must be one of"),
        ("channel", KeyError, "channel", "is required"),
        ("customer", KeyError, "customer", "is required"),
        ("customer.id", KeyError, "customer.id", "is required"),
        ("customer", "U1", "customer", "must be an object"),
        ("created_at", KeyError, "created_at", "is required"),
        ("created_at", "yesterday", "created_at", "not an ISO 8601"),
        ("messages", KeyError, "messages", "is required"),
        ("messages", "hi", "messages", "must be a list"),
        ("messages.0.role", "robot", "messages[0].role", "must be one of"),
        ("messages.0.at", KeyError, "messages[0].at", "is required"),
        ("messages.0.at", "2024-05-02T10:00:00+08:00", "messages[0].at", "before the conversation"),
        ("messages.1.text", 5, "messages[1].text", "must be a string"),
        ("messages.1.id", "m1", "messages[1].id", "duplicate"),
        ("survey.csat", 7, "survey.csat", "from 1 to 5"),
        ("survey.csat", 0, "survey.csat", "from 1 to 5"),
        ("survey.csat", "5", "survey.csat", "integer"),
        ("survey.nps", 11, "survey.nps", "from 0 to 10"),
        ("status", "pending", "status", "must be one of"),
        ("complaint", "yes", "complaint", "true or false"),
        ("category", ["a", "b", "c", "d"], "category", "at most 3"),
        ("resolved_at", "2024-05-01T00:00:00+08:00", "resolved_at", "before created_at"),
        ("order", {"amount": 5}, "order.converted", "is required"),
        ("escalations", [{"level": "ceo", "at": "2024-05-02T10:20:00+08:00"}],
         "escalations[0].level", "must be one of"),
        ("transfers", [{"from": "A1", "to": "A2"}], "transfers[0].at", "is required"),
    ],
)  # fmt: skip
def test_it_rejects_bad_records_naming_line_id_and_field(path, value, field, reason):
    error = parse(_break(path, value), line=7)
    assert isinstance(error, RecordError)
    assert error.line == 7
    assert error.field == field
    assert reason in error.reason
    if field != "id":
        assert error.record_id == "C-BAD"
    assert "line 7" in str(error)


def test_it_rejects_invalid_json_and_non_objects():
    assert parse_line(b"{not json", 3, TZ).field == "json"
    assert parse_line(b"[1, 2]", 4, TZ).field == "record"
    assert parse_line(b'{"id": "X"}', 5, TZ).field == "type"
    assert parse_line(b'{"type": "ticket", "id": "X"}', 5, TZ).reason.startswith("must be")
    assert parse_line(b"   \n", 6, TZ) is None


def test_it_allows_a_message_clock_up_to_a_minute_early():
    record = native_conversation()
    record["messages"][0]["at"] = "2024-05-02T10:14:10+08:00"  # 53 s before created_at
    assert isinstance(parse(record), ConversationRecord)


def test_it_reads_naive_timestamps_in_the_configured_time_zone():
    record = native_conversation(created_at="2024-05-02T10:15:03")
    record["messages"][0]["at"] = "2024-05-02T10:15:03"
    parsed = parse(record)
    assert parsed.created_at == datetime(2024, 5, 2, 10, 15, 3, tzinfo=TZ)


def test_it_keeps_unknown_keys_as_extra_data():
    record = native_conversation(source_system="旺旺", priority=2)
    record["customer"]["vip_level"] = 3
    record["messages"][0]["sentiment"] = -0.8
    parsed = parse(record)
    assert parsed.extra == {"source_system": "旺旺", "priority": 2}
    assert parsed.customer.extra == {"vip_level": 3}
    native = conversation_to_native(parsed, TZ)
    assert native["source_system"] == "旺旺"
    assert native["messages"][0]["sentiment"] == -0.8


def test_it_derives_owner_status_and_phone_times():
    record = native_conversation(channel="phone", status=None)
    del record["agent"]
    del record["status"]
    record["messages"] = [
        {
            "id": "s1",
            "role": "agent",
            "agent": "A0009",
            "start_s": 0.0,
            "end_s": 3.5,
            "text": "您好",
        },
        {"id": "s2", "role": "customer", "start_s": 3.6, "end_s": 9.0, "text": "我要退款"},
    ]
    parsed = parse(record)
    assert parsed.agent == "A0009"
    assert parsed.status == "resolved"
    assert (parsed.messages[1].at - parsed.created_at).total_seconds() == 3.6


def test_phone_segments_need_a_start():
    record = native_conversation(channel="phone")
    record["messages"] = [{"id": "s1", "role": "agent", "text": "您好"}]
    assert parse(record).field == "messages[0].start_s"


def test_agent_records_are_validated():
    assert (
        parse_object({"type": "agent", "id": "A1", "name": "李娜", "tier": "boss"}, TZ).field
        == "tier"
    )
    assert parse_object({"type": "agent", "id": "A1"}, TZ).field == "name"
    ok = parse_object({"type": "agent", "id": "A1", "name": "李娜", "hired_on": "2022-03-14"}, TZ)
    assert ok.hired_on.year == 2022


# --- message order -------------------------------------------------------------------------
CREATED = datetime(2024, 5, 2, 10, 15, 3, tzinfo=TZ)


def message(mid: str, role: str, seconds: float, text: str = "好") -> dict:
    out = {"id": mid, "role": role, "at": (CREATED + timedelta(seconds=seconds)).isoformat()}
    return {**out, "text": text, **({"agent": "A0007"} if role == "agent" else {})}


def test_it_puts_messages_in_time_order():
    # given the agent's reply (20 s after) listed before the customer's message
    record = parse(
        native_conversation(messages=[message("m2", "agent", 20), message("m1", "customer", 0)])
    )
    # then the record, stored, scored and exported, has them in time order
    assert [m.id for m in record.messages] == ["m1", "m2"]
    assert [m["id"] for m in conversation_to_native(record, TZ)["messages"]] == ["m1", "m2"]


def test_messages_of_equal_time_keep_the_file_order():
    listed = [message("c2", "customer", 5), message("a1", "agent", 0), message("c1", "customer", 0)]
    assert [m.id for m in parse(native_conversation(messages=listed)).messages] == [
        "a1", "c1", "c2"
    ]  # fmt: skip


def test_phone_segments_are_ordered_by_their_start():
    listed = [
        {"id": "s2", "role": "customer", "start_s": 4.5, "end_s": 9.0, "text": "我要退款"},
        {"id": "s1", "role": "agent", "agent": "A0007", "start_s": 0.0, "end_s": 4.2, "text": "您好"},
    ]  # fmt: skip
    assert [m.id for m in parse(native_conversation(channel="phone", messages=listed)).messages] == [
        "s1", "s2"
    ]  # fmt: skip


def test_the_content_hash_is_that_of_the_time_order():
    # the same conversation listed in two orders is the same content (import: "unchanged")
    unsorted = native_conversation(
        messages=[message("m2", "agent", 20), message("m1", "customer", 0)]
    )
    first = parse(unsorted)
    again = parse({**unsorted, "messages": unsorted["messages"][::-1]})
    assert content_hash(first) == content_hash(again)
