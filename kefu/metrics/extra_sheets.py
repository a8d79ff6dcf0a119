"""Sheets that higher apps add to the KPI workbooks (`kefu metrics --format xlsx` and the
monthly review), after the KPI sheets: the knowledge base registers its figures from its
AppConfig.ready(); metrics never imports those apps (it sits below them in the layers).

A writer is called as `writer(workbook, date_from, date_to, user, language)` and adds its
own sheet; `user` is None when the workbook covers everything (the command without
`--user`). A workbook limited to some rows without a user to ask gets no extra sheet, so a
writer never shows more than the workbook's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

Writer = Callable[[Any, date, date, Any, str], None]

WRITERS: dict[str, Writer] = {}


def register(name: str, writer: Writer) -> None:
    WRITERS[name] = writer


def add_all(workbook: Any, date_from: date, date_to: date, user: Any, language: str) -> None:
    for writer in WRITERS.values():
        writer(workbook, date_from, date_to, user, language)
