"""Limits of a record (issue 14 items 4, 5 and 7): timestamps outside the window, ids that
are too long or hold control characters, NUL bytes, oversized texts, records and message
lists are rejected one by one with the field and the reason; the neighbours are kept."""

from __future__ import annotations

import io
import zoneinfo
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.core.management import call_command
from django.test import Client

from conftest import native_conversation
from kefu.interactions.core.native import (
    MAX_LENGTHS,
    Limits,
    RecordError,
    iter_jsonl,
    iter_lines,
    parse_line,
    parse_object,
)
from kefu.interactions.models import Conversation

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
LIMITS = Limits(latest=datetime(2025, 1, 1, tzinfo=UTC))


def error_of(record: dict, limits: Limits = LIMITS) -> RecordError:
    result = parse_object(record, SHANGHAI, 7, limits)
    assert isinstance(result, RecordError), result
    assert result.line == 7
    return result


def at(value: str) -> dict:
    """A conversation whose creation and messages are all at `value`."""
    record = native_conversation(id="C-T", created_at=value, resolved_at=None)
    for message in record["messages"]:
        message["at"] = value
    return record


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01T00:00:00",  # naive: in Asia/Shanghai it is before year 1 in UTC
        "0001-01-01T00:00:00+00:00",
        "9999-12-31T23:59:59",
        "9999-12-31T23:59:59-12:00",  # after year 9999 in UTC
        "1970-01-01T08:00:00+08:00",
        "1999-12-31T23:59:59+00:00",
        "2025-01-01T00:00:01+00:00",
    ],
)
def test_it_rejects_timestamps_outside_the_window(value):
    error = error_of(at(value))
    assert (error.record_id, error.field) == ("C-T", "created_at")
    assert "outside the accepted period 2000-01-01 … 2025-01-01" in error.reason


def test_it_rejects_a_message_far_after_its_conversation():
    record = native_conversation(id="C-LATE", created=datetime(2024, 5, 1, tzinfo=SHANGHAI))
    record["messages"][1]["at"] = "9999-12-31T23:59:59"
    assert error_of(record).field == "messages[1].at"
    record["messages"][1]["at"] = "1970-01-01T00:00:00Z"
    assert error_of(record).field == "messages[1].at"


@pytest.mark.parametrize(
    "where", ["resolved_at", "closed_at", "survey.at", "transfers", "escalations"]
)
def test_it_rejects_every_other_timestamp_outside_the_window(where):
    record = native_conversation(id="C-X")
    far = "9999-01-01T00:00:00+08:00"
    if where == "survey.at":
        record["survey"]["at"] = far
    elif where == "transfers":
        record["transfers"] = [{"from": "A0007", "to": "A0001", "at": far}]
    elif where == "escalations":
        record["escalations"] = [{"level": "expert", "at": far}]
    else:
        record[where] = far
    assert "outside the accepted period" in error_of(record).reason


def test_it_rejects_a_phone_segment_whose_start_overflows():
    record = native_conversation(id="C-P", channel="phone")
    record["messages"] = [{"role": "customer", "start_s": 1e11, "text": "喂"}]
    assert error_of(record).field == "messages[0].start_s"
    record["messages"] = [{"role": "customer", "start_s": 1e300, "text": "喂"}]
    assert error_of(record).field == "messages[0].start_s"


def test_it_rejects_a_hire_date_of_year_one():
    error = error_of({"type": "agent", "id": "A9", "name": "x", "hired_on": "0001-01-01"})
    assert error.field == "hired_on"


@pytest.mark.parametrize(
    ("record", "field"),
    [
        (native_conversation(id="C" * 65), "id"),
        (native_conversation(id="C\x00"), "id"),
        (native_conversation(id="C\n1"), "id"),
        (native_conversation(id="C\u200b1"), "id"),  # zero-width space: invisible
        (native_conversation(id="   "), "id"),
        (native_conversation(id=7), "id"),
        (native_conversation(customer={"id": "U" * 65}), "customer.id"),
        (native_conversation(customer={"id": "U\x00"}), "customer.id"),
        (native_conversation(agent="A" * 65), "agent"),
        (native_conversation(agent="A\x07"), "agent"),
        ({"type": "agent", "id": "A" * 65, "name": "x"}, "id"),
        ({"type": "agent", "id": "A1", "name": "x", "supervisor": "S\x00"}, "supervisor"),
    ],
)
def test_it_rejects_ids_that_are_too_long_or_not_printable(record, field):
    assert error_of(record).field == field


