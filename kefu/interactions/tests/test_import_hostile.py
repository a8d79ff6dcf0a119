"""Random and hostile records thrown at the importer, mixed with valid ones (issue 14):
no exception escapes, every valid record is stored and exports equal to what was sent,
and every rejected line is named with its line, id (when it had a usable one), field
and reason."""

from __future__ import annotations

import itertools
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kefu.accounts.models import Agent
from kefu.interactions.core.native import ROLES, Limits, conversation_to_native, parse_object
from kefu.interactions.exporter import iter_native
from kefu.interactions.importer import configured_tz, import_file
from kefu.interactions.models import Conversation

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
TEXT_LIMIT = 200
RECORD_LIMIT = 4_000
_serial = itertools.count(1)

# --- valid records ----------------------------------------------------------------------

# Printable characters, Chinese, and everything that troubles a URL.
id_chars = st.characters(
    blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs")
) | st.sampled_from(list("/?#%. 订单"))
free_text = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)
json_scalar = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | free_text
)
extra_value = st.recursive(
    json_scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(free_text, inner, max_size=3),
    max_leaves=8,
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 2), max_value=datetime(2025, 12, 31)
).flatmap(
    lambda naive: st.sampled_from(
        [naive.isoformat(), naive.replace(tzinfo=UTC).isoformat(),
         naive.replace(tzinfo=SHANGHAI).isoformat(),
         naive.replace(tzinfo=zoneinfo.ZoneInfo("America/New_York")).isoformat()]
    )
)  # fmt: skip


@st.composite
def valid_conversation(draw) -> dict:
    n = next(_serial)
    created = draw(instants)
    start = datetime.fromisoformat(created)
    messages = []
    for i in range(draw(st.integers(0, 4))):
        at = start + timedelta(seconds=draw(st.integers(0, 100_000)))
        messages.append(
            {
                "id": f"m{i}",
                "role": draw(st.sampled_from(ROLES)),
                "at": at.isoformat(),
                "text": draw(free_text),
                **({"x_meta": draw(extra_value)} if draw(st.booleans()) else {}),
            }
        )
    record = {
        "type": "conversation",
        "id": f"V{n}-" + draw(st.text(id_chars, max_size=12)),
        "channel": draw(st.sampled_from(["chat", "email", "app"])),
        "customer": {"id": f"U{n}/" + draw(st.text(id_chars, max_size=8)),
                     "name": draw(free_text)},
        "agent": draw(st.sampled_from(["A0007", "A/甲", "A 1", None])),
        "created_at": created,
        "messages": messages,
        "category": draw(st.lists(st.text(id_chars, min_size=1, max_size=10), max_size=3)),
    }  # fmt: skip
    if draw(st.booleans()):
        record["x_crm"] = draw(extra_value)
    if draw(st.booleans()):
        record["survey"] = {"csat": draw(st.integers(1, 5)), "comment": draw(free_text)}
    return {k: v for k, v in record.items() if v is not None}


# --- hostile records: each one certainly invalid ---------------------------------------------


@dataclass
class Hostile:
    line: bytes
    record_id: str | None  # the id the error must name (None: none usable)
    field: str | None  # the field (prefix) the error must name, when known


def usable_id(value) -> str | None:
    ok = isinstance(value, str) and len(value) <= 64 and value.isprintable()
    return value if ok else None


def nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = {"k": value}
    return value


bad_times = st.sampled_from(
    ["0001-01-01T00:00:00", "0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59",
     "9999-12-31T23:59:59-12:00", "1970-01-01T00:00:00Z", "1999-12-31T00:00:00+00:00",
     "2999-01-01T00:00:00+08:00", "yesterday", "", "2024-13-01T00:00:00", 20240501, None,
     [], {}]
) | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(1998, 1, 1)).map(
    datetime.isoformat
) | st.datetimes(min_value=datetime(2100, 1, 1)).map(datetime.isoformat)  # fmt: skip
bad_ids = st.sampled_from(
    ["a\x00b", "a\nb", "bell\x07", "zero\u200bwidth", "", "   ", 7, 1.5, True, [], {"id": 1}]
) | st.integers(65, 300).map(lambda n: "L" * n)  # fmt: skip
wrong_types = st.sampled_from(
    [("channel", 5), ("messages", "x"), ("customer", "x"), ("survey", "x"), ("complaint", "yes"),
     ("category", "x"), ("transfers", 5), ("status", 5), ("escalations", "x"), ("order", "x"),
     ("channel", "fax"), ("type", "robot")]
)  # fmt: skip


