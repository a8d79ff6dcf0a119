"""Parsing request parameters that name database rows (pure Python).

`str.isdigit()` is true for '²' and other non-ASCII digits that `int()` then refuses, and
an id past the database's 64-bit integers makes the query itself fail: both reach the
database as a 500 unless every parser of an id goes through here.
"""

from __future__ import annotations

import re
from typing import Any

MAX_ID = 2**63 - 1  # the largest BIGINT primary key
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(value: Any) -> int | None:
    """The row id `value` names (an int, or ASCII digits; 1 … MAX_ID), else None: a float,
    a bool, a list or "1e999" from a JSON frame names no row either."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _ASCII_DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None
