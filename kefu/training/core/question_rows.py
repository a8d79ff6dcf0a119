"""Questions as spreadsheet rows: the import/export format of question banks (pure; no
Django). The columns are documented in docs/training-exams.md; Excel and CSV share them.

One row per question. The header row names the columns, in English keys or Chinese
(either, any order; other columns are ignored):

    id 题号 · type 题型 · area 知识领域 · difficulty 难度 · points 分值 · question 题目 ·
    A … H (choices) · answer 答案 · rubric 评分标准 · excerpt 对话片段 · active 启用

The id may be blank: the import then finds the question by its identity (`identity`)
or gives it the next free id (`plan_import`).

Parsing never raises on bad data: it returns the questions it could read and, for
everything else, errors naming the row (as numbered in the spreadsheet: the header is
row 1) and the column (by its key; the caller shows the header as written in the file)
with a code and parameters that the caller turns into a sentence in the user's language.
The import keeps the valid rows and reports the others.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from kefu.training.core.grading import (
    FILL,
    KINDS,
    MANUAL,
    MULTIPLE,
    SCENARIO,
    SINGLE,
    TRUE_FALSE,
)

LETTERS = "ABCDEFGH"
MAX_ID = 64
MAX_TEXT = 4000
MAX_CHOICE = 500
MAX_EXCERPT_LINES = 30
MAX_POINTS = Decimal(100)

COLUMNS = ("id", "type", "area", "difficulty", "points", "question", *LETTERS, "answer",
           "rubric", "excerpt", "active")  # fmt: skip
REQUIRED_COLUMNS = ("type", "question")
GENERATED_ID = "Q-{:04d}"  # a question without an id in the file gets the next free one
ZH_HEADERS = {
    "id": "题号", "type": "题型", "area": "知识领域", "difficulty": "难度", "points": "分值",
    "question": "题目", "answer": "答案", "rubric": "评分标准", "excerpt": "对话片段",
    "active": "启用",
}  # fmt: skip
_HEADER_ALIASES = {
    **{v: k for k, v in ZH_HEADERS.items()},
    **{f"选项{letter}": letter for letter in LETTERS},
    "external_id": "id", "question_id": "id", "kind": "type", "text": "question",
    "题目编号": "id", "类型": "type", "领域": "area", "分数": "points", "正确答案": "answer",
    "参考答案": "rubric", "评分要点": "rubric", "对话": "excerpt", "是否启用": "active",
}  # fmt: skip
ZH_KINDS = {
    SINGLE: "单选", MULTIPLE: "多选", TRUE_FALSE: "判断", FILL: "填空", "short": "简答",
    SCENARIO: "情景",
}  # fmt: skip
_KIND_ALIASES = {
    **{v: k for k, v in ZH_KINDS.items()},
    **{v + "题": k for k, v in ZH_KINDS.items()},
    "单项选择": SINGLE, "多项选择": MULTIPLE, "是非": TRUE_FALSE, "场景": SCENARIO,
    "场景题": SCENARIO, "truefalse": TRUE_FALSE, "true/false": TRUE_FALSE, "tf": TRUE_FALSE,
}  # fmt: skip
TRUE_WORDS = frozenset({"true", "t", "yes", "y", "1", "对", "正确", "是", "√", "✓", "✔"})
FALSE_WORDS = frozenset({"false", "f", "no", "n", "0", "错", "错误", "否", "×", "✗", "✘", "x"})
SPEAKERS = {
    "客户": "customer", "顾客": "customer", "用户": "customer", "customer": "customer",
    "客服": "agent", "坐席": "agent", "agent": "agent",
}  # fmt: skip
ZH_SPEAKERS = {"customer": "客户", "agent": "客服"}
_LETTER_SPLIT = re.compile(r"[\s,，、;；/]+")
_SPEAKER_LINE = re.compile(r"^\s*([^:：]{1,12})\s*[:：]\s*(.*)$")


@dataclass
class ParsedQuestion:
    external_id: str
    kind: str
    area: str | None  # area code
    difficulty: int
    points: Decimal
    text: str
    choices: list[str] = field(default_factory=list)
    answer: list[Any] = field(default_factory=list)
    rubric: str = ""
    excerpt: list[dict[str, str]] = field(default_factory=list)
    active: bool = True


@dataclass(frozen=True, slots=True)
class FieldError:
    column: str  # a key of COLUMNS
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as numbered in the spreadsheet (the header is row 1)
    column: str  # a key of COLUMNS ("" for the whole row)
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


def _norm(value: Any) -> str:
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def column_key(header: str) -> str | None:
    """The column a header names, or None for a column the format does not know."""
    text = _norm(header)
    if text in _HEADER_ALIASES:
        return _HEADER_ALIASES[text]
    lowered = text.casefold()
    if lowered in COLUMNS:
        return lowered
    if text.upper() in LETTERS and len(text) == 1:
        return text.upper()
    return _HEADER_ALIASES.get(lowered)


def parse_header(cells: Sequence[Any]) -> tuple[dict[int, str], list[RowError]]:
    """Column index → key, and the header's errors (row 1)."""
    found: dict[int, str] = {}
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = column_key(str(cell)) if cell not in (None, "") else None
        if key is None:
            continue
        if key in seen:
            errors.append(RowError(1, key, "duplicate_column"))
            continue
        seen[key] = index
        found[index] = key
    for key in REQUIRED_COLUMNS:
        if key not in seen:
            errors.append(RowError(1, key, "missing_column"))
    return found, errors


