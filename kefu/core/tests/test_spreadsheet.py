"""User text in spreadsheets stays text (kefu/core/spreadsheet.py), without a database."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from kefu.core.spreadsheet import safe_cell, save_as_text

HOSTILE = ['=HYPERLINK("http://evil.example","点我")', "=1+1", "+1", "-2", "@SUM(A1)", "王芳"]


def test_it_prefixes_formula_like_csv_text():
    assert [safe_cell(v) for v in HOSTILE] == [
        '\'=HYPERLINK("http://evil.example","点我")',
        "'=1+1",
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "王芳",
    ]
    assert safe_cell("\tx") == "'\tx"
    assert safe_cell(None) == ""
    assert safe_cell(3) == "3"


def test_it_saves_formula_like_text_as_the_exact_text():
    # given a workbook where openpyxl took "=…" for formulas
    book = Workbook()
    sheet = book.active
    for row, text in enumerate(HOSTILE, start=1):
        sheet.cell(row=row, column=1, value=text)
        sheet.cell(row=row, column=2, value=row)
    assert sheet["A1"].data_type == "f"
    # when
    stream = io.BytesIO()
    save_as_text(book, stream)
    # then no cell is a formula and the text is kept exactly
    back = load_workbook(io.BytesIO(stream.getvalue())).active
    cells = [cell for row in back.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    assert [back.cell(row=r, column=1).value for r in range(1, len(HOSTILE) + 1)] == HOSTILE
    assert back["B2"].value == 2