def test_it_rejects_message_ids_that_are_too_long_or_hold_control_characters():
    record = native_conversation(id="C-M")
    record["messages"][0]["id"] = "m" * 65
    assert error_of(record).field == "messages[0].id"
    record["messages"][0]["id"] = "m\x00"
    assert error_of(record).field == "messages[0].id"


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("messages", 0, "text"), "你好\x00"),
        (("customer", "name"), "王\x00芳"),
        (("survey", "comment"), "\x00"),
        (("category", 1), "退\x00款"),
        (("crm",), {"note": ["ok", "bad\x00"]}),
        (("crm",), {"bad\x00key": 1}),
        (("messages", 0, "text"), "lone \ud800 surrogate"),
    ],
)
def test_it_rejects_nul_bytes_anywhere_in_a_record(path, value):
    """PostgreSQL stores no NUL in text or JSON: rejected with the record, not the batch."""
    record = native_conversation(id="C-NUL")
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    error = error_of(record)
    assert error.record_id == "C-NUL"
    assert "NUL" in error.reason
    assert error.field.startswith(str(path[0]))


def test_it_rejects_texts_and_message_lists_over_the_limits():
    small = Limits(latest=LIMITS.latest, text_length=10, messages=3)
    record = native_conversation(id="C-BIG")
    record["messages"][0]["text"] = "长" * 11
    error = error_of(record, small)
    assert (error.field, error.reason) == (
        "messages[0].text",
        "is 11 characters long, at most 10 are allowed",
    )
    record["messages"][0]["text"] = "长" * 10
    record["messages"] = record["messages"] * 2
    for i, m in enumerate(record["messages"]):
        m["id"] = f"m{i}"
    assert error_of(record, small).field == "messages"


@pytest.mark.parametrize("key", list(MAX_LENGTHS))
def test_it_rejects_values_longer_than_their_column(key):
    record = native_conversation(id="C-LONG", order={"converted": True})
    value = "x" * (MAX_LENGTHS[key] + 1)
    if key.startswith("agent."):
        record = {"type": "agent", "id": "A1", "name": "n", key.split(".")[1]: value}
    elif key.startswith("category"):
        record["category"][int(key[9])] = value
    else:
        section, name = key.split(".")
        record[section][name] = value
    # An agent record's fields are top-level: `name`, `team`.
    assert error_of(record).field == key.removeprefix("agent.")


def test_the_column_lengths_are_the_models():
    from kefu.accounts.models import Agent, Team
    from kefu.interactions.models import Conversation, Customer, Message

    lengths = {
        "agent.name": Agent._meta.get_field("name").max_length,
        "agent.team": Team._meta.get_field("name").max_length,
        "customer.name": Customer._meta.get_field("name").max_length,
        "customer.phone": Customer._meta.get_field("phone").max_length,
        "customer.email": Customer._meta.get_field("email").max_length,
        "customer.segment": Customer._meta.get_field("segment").max_length,
        "category[0]": Conversation._meta.get_field("category1").max_length,
        "category[1]": Conversation._meta.get_field("category2").max_length,
        "category[2]": Conversation._meta.get_field("category3").max_length,
        "order.currency": Conversation._meta.get_field("order_currency").max_length,
    }
    assert lengths == MAX_LENGTHS
    for field in (
        Conversation._meta.get_field("external_id"),
        Customer._meta.get_field("external_id"),
        Agent._meta.get_field("external_id"),
        Message._meta.get_field("external_id"),
    ):
        assert field.max_length == Limits().id_length


def test_it_rejects_extra_data_nested_too_deeply():
    nested: object = 1
    for _ in range(40):
        nested = {"a": nested}
    assert error_of(native_conversation(id="C-DEEP", crm=nested)).reason.startswith(
        "is nested more than 32 levels"
    )


@pytest.mark.parametrize("number", [float("inf"), 1e300, 10**400])
def test_it_rejects_numbers_no_column_holds(number):
    record = native_conversation(id="C-N", order={"converted": True, "amount": number})
    assert error_of(record).field == "order.amount"