def kind_of(text: str) -> str | None:
    value = _norm(text)
    if value.casefold() in KINDS:
        return value.casefold()
    return _KIND_ALIASES.get(value) or _KIND_ALIASES.get(value.casefold())


def truth(text: str) -> bool | None:
    value = _norm(text).casefold()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    return None


def _letters(text: str) -> list[str] | None:
    value = _norm(text).upper()
    parts = [p for p in _LETTER_SPLIT.split(value) if p]
    if len(parts) == 1 and len(parts[0]) > 1:
        parts = list(parts[0])  # "ACD"
    if not parts or any(p not in LETTERS or len(p) != 1 for p in parts):
        return None
    return parts


def parse_excerpt(text: str) -> tuple[list[dict[str, str]], bool]:
    """Lines "客户：…" / "客服：…" → turns; False when a line names no known speaker."""
    turns: list[dict[str, str]] = []
    for line in str(text or "").splitlines():
        if not line.strip():
            continue
        match = _SPEAKER_LINE.match(unicodedata.normalize("NFKC", line))
        speaker = SPEAKERS.get(match.group(1).strip().casefold()) if match else None
        if match is None or speaker is None or not match.group(2).strip():
            return turns, False
        turns.append({"role": speaker, "text": match.group(2).strip()})
    return turns, True


def format_excerpt(turns: Sequence[Mapping[str, str]], zh: bool = True) -> str:
    names = ZH_SPEAKERS if zh else {"customer": "customer", "agent": "agent"}
    sep = "：" if zh else ": "
    return "\n".join(f"{names.get(t.get('role', ''), t.get('role', ''))}{sep}{t.get('text', '')}"
                     for t in turns)  # fmt: skip


