"""Parsing request parameters that name database rows (pure Python).

`str.isdigit()` is true for '²' and other non-ASCII digits that `int()` then refuses, and
an id past the database's 64-bit integers makes the query itself fail: both reach the
database as a 500 unless every parser of an id goes through here.
"""

from __future__ import annotations

import re

MAX_ID = 2**63 - 1  # the largest BIGINT primary key
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(text: str | None) -> int | None:
    """The row id written in `text` (ASCII digits, 1 … MAX_ID), else None."""
    if text is None or not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
