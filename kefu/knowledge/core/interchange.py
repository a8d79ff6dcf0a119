"""Articles as files: Markdown with YAML front matter (one article a file) and JSONL (one
article a line). Pure: records in, text out and back; the app (kefu/knowledge/interchange.py)
reads uploads, names the problems in the user's language and writes through the actions.

A record is the article's current text (its head version) and its metadata::

    {"key", "type", "title", "scene", "problem", "tags", "owner", "state",
     "body", "issue", "environment", "cause", "resolution", "steps", "snippet"}

`steps` is the SOP's data form (kefu/knowledge/core/sop.py). Markdown::

    ---
    key: refund-time
    type: faq
    title: 退款多久到账
    tags: [退款, 到账]
    state: published
    ---
    The body (Markdown), up to the first section heading.

    ## 客户问题
    …
    ## 步骤
    1. 核实订单状态
       - 如果 订单未支付 → 2
    2. …

Sections (each optional, in any order): 客户问题 / Problem (issue), 环境 / Environment,
原因 / Cause, 解决方法 / Resolution, 步骤 / Steps, 回复话术 / Snippet. A text line that
would read as a section heading is written with a backslash before it (`\\## 原因`) and
read back without it, so any text round-trips.

Problems are (field, code, value); the codes are named in PROBLEMS.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kefu.knowledge.core import sop

KINDS = ("faq", "article", "sop")
STATES = ("draft", "review", "published", "archived")
META = ("key", "type", "title", "scene", "problem", "tags", "owner", "state")
TEXTS = ("body", "issue", "environment", "cause", "resolution", "snippet")
FIELDS = (*META, *TEXTS[:5], "steps", "snippet")
# Markdown sections: field → heading written; headings read (lower case)
SECTIONS = {
    "issue": "客户问题",
    "environment": "环境",
    "cause": "原因",
    "resolution": "解决方法",
    "steps": "步骤",
    "snippet": "回复话术",
}
ALIASES = {
    **{label.lower(): name for name, label in SECTIONS.items()},
    "problem": "issue",
    "environment": "environment",
    "cause": "cause",
    "resolution": "resolution",
    "steps": "steps",
    "snippet": "snippet",
}
LIMITS = {"key": 80, "title": 200, "scene": 100, "problem": 100, "owner": 150}
MAX_TEXT = 100_000
MAX_TAGS = 20
MAX_TAG = 30
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
_HEADING = re.compile(r"^(\\*)##[ \t]+(.+?)[ \t]*$")
_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)

PROBLEMS = {
    "not_utf8": "the file is not UTF-8 text",
    "no_front_matter": "the file does not start with front matter between --- lines",
    "bad_yaml": "the front matter is not valid YAML: {value}",
    "not_object": "a record is an object (a mapping of fields)",
    "bad_json": "the line is not valid JSON: {value}",
    "unknown_field": "unknown field",
    "required": "is required",
    "not_text": "must be text",
    "nul": "must not contain NUL characters",
    "too_long": "is longer than {value} characters",
    "bad_key": "letters, digits, - and _ only (at most 80)",
    "bad_type": "must be one of faq, article, sop (not {value})",
    "bad_state": "must be one of draft, review, published, archived (not {value})",
    "bad_tags": "must be a list of tags (or text separated by commas)",
    "sop_steps": "an SOP needs at least one step",
    "no_answer": "write the answer: a body, a resolution, a snippet or steps",
    "bad_steps": "the steps are not valid: {value}",
    "duplicate_section": "the section appears twice",
    "duplicate_key": "the key appears twice in the import",
}


@dataclass(frozen=True)
class Problem:
    field: str
    code: str
    value: object = None

    def english(self) -> str:
        return PROBLEMS[self.code].format(value=self.value)


@dataclass
class Parsed:
    """One record read from a file: where it came from (a file name, `file:line`), its key
    when known, the record if it is valid, else its problems."""

    source: str
    key: str | None = None
    record: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)


# --- checking ----------------------------------------------------------------------------------
def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


def split_tags(value: Any) -> list[str] | None:
    """Tags from a list or comma-separated text (as the editor); None if neither."""
    if value is None:
        return []
    if isinstance(value, str):
        value = re.split(r"[,，、;；\s]+", value)
    if not isinstance(value, list):
        return None
    out: dict[str, None] = {}
    for tag in value:
        if not isinstance(tag, str | int | float) or isinstance(tag, bool):
            return None
        tag = str(tag).strip()[:MAX_TAG]
        if tag:
            out[tag] = None
    return list(out)[:MAX_TAGS]


def check(raw: Mapping[str, Any]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The record with every field present and cleaned (texts stripped, tags a list, steps
    the checked data form), or None and every problem found."""
    problems: list[Problem] = [Problem(str(k), "unknown_field") for k in raw if k not in FIELDS]
    nul = [name for name in FIELDS if _has_nul(raw.get(name))]
    if nul:
        return None, problems + [Problem(name, "nul") for name in nul]
    out: dict[str, Any] = {}
    for name in ("key", "type", "title", "scene", "problem", "owner", "state", *TEXTS):
        value = raw.get(name)
        if value is None:
            value = ""
        if isinstance(value, int | float) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            problems.append(Problem(name, "not_text"))
            continue
        value = value.strip()
        limit = LIMITS.get(name, MAX_TEXT)
        if len(value) > limit:
            problems.append(Problem(name, "too_long", limit))
            continue
        out[name] = value
    if "key" in out and not _KEY.match(out["key"]):
        problems.append(Problem("key", "required" if not out["key"] else "bad_key"))
    if "title" in out and not out["title"]:
        problems.append(Problem("title", "required"))
    out["type"] = out.get("type") or "faq"
    if out["type"] not in KINDS:
        problems.append(Problem("type", "bad_type", out["type"]))
    out["state"] = out.get("state") or "draft"
    if out["state"] not in STATES:
        problems.append(Problem("state", "bad_state", out["state"]))
    tags = split_tags(raw.get("tags"))
    if tags is None:
        problems.append(Problem("tags", "bad_tags"))
    out["tags"] = tags or []
    steps = raw.get("steps")
    try:
        parsed = sop.parse_text(steps) if isinstance(steps, str) else sop.check(steps or [])
    except sop.StepError as exc:
        problems.append(Problem("steps", "bad_steps", tuple(exc.errors)))
        parsed = []
    out["steps"] = [s.as_data() for s in parsed]
    if out["type"] == "sop" and not out["steps"] and not any(p.field == "steps" for p in problems):
        problems.append(Problem("steps", "sop_steps"))
    if not any(out.get(n) for n in ("body", "resolution", "snippet", "steps")) and not problems:
        problems.append(Problem("body", "no_answer"))
    if problems:
        return None, problems
    return {name: out[name] for name in FIELDS}, []