def format_answer(kind: str, answer: Sequence[Any], zh: bool = True) -> str:
    if kind in (SINGLE, MULTIPLE):
        return "".join(LETTERS[i] for i in answer if isinstance(i, int) and 0 <= i < 8)
    if kind == TRUE_FALSE:
        if not answer:
            return ""
        return ("对" if answer[0] else "错") if zh else ("true" if answer[0] else "false")
    if kind == FILL:
        return "|".join(str(a) for a in answer)
    return ""


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def parse_question(
    values: Mapping[str, Any], areas: Mapping[str, str], *, id_required: bool = True
) -> tuple[ParsedQuestion | None, list[FieldError]]:
    """One question from its cells (column key → text). `areas`: code → name. In a file
    the id may be blank (`id_required` False): the import finds the question by its
    identity or gives it the next free id."""
    errors: list[FieldError] = []

    def bad(column: str, code: str, **params: Any) -> None:
        errors.append(FieldError(column, code, params))

    external_id = _norm(values.get("id"))
    if not external_id:
        if id_required:
            bad("id", "required")
    elif len(external_id) > MAX_ID:
        bad("id", "too_long", max=MAX_ID)
    kind_text = _text(values, "type")
    kind = kind_of(kind_text) if kind_text else None
    if not kind_text:
        bad("type", "required")
    elif kind is None:
        bad("type", "unknown_type", value=kind_text[:40])
    area_text = _norm(values.get("area"))
    area: str | None = None
    if area_text:
        by_name = {_norm(name): code for code, name in areas.items()}
        area = area_text if area_text in areas else by_name.get(area_text)
        if area is None:
            lowered = area_text.casefold()
            area = next((c for c in areas if c.casefold() == lowered), None)
        if area is None:
            bad("area", "unknown_area", value=area_text[:40])
    difficulty = 3
    difficulty_text = _norm(values.get("difficulty"))
    if difficulty_text:
        try:
            number = float(difficulty_text)
        except ValueError:
            number = 0.5
        if number != int(number) or not 1 <= number <= 5:
            bad("difficulty", "difficulty")
        else:
            difficulty = int(number)
    points = Decimal(1)
    points_text = _norm(values.get("points"))
    if points_text:
        try:
            points = Decimal(points_text)
        except InvalidOperation:
            points = Decimal(-1)
        if (
            not points.is_finite()
            or points <= 0
            or points > MAX_POINTS
            or points != points.quantize(Decimal("0.1"))
        ):
            bad("points", "points")
            points = Decimal(1)
        points = points.quantize(Decimal("0.1"))
    text = _text(values, "question")
    if not text:
        bad("question", "required")
    elif len(text) > MAX_TEXT:
        bad("question", "too_long", max=MAX_TEXT)
    choices: list[str] = []
    gap: str | None = None
    for letter in LETTERS:
        choice = _text(values, letter)
        if choice and gap is not None:
            bad(gap, "choices_gap")
            gap = None
        if not choice:
            gap = gap or letter
            continue
        if len(choice) > MAX_CHOICE:
            bad(letter, "too_long", max=MAX_CHOICE)
        choices.append(choice)
    answer_text = _text(values, "answer")
    answer: list[Any] = []
    rubric = _text(values, "rubric")
    if len(rubric) > MAX_TEXT:
        bad("rubric", "too_long", max=MAX_TEXT)
    excerpt_text = _text(values, "excerpt")
    excerpt: list[dict[str, str]] = []
    if kind in (SINGLE, MULTIPLE):
        if len(choices) < 2:
            bad("B" if choices else "A", "too_few_choices")
        letters = _letters(answer_text) if answer_text else None
        if not answer_text:
            bad("answer", "required")
        elif (
            letters is None
            or any(LETTERS.index(x) >= len(choices) for x in letters)
            or (kind == SINGLE and len(letters) != 1)
        ):
            bad("answer", "answer_letter" if kind == SINGLE else "answer_letters")
        else:
            answer = sorted({LETTERS.index(x) for x in letters})
    elif kind is not None:
        if choices:
            bad("A", "no_choices")
        if kind == TRUE_FALSE:
            value = truth(answer_text)
            if value is None:
                bad("answer", "answer_true_false")
            else:
                answer = [value]
        elif kind == FILL:
            answer = [a.strip() for a in _norm(answer_text).split("|") if a.strip()]
            if not answer:
                bad("answer", "answer_fill")
            elif any(len(a) > MAX_CHOICE for a in answer):
                bad("answer", "too_long", max=MAX_CHOICE)
        elif kind in MANUAL:
            if answer_text:
                bad("answer", "answer_not_allowed")
            if not rubric:
                bad("rubric", "rubric_required")
    if excerpt_text:
        if kind != SCENARIO:
            bad("excerpt", "excerpt_not_allowed")
        else:
            excerpt, ok = parse_excerpt(excerpt_text)
            if not ok:
                bad("excerpt", "excerpt_line")
            elif len(excerpt) > MAX_EXCERPT_LINES:
                bad("excerpt", "excerpt_lines", max=MAX_EXCERPT_LINES)
    elif kind == SCENARIO:
        bad("excerpt", "excerpt_required")
    active = True
    active_text = _text(values, "active")
    if active_text:
        value = truth(active_text)
        if value is None:
            bad("active", "active")
        else:
            active = value
    if errors or kind is None:
        return None, errors
    question = ParsedQuestion(
        external_id=external_id, kind=kind, area=area, difficulty=difficulty, points=points,
        text=text, choices=choices, answer=answer, rubric=rubric, excerpt=excerpt, active=active,
    )  # fmt: skip
    return question, []


def parse_table(
    header: Sequence[Any],
    rows: Iterable[tuple[int, Sequence[Any]]],
    areas: Mapping[str, str],
) -> tuple[list[tuple[int, ParsedQuestion]], list[RowError]]:
    """Every question of a sheet: (row number, question) and the errors of every row.
    `rows`: (row number, cells) after the header; blank rows are skipped."""
    columns, errors = parse_header(header)
    if errors:
        return [], errors
    parsed: list[tuple[int, ParsedQuestion]] = []
    first_row: dict[str, int] = {}
    for number, cells in rows:
        values = {key: cells[i] if i < len(cells) else None for i, key in columns.items()}
        if all(_norm(v) == "" for v in values.values()):
            continue
        question, field_errors = parse_question(values, areas, id_required=False)
        errors.extend(RowError(number, e.column, e.code, e.params) for e in field_errors)
        external_id = _norm(values.get("id"))
        if external_id:
            if external_id in first_row:
                first = {"row": first_row[external_id]}
                errors.append(RowError(number, "id", "duplicate_id", first))
                continue
            first_row[external_id] = number
        if question is not None:
            parsed.append((number, question))
    return parsed, errors