@st.composite
def hostile(draw) -> Hostile:
    base = draw(valid_conversation())
    kind = draw(
        st.sampled_from(
            ["time", "message_time", "id", "customer_id", "agent_id", "nul", "wrong_type",
             "deep_extra", "deep_json", "bytes", "long_text", "huge_line", "not_object",
             "no_type"]
        )
    )  # fmt: skip
    rid = base["id"]
    if kind == "time":
        base["created_at"] = draw(bad_times)
        field = "created_at"
    elif kind == "message_time":
        base["messages"] = [{"role": "customer", "text": "hi", "at": draw(bad_times)}]
        field = "messages[0].at"
    elif kind == "id":
        base["id"] = rid = draw(bad_ids)
        field = "id"
    elif kind == "customer_id":
        base["customer"]["id"] = draw(bad_ids)
        field = "customer.id"
    elif kind == "agent_id":
        base["agent"] = draw(bad_ids.filter(lambda v: v is not None))
        field = "agent"
    elif kind == "nul":
        where = draw(st.sampled_from(["text", "name", "extra", "key"]))
        if where == "text":
            base["messages"] = [{"role": "agent", "at": base["created_at"], "text": "a\x00"}]
        elif where == "name":
            base["customer"]["name"] = "王\x00芳"
        elif where == "extra":
            base["x_crm"] = {"note": ["ok", "\x00"]}
        else:
            base["x_crm"] = {"k\x00": 1}
        field = None
    elif kind == "wrong_type":
        key, value = draw(wrong_types)
        base[key] = value
        field = key
    elif kind == "deep_extra":
        base["x_crm"] = nested(draw(st.integers(33, 200)))
        field = "x_crm"
    elif kind == "deep_json":
        depth = draw(st.integers(1100, 1900))  # over orjson's nesting limit, under the size limit
        return Hostile(b"[" * depth + b"]" * depth, None, "json")
    elif kind == "bytes":
        # Not UTF-8 (nor GB18030): decoding fails for this line alone.
        return Hostile(b'{"type": "conversation", "id": "E", "x": "\xff\x80\xfe"}', None, "json")
    elif kind == "long_text":
        base["messages"] = [
            {"role": "customer", "at": base["created_at"], "text": "长" * (TEXT_LIMIT + 1)}
        ]
        field = "messages[0].text"
    elif kind == "huge_line":
        base["x_pad"] = "x" * RECORD_LIMIT
        return Hostile(orjson.dumps(base), None, "record")
    elif kind == "not_object":
        value = draw(st.sampled_from([[1, 2], "text", 5, None, True]))
        return Hostile(orjson.dumps(value), None, "record")
    else:
        del base["type"]
        field = "type"
    return Hostile(orjson.dumps(base), usable_id(rid), field)


def same_numbers(value):
    """PostgreSQL's JSONB keeps numbers as decimals: 6.9e16 comes back as the integer
    69438265282789380. Compared as floats, the values are the same."""
    if isinstance(value, dict):
        return {k: same_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [same_numbers(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


# --- the test ---------------------------------------------------------------------------


@pytest.fixture
def small_limits(settings):
    settings.KEFU_IMPORT_MAX_TEXT_CHARS = TEXT_LIMIT
    settings.KEFU_IMPORT_MAX_RECORD_BYTES = RECORD_LIMIT


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip
@given(
    valid=st.lists(valid_conversation(), min_size=1, max_size=4),
    bad=st.lists(hostile(), min_size=1, max_size=6),
    order=st.randoms(use_true_random=False),
    bom=st.booleans(),
    blank_lines=st.integers(0, 2),
)
def test_it_keeps_every_valid_record_and_names_every_rejected_one(
    tmp_path_factory, small_limits, valid, bad, order, bom, blank_lines
):
    items: list[dict | Hostile] = [*valid, *bad, *([b""] * blank_lines)]
    order.shuffle(items)
    lines = [item.line if isinstance(item, Hostile) else item if isinstance(item, bytes)
             else orjson.dumps(item) for item in items]  # fmt: skip
    body = b"\n".join(lines) + b"\n"
    path = tmp_path_factory.mktemp("hostile") / "mixed.jsonl"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)

    report = import_file(path, batch_size=3)  # nothing may escape

    errors = {e.line: e for e in report.errors}
    assert report.rejected == len(bad) == len(errors)
    tz = configured_tz()
    limits = Limits()
    for number, item in enumerate(items, start=1):
        if isinstance(item, Hostile):
            error = errors[number]
            assert error.record_id == item.record_id, (item, error)
            if item.field is not None:
                assert error.field.startswith(item.field), (item, error)
            assert error.field and error.reason
        elif isinstance(item, dict):
            assert number not in errors, errors.get(number)
            conversation = Conversation.objects.filter(external_id=item["id"])
            assert conversation.exists()
            [exported] = iter_native(conversation, None, tz, masked=False)
            expected = conversation_to_native(parse_object(item, tz, number, limits), tz)
            assert same_numbers(exported) == same_numbers(expected)
            if "agent" in item:
                assert Agent.objects.filter(external_id=item["agent"]).exists()
