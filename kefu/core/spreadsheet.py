"""User text in spreadsheets stays text (pure Python; no Django, no openpyxl import).

A name such as `=HYPERLINK("http://…","click")` or `=1+1` written into a workbook or a
CSV would be a formula when the file is opened in Excel (CSV/formula injection).
Every Excel and CSV writer of Kefu goes through here:

- Excel (openpyxl): `save_as_text(workbook, stream)` saves after turning every cell
  that openpyxl took for a formula (a str starting with "=") back into a text cell, so
  the visible text is exactly the name. Kefu's workbooks hold no formulas of their own.
- CSV: `safe_cell(value)` prefixes "'" to text that a spreadsheet would evaluate
  (starting with = + - @, a tab or a carriage return), as OWASP recommends: a CSV cell
  has no type, so the text cannot be kept exact.
"""

from __future__ import annotations

from typing import Any, BinaryIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell's text: None as empty, formula-like text prefixed with "'"."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def text_only(workbook: Any) -> Any:
    """Every formula cell of an openpyxl workbook becomes a text cell (same text)."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    return workbook


def save_as_text(workbook: Any, stream: BinaryIO | str) -> None:
    """Save an openpyxl workbook with no formula in it (see the module docstring)."""
    text_only(workbook).save(stream)