# --- identity and the import's plan ----------------------------------------------------------
def _key(text: str) -> str:
    """Text as compared for identity: NFKC (full-width → half-width), case and every
    whitespace ignored ("退货 期限" and "退货期限" are the same)."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def identity(q: ParsedQuestion) -> tuple[str, str, tuple[str, ...], tuple[str, ...]]:
    """What makes two questions of a bank the same question, whatever their ids: the
    type and the normalised text; for a choice question also its choices (in order), for
    a scenario question its excerpt (the same stem may ask about another case). Points,
    difficulty, area, answer, rubric are the question's properties, not its identity."""
    choices = tuple(_key(c) for c in q.choices) if q.kind in (SINGLE, MULTIPLE) else ()
    excerpt = tuple(f"{t.get('role', '')}:{_key(str(t.get('text', '')))}" for t in q.excerpt)
    return q.kind, _key(q.text), choices, excerpt


@dataclass
class ImportPlan:
    """What an import does with each valid row (row number, question with its final id)."""

    create: list[tuple[int, ParsedQuestion]] = field(default_factory=list)
    update: list[tuple[int, ParsedQuestion]] = field(default_factory=list)
    unchanged: list[tuple[int, ParsedQuestion]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def plan_import(
    rows: Sequence[tuple[int, ParsedQuestion]], existing: Mapping[str, ParsedQuestion]
) -> ImportPlan:
    """Match a file's valid rows with the bank's questions (`existing`: id → question).

    - A row with an id updates the question of that id (unchanged when equal) or adds it.
    - A row without an id is the bank's question of the same identity (`identity`), else
      a new question with the next free id (GENERATED_ID).
    - A row is refused, the rest imported, when it would make two questions of the bank
      the same question: its id is new (or another question's) but its identity is that
      of a question already in the bank, or of an earlier row of the file.

    Importing the same file again therefore changes nothing."""
    plan = ImportPlan()
    by_identity: dict[tuple, str] = {}
    for external_id, q in existing.items():
        by_identity.setdefault(identity(q), external_id)
    in_file: dict[tuple, int] = {}
    ids_in_file: dict[str, int] = {}
    taken = set(existing) | {q.external_id for _row, q in rows if q.external_id}
    counter = 0

    def next_id() -> str:
        nonlocal counter
        while True:
            counter += 1
            candidate = GENERATED_ID.format(counter)
            if candidate not in taken:
                taken.add(candidate)
                return candidate

    for row, q in rows:
        key = identity(q)
        if key in in_file:
            plan.errors.append(RowError(row, "question", "same_question_in_file",
                                        {"row": in_file[key]}))  # fmt: skip
            continue
        holder = by_identity.get(key)
        if not q.external_id:
            q = replace(q, external_id=holder or next_id())
        elif holder is not None and holder != q.external_id:
            plan.errors.append(RowError(row, "question", "same_question", {"id": holder}))
            continue
        if q.external_id in ids_in_file:  # a blank id resolved to a row's question
            plan.errors.append(RowError(row, "id", "duplicate_id",
                                        {"row": ids_in_file[q.external_id]}))  # fmt: skip
            continue
        in_file[key] = ids_in_file[q.external_id] = row
        current = existing.get(q.external_id)
        if current is None:
            plan.create.append((row, q))
        elif current == q:
            plan.unchanged.append((row, q))
        else:
            plan.update.append((row, q))
    return plan


def header(zh: bool) -> list[str]:
    return [ZH_HEADERS.get(key, key) if zh else key for key in COLUMNS]


def to_cells(q: ParsedQuestion, area_name: str | None, zh: bool) -> list[Any]:
    """A question's row in the order of COLUMNS (export; `area_name` for zh)."""
    choices = [*q.choices, *[""] * (len(LETTERS) - len(q.choices))][: len(LETTERS)]
    area = (area_name if zh else q.area) or ""
    active = ("是" if q.active else "否") if zh else ("yes" if q.active else "no")
    kind = ZH_KINDS.get(q.kind, q.kind) if zh else q.kind
    points = int(q.points) if q.points == q.points.to_integral_value() else float(q.points)
    return [
        q.external_id, kind, area, q.difficulty, points, q.text, *choices,
        format_answer(q.kind, q.answer, zh), q.rubric, format_excerpt(q.excerpt, zh), active,
    ]  # fmt: skip