# --- Markdown ----------------------------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """Safe YAML without aliases (`*a`): a few lines of aliases can stand for billions of
    values."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases are not allowed", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


def _section_of(line: str) -> tuple[int, str] | None:
    """(number of escaping backslashes, field) if the line is a section heading, escaped
    or not."""
    match = _HEADING.match(line)
    if match is None:
        return None
    name = ALIASES.get(match.group(2).strip().lower())
    return (len(match.group(1)), name) if name else None


def _escape(text: str) -> str:
    return "\n".join(
        "\\" + line if _section_of(line) is not None else line for line in text.split("\n")
    )


def render_markdown(record: Mapping[str, Any]) -> str:
    """The record as a Markdown file (empty fields and sections left out)."""
    meta = {name: record[name] for name in META if record.get(name)}
    front = yaml.safe_dump(
        meta, allow_unicode=True, sort_keys=False, width=1000, default_flow_style=None
    )
    parts = [f"---\n{front}---\n"]
    if record.get("body"):
        parts.append(_escape(record["body"]) + "\n")
    for name, label in SECTIONS.items():
        value = record.get(name)
        if name == "steps":
            value = sop.to_text(sop.check(value)) if value else ""
        if value:
            parts.append(f"## {label}\n\n{_escape(value)}\n")
    return "\n".join(parts)


def parse_markdown(source: str, text: str) -> Parsed:
    """One Markdown file: front matter (YAML) then body and sections."""
    match = _FRONT.match(text)
    if match is None:
        return Parsed(source, problems=[Problem("", "no_front_matter")])
    try:
        meta = yaml.load(match.group(1), Loader=_Loader) or {}
    except (yaml.YAMLError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 2}" if mark is not None else "?"
        return Parsed(source, problems=[Problem("", "bad_yaml", where)])
    if not isinstance(meta, dict):
        return Parsed(source, problems=[Problem("", "not_object")])
    raw: dict[str, Any] = {str(k): v for k, v in meta.items()}
    problems = [Problem(k, "unknown_field") for k in raw if k not in META]
    sections: dict[str, list[str]] = {"body": []}
    current = "body"
    for line in text[match.end() :].replace("\r\n", "\n").split("\n"):
        heading = _section_of(line)
        if heading is not None and heading[0] == 0:
            current = heading[1]
            if current in sections:
                problems.append(Problem(current, "duplicate_section"))
            sections[current] = []
            continue
        if heading is not None:
            line = line[1:]  # an escaped heading: one backslash less
        sections[current].append(line)
    for name, lines in sections.items():
        raw[name] = "\n".join(lines).strip()
    key = raw.get("key")
    key = str(key) if isinstance(key, str | int) and not isinstance(key, bool) else None
    record, more = check(raw)
    problems = problems + more
    return Parsed(source, key, None if problems else record, problems)


# --- JSONL -------------------------------------------------------------------------------------
def render_jsonl(records: list[Mapping[str, Any]]) -> str:
    return "".join(
        json.dumps({n: r[n] for n in FIELDS}, ensure_ascii=False) + "\n" for r in records
    )


def parse_jsonl(source: str, text: str) -> Iterator[Parsed]:
    """Each non-blank line of a JSONL file (`source:line`)."""
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            raw = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield Parsed(where, problems=[Problem("", "bad_json", str(exc)[:200])])
            continue
        if not isinstance(raw, dict):
            yield Parsed(where, problems=[Problem("", "not_object")])
            continue
        key = raw.get("key")
        record, problems = check(raw)
        yield Parsed(where, key if isinstance(key, str) else None, record, problems)


def file_name(key: str) -> str:
    return f"{key}.md"
