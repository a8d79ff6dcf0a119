"""Question banks as Excel (.xlsx) and CSV files: reading an upload into rows, writing a
bank out, and the sentences of the per-row errors. The format itself (columns, values,
checks) is the pure core kefu/training/core/question_rows.py; docs/training-exams.md
documents it for trainers.

- Excel: the first sheet; the first non-blank row is the header. Cells are read as text
  (a number 3 or 3.0 → "3"; a formula is read as its text, never evaluated).
- CSV: UTF-8 (with or without BOM) or GB18030 (what Chinese Excel saves), comma,
  semicolon or tab separated. A leading "'" before = + - @ is dropped: it is what our own
  CSV export adds to keep such text from being a formula (kefu.core.spreadsheet).
- Writing goes through kefu.core.spreadsheet, so question text stays text.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.core.spreadsheet import FORMULA_STARTS, safe_cell, save_as_text
from kefu.training.core import question_rows
from kefu.training.core.question_rows import COLUMNS, ParsedQuestion, RowError
from kefu.training.models import Area, Question

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
XLSX = "xlsx"
CSV = "csv"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Unreadable(ValueError):
    """The upload is not a spreadsheet we can read (a sentence for the user)."""


# The sentence of each error code of kefu.training.core.question_rows.
REASONS = {
    "required": gettext_lazy("is required"),
    "too_long": gettext_lazy("is too long (at most %(max)s characters)"),
    "unknown_type": gettext_lazy(
        "“%(value)s” is not a question type (single, multiple, true_false, fill, short, "
        "scenario or 单选, 多选, 判断, 填空, 简答, 情景)"
    ),
    "unknown_area": gettext_lazy("“%(value)s” is not a knowledge area (a code or a name)"),
    "difficulty": gettext_lazy("must be a whole number from 1 to 5"),
    "points": gettext_lazy("must be a number above 0 and at most 100, with one decimal at most"),
    "choices_gap": gettext_lazy("choices are filled from A on, without a gap"),
    "too_few_choices": gettext_lazy("a choice question needs at least two choices"),
    "no_choices": gettext_lazy("this type of question has no choices"),
    "answer_letter": gettext_lazy("must be the letter of one of the filled choices"),
    "answer_letters": gettext_lazy("must be letters of the filled choices (e.g. ACD)"),
    "answer_true_false": gettext_lazy("must be true or false (对 or 错)"),
    "answer_fill": gettext_lazy("needs at least one accepted answer (several separated by |)"),
    "answer_not_allowed": gettext_lazy(
        "must be empty for this type: write the reference answer into the rubric"
    ),
    "rubric_required": gettext_lazy("is required for short-answer and scenario questions"),
    "excerpt_required": gettext_lazy("is required for scenario questions"),
    "excerpt_line": gettext_lazy("each line starts with 客户： or 客服： (customer: or agent:)"),
    "excerpt_lines": gettext_lazy("at most %(max)s lines"),
    "excerpt_not_allowed": gettext_lazy("only scenario questions have a conversation excerpt"),
    "active": gettext_lazy("must be yes or no (是 or 否)"),
    "duplicate_id": gettext_lazy("this question id is already on row %(row)s of the file"),
    "duplicate_column": gettext_lazy("this column appears twice"),
    "missing_column": gettext_lazy("the file has no such column (a header is required)"),
    "exists": gettext_lazy("a question with this id is already in the bank"),
    "same_question": gettext_lazy(
        "the same question (type and text) is already in the bank as %(id)s: not imported"
    ),
    "same_question_in_file": gettext_lazy(
        "the same question (type and text) is already on row %(row)s of the file"
    ),
}


def reason(code: str, params: Any = None) -> str:
    template = REASONS.get(code)
    if template is None:
        return code
    try:
        return str(template) % dict(params or {})
    except (KeyError, TypeError, ValueError):
        return str(template)


def _letter(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _unquote(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def kind_of_file(name: str, data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or name.lower().endswith(".xlsx"):
        return XLSX
    return CSV


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise Unreadable(_("This is not an Excel workbook (.xlsx) we can read.")) from exc
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in row]
    finally:
        book.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    if "\x00" in text:
        raise Unreadable(_("The CSV file holds NUL characters."))
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        for row in csv.reader(io.StringIO(text, newline=""), dialect):
            yield [_unquote(cell) for cell in row]
    except csv.Error as exc:
        raise Unreadable(_("The CSV file cannot be read: %(error)s") % {"error": exc}) from exc


def read_table(name: str, data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header cells, [(row number, cells)]) of an uploaded file; raises Unreadable."""
    if not data:
        raise Unreadable(_("The file is empty."))
    if len(data) > MAX_BYTES:
        raise Unreadable(
            _("The file is larger than %(mb)s MB: split it.") % {"mb": MAX_BYTES // 1024 // 1024}
        )
    rows = _xlsx_rows(data) if kind_of_file(name, data) == XLSX else _csv_rows(data)
    header: list[str] | None = None
    body: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(rows, start=1):
        if header is None:
            if any(c.strip() for c in cells):
                header, header_row = cells, number
            continue
        body.append((number - header_row + 1, cells))
        if len(body) > MAX_ROWS:
            raise Unreadable(
                _("The file has more than %(rows)s questions: split it.") % {"rows": MAX_ROWS}
            )
    if header is None:
        raise Unreadable(_("The file has no header row."))
    return header, body


def error_rows(header: Sequence[str], errors: Iterable[RowError], excel: bool) -> list[dict]:
    """Errors as shown to the user: the row, the column as headed in the file (and its
    letter in Excel), the reason in the active language."""
    written = {}
    for index, cell in enumerate(header):
        key = question_rows.column_key(cell) if cell else None
        if key is not None and key not in written:
            written[key] = (cell.strip(), _letter(index))
    out = []
    for e in errors:
        heading, letter = written.get(e.column, (e.column, ""))
        column = f"{heading} ({letter})" if excel and letter else heading
        out.append({"row": e.row, "column": column, "reason": reason(e.code, e.params)})
    return out


# --- writing ---------------------------------------------------------------------------------
def as_parsed(q: Question) -> ParsedQuestion:
    return ParsedQuestion(
        external_id=q.external_id, kind=q.kind, area=q.area.code if q.area else None,
        difficulty=q.difficulty, points=q.points, text=q.text, choices=list(q.choices),
        answer=list(q.answer), rubric=q.rubric, excerpt=list(q.excerpt), active=q.active,
    )  # fmt: skip


def rows_of(questions: Iterable[Question]) -> Iterator[tuple[ParsedQuestion, str | None]]:
    """(question, area name) pairs for the writers (select_related("area") upstream)."""
    for q in questions:
        yield as_parsed(q), q.area.name if q.area else None


# The rows of the import template: one question of each type.
SAMPLE = [
    ParsedQuestion("S-001", "single", "basic", 1, Decimal(1), "无理由退货的期限是几天？",
                   ["3 天", "7 天", "15 天", "30 天"], [1]),
    ParsedQuestion("S-002", "multiple", "complaint", 3, Decimal(2),
                   "安抚投诉客户时，哪些做法是正确的？（全对才得分）",
                   ["先致歉并表示理解", "强调是客户自己的问题", "复述客户诉求", "给出处理时限"],
                   [0, 2, 3]),
    ParsedQuestion("S-003", "true_false", "basic", 2, Decimal(1),
                   "客户未提供订单号时，可以直接告知无法查询并结束会话。", [], [False]),
    ParsedQuestion("S-004", "fill", "product", 2, Decimal(1),
                   "会员等级中，最高一级的名称是____。", [], ["钻石会员", "钻石"]),
    ParsedQuestion("S-005", "short", "communication", 3, Decimal(5),
                   "客户第三次来电询问同一问题，请写出你的开场白。", [], [],
                   "5 分：致歉 1 分、表明已了解前情 2 分、给出明确时限 2 分"),
    ParsedQuestion("S-006", "scenario", "coordination", 4, Decimal(10),
                   "请写出你接下来的回复，并说明需要协调哪个部门。", [], [],
                   "安抚情绪 3 分；说明将联系物流部核实 4 分；承诺回电时限 3 分",
                   [{"role": "customer", "text": "快递三天没更新了，你们到底管不管？"},
                    {"role": "agent", "text": "您好，我马上为您查询。"},
                    {"role": "customer", "text": "上次也是这么说的！"}]),
]  # fmt: skip


def sample_rows() -> Iterator[tuple[ParsedQuestion, str | None]]:
    names = dict(Area.objects.values_list("code", "name"))
    for q in SAMPLE:
        yield q, names.get(q.area or "")


def _rows(items: Iterable[tuple[ParsedQuestion, str | None]], zh: bool) -> Iterator[list[Any]]:
    yield question_rows.header(zh)
    for q, area_name in items:
        yield question_rows.to_cells(q, area_name, zh)


def write_xlsx(
    items: Iterable[tuple[ParsedQuestion, str | None]], stream: Any, zh: bool, title: str
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = (title or "questions")[:31].translate({ord(c): "_" for c in "[]:*?/\\"})
    for row in _rows(items, zh):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"question": 50, "rubric": 40, "excerpt": 40, "answer": 14}
    for index, key in enumerate(COLUMNS):
        sheet.column_dimensions[_letter(index)].width = widths.get(key, 12 if len(key) > 1 else 18)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    save_as_text(book, stream)


def export(
    items: Iterable[tuple[ParsedQuestion, str | None]], file_format: str, zh: bool, title: str
) -> tuple[bytes, str]:
    """A bank (or the template) as a file of `file_format` (xlsx or csv): the bytes and
    their content type (the page's export and the API's)."""
    if file_format == CSV:
        return write_csv(items, zh).encode("utf-8"), "text/csv; charset=utf-8"
    stream = io.BytesIO()
    write_xlsx(items, stream, zh, title)
    return stream.getvalue(), XLSX_TYPE


def write_csv(items: Iterable[tuple[ParsedQuestion, str | None]], zh: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _rows(items, zh):
        writer.writerow([safe_cell(_cell_text(v)) for v in row])
    return "\ufeff" + out.getvalue()  # a BOM: Excel opens UTF-8 CSV as such
