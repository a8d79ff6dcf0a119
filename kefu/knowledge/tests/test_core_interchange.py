"""The article file formats (pure): Markdown with front matter and JSONL round-trip any
valid record; problems name the field; section headings inside a text are escaped."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.knowledge.core import interchange as core

REFUND = {
    "key": "refund-time",
    "type": "sop",
    "title": "退款多久到账",
    "scene": "售后",
    "problem": "退款到账慢",
    "tags": ["退款", "到账"],
    "owner": "quinn",
    "state": "published",
    "body": "# 说明\n\n退款**原路**退回。\n\n## 原因\n这一行是正文里的标题，不是原因一节。",
    "issue": "钱还没到账",
    "environment": "",
    "cause": "银行处理需要时间",
    "resolution": "1-3个工作日到账",
    "steps": "1. 查询退款状态\n   - 如果 已退款 → 2\n2. 告知到账时间",
    "snippet": "您的退款已原路退回。",
}


def test_a_record_round_trips_through_markdown_and_jsonl():
    record, problems = core.check(REFUND)
    assert problems == [] and record is not None
    markdown = core.render_markdown(record)
    assert "\\## 原因" in markdown and "tags: [退款, 到账]" in markdown
    assert core.parse_markdown("refund-time.md", markdown).record == record
    (line,) = core.parse_jsonl("all.jsonl", core.render_jsonl([record]))
    assert line.record == record and line.source == "all.jsonl:1"


def test_english_section_headings_are_read_too():
    text = "---\nkey: a\ntitle: 标题\n---\n正文\n\n## Resolution\n重启\n\n## Snippet\n好的"
    record = core.parse_markdown("a.md", text).record
    assert record is not None
    assert (record["body"], record["resolution"], record["snippet"]) == ("正文", "重启", "好的")


def test_problems_name_the_field():
    parsed = core.parse_markdown(
        "bad.md",
        "---\nkey: 坏 key\ntitle: ''\ntype: video\nstate: gone\ncolour: red\n---\n",
    )
    assert parsed.record is None and parsed.key == "坏 key"
    found = {(p.field, p.code) for p in parsed.problems}
    assert found == {
        ("colour", "unknown_field"), ("key", "bad_key"), ("title", "required"),
        ("type", "bad_type"), ("state", "bad_state"),
    }  # fmt: skip


def test_steps_are_checked_and_an_sop_needs_them():
    bad, problems = core.check({**REFUND, "steps": "1. 查询\n   - 如果 已退款 → 9"})
    assert bad is None and [(p.field, p.code) for p in problems] == [("steps", "bad_steps")]
    assert problems[0].value == ((1, "missing_step", 9),)
    _, problems = core.check({**REFUND, "steps": ""})
    assert [(p.field, p.code) for p in problems] == [("steps", "sop_steps")]
    _, problems = core.check({"key": "x", "title": "t"})
    assert [(p.field, p.code) for p in problems] == [("body", "no_answer")]


def test_unreadable_files_and_lines_are_reported_not_raised():
    assert core.parse_markdown("a.md", "no front matter").problems[0].code == "no_front_matter"
    assert core.parse_markdown("a.md", "---\nkey: [\n---\n").problems[0].code == "bad_yaml"
    assert core.parse_markdown("a.md", "---\n- 1\n---\n").problems[0].code == "not_object"
    lines = list(
        core.parse_jsonl("x.jsonl", '{"key": "a", "title": "t", "body": "b"}\n\nnope\n[1]\n')
    )
    assert [p.source for p in lines] == ["x.jsonl:1", "x.jsonl:3", "x.jsonl:4"]
    assert lines[0].record is not None
    assert [p.problems[0].code for p in lines[1:]] == ["bad_json", "not_object"]


def test_a_section_twice_is_a_problem():
    text = "---\nkey: a\ntitle: t\n---\n## 原因\nx\n## 原因\ny\n## 解决方法\nz\n"
    assert [p.code for p in core.parse_markdown("a.md", text).problems] == ["duplicate_section"]


# --- any valid record round-trips ---------------------------------------------------------------
_chars = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))
_line = st.text(_chars, max_size=30).map(str.strip)
_heading = st.sampled_from(["## 原因", "\\## 步骤", "## Cause", "\\\\## 环境", "---", "# 标题"])
_text = st.lists(st.one_of(_line, _heading), max_size=6).map(lambda ls: "\n".join(ls).strip())
_word = st.text(st.characters(categories=("L", "N")), min_size=1, max_size=8)


@st.composite
def records(draw) -> dict:
    n = draw(st.integers(0, 4))
    steps = [
        {
            "n": i,
            # a step is one line; a branch's condition does not start with 如果/若/if
            "text": draw(_word),
            "branches": [
                {"if": "条件" + draw(_word), "goto": g}
                for g in draw(st.lists(st.integers(1, n), max_size=2))
                if g != i
            ],
        }
        for i in range(1, n + 1)
    ]
    kind = draw(st.sampled_from(core.KINDS))
    raw = {
        "key": draw(st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True)),
        "type": "sop" if steps else kind if kind != "sop" else "faq",
        "title": draw(_word),
        "scene": draw(_line),
        "problem": draw(_line),
        "tags": draw(st.lists(_word, max_size=4, unique=True)),
        "owner": draw(st.sampled_from(["", "quinn"])),
        "state": draw(st.sampled_from(core.STATES)),
        "body": draw(_text),
        "issue": draw(_text),
        "environment": draw(_text),
        "cause": draw(_text),
        "resolution": draw(_text),
        "steps": steps,
        "snippet": draw(_text) or "好的",
    }
    record, problems = core.check(raw)
    assert problems == [], problems
    return record


@settings(max_examples=150, deadline=None)
@given(records())
def test_any_valid_record_round_trips(record):
    assert core.parse_markdown("x.md", core.render_markdown(record)).record == record
    line = core.render_jsonl([record])
    assert json.loads(line)["key"] == record["key"]
    assert [p.record for p in core.parse_jsonl("x.jsonl", line)] == [record]


def test_yaml_aliases_and_nul_characters_are_refused():
    aliased = core.parse_markdown("a.md", "---\nkey: a\ntitle: &x t\nscene: *x\n---\nbody")
    assert [p.code for p in aliased.problems] == ["bad_yaml"]
    nul = core.parse_markdown("a.md", '---\nkey: a\ntitle: t\nscene: "a\\0b"\n---\nbody')
    assert [(p.field, p.code) for p in nul.problems] == [("scene", "nul")]
    (line,) = core.parse_jsonl("x.jsonl", '{"key": "a", "title": "t", "tags": ["\\u0000"]}')
    assert [(p.field, p.code) for p in line.problems] == [("tags", "nul")]