def test_a_line_over_the_record_limit_is_rejected_before_it_is_decoded():
    small = Limits(latest=LIMITS.latest, record_bytes=1000)
    line = b'{"type": "conversation", "id": "C-HUGE", "x": "' + b"x" * 5000 + b'"}'
    error = parse_line(line, 3, SHANGHAI, small)
    assert isinstance(error, RecordError)
    assert (error.line, error.field) == (3, "record")
    assert error.reason == f"is {len(line)} bytes long, at most 1000 are allowed"
    # Streamed from a file, such a line is never held whole (it comes as its length).
    good = orjson.dumps(native_conversation(id="C-OK", created_at="2024-05-02T10:00:00+08:00"))
    handle = io.BytesIO(line + b"\n" + good + b"\n")
    items = list(iter_jsonl(iter_lines(handle, 1000, block=64), SHANGHAI, small))
    assert isinstance(items[0], RecordError) and items[0].line == 1
    assert items[1].id == "C-OK"


# --- through the shells: CLI and API -------------------------------------------------


@pytest.mark.django_db
def test_the_cli_import_keeps_the_good_records_next_to_year_one(tmp_path, personas):
    lines = [
        native_conversation(id="C-GOOD-1"),
        at("0001-01-01T00:00:00"),
        native_conversation(id="C-GOOD-2"),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    err = io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import", str(path), "--language", "en", stdout=io.StringIO(), stderr=err)
    assert exit_.value.code == 1
    assert "line 2 record C-T: created_at: '0001-01-01T00:00:00' is outside" in err.getvalue()
    assert set(Conversation.objects.values_list("external_id", flat=True)) >= {
        "C-GOOD-1",
        "C-GOOD-2",
    }


@pytest.mark.django_db
def test_the_api_keeps_the_batch_next_to_year_one_and_9999(personas):
    client = Client()
    client.force_login(personas.mia)
    client.cookies["django_language"] = "en"
    batch = [
        native_conversation(id="C-API-GOOD"),
        at("0001-01-01T00:00:00"),
        dict(at("9999-12-31T23:59:59"), id="C-9999"),
        native_conversation(id="C-NUL-TEXT", messages=[
            {"role": "customer", "at": "2024-05-02T10:15:03+08:00", "text": "a\x00b"}
        ]),
    ]  # fmt: skip
    response = client.post(
        "/api/v1/conversations",
        orjson.dumps(batch),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["created"], body["rejected"]) == (1, 3)
    assert [(e["index"], e["id"], e["field"]) for e in body["errors"]] == [
        (1, "C-T", "created_at"),
        (2, "C-9999", "created_at"),
        (3, "C-NUL-TEXT", "messages[0].text"),
    ]
    assert Conversation.objects.filter(external_id="C-API-GOOD").exists()


@pytest.mark.django_db
def test_the_api_rejects_a_record_over_the_size_limit(personas, settings):
    settings.KEFU_IMPORT_MAX_RECORD_BYTES = 5000
    client = Client()
    client.force_login(personas.mia)
    client.cookies["django_language"] = "en"
    big = native_conversation(id="C-API-BIG", crm={"note": "x" * 6000})
    response = client.post(
        "/api/v1/conversations",
        orjson.dumps([big, native_conversation(id="C-API-SMALL")]),
        content_type="application/json",
    )
    body = response.json()
    assert body["created"] == 1
    assert body["errors"][0]["field"] == "record"
    assert "at most 5000 are allowed" in body["errors"][0]["reason"]


def test_the_default_window_ends_a_day_from_now():
    limits = Limits()
    assert abs(limits.latest - (datetime.now(UTC) + timedelta(days=1))) < timedelta(minutes=1)


def test_an_error_never_carries_a_nul_or_a_huge_id_or_field():
    """Errors are stored as JSON (PostgreSQL refuses NUL there) and shown on pages."""
    error = error_of(native_conversation(id="C-K", **{"x\x00y": 1}))
    assert (error.record_id, error.field) == ("C-K", "'x\\x00y'")
    error = RecordError(3, "a\x00b", "k" * 10_000, "is bad")
    assert error.record_id is None
    assert len(error.field) == 120 and "\x00" not in str(error.as_dict())
