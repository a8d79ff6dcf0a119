"""The difference between two versions of an article, line by line (difflib), with the
changed characters marked inside a changed line (Chinese has no spaces to diff words)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Pieces = list[tuple[str, bool]]  # (text, changed)


@dataclass(frozen=True)
class Row:
    tag: str  # "equal" | "delete" | "insert" | "replace"
    old: Pieces
    new: Pieces


def as_lines(fields: Mapping[str, str], labels: Mapping[str, str]) -> list[str]:
    """A version as lines: each non-empty field under its label."""
    lines: list[str] = []
    for name, label in labels.items():
        value = (fields.get(name) or "").strip()
        if value:
            lines.append(f"【{label}】")
            lines.extend(value.splitlines())
    return lines


def _chars(old: str, new: str) -> tuple[Pieces, Pieces]:
    a: Pieces = []
    b: Pieces = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            a.append((old[i1:i2], tag != "equal"))
        if j2 > j1:
            b.append((new[j1:j2], tag != "equal"))
    return a, b


def diff(old: Sequence[str], new: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, list(old), list(new), autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows.extend(Row("equal", [(line, False)], [(line, False)]) for line in old[i1:i2])
        elif tag == "delete":
            rows.extend(Row("delete", [(line, True)], []) for line in old[i1:i2])
        elif tag == "insert":
            rows.extend(Row("insert", [], [(line, True)]) for line in new[j1:j2])
        else:
            pairs = max(i2 - i1, j2 - j1)
            for k in range(pairs):
                a = old[i1 + k] if i1 + k < i2 else None
                b = new[j1 + k] if j1 + k < j2 else None
                if a is not None and b is not None:
                    rows.append(Row("replace", *_chars(a, b)))
                elif a is not None:
                    rows.append(Row("delete", [(a, True)], []))
                elif b is not None:
                    rows.append(Row("insert", [], [(b, True)]))
    return rows


def changed(rows: Sequence[Row]) -> int:
    """How many rows differ."""
    return sum(1 for r in rows if r.tag != "equal")
