"""Row ids taken from clients (form fields, JSON frames, query strings).

An id that is not a plain positive integer in the database's range is "no such row", never
an exception: `int("1e999")`, `int(2**63)` or a list would otherwise reach the database
driver (OverflowError on SQLite, DataError on PostgreSQL) and answer 500.
"""

from __future__ import annotations

import re
from typing import Any

MAX_PK = 2**63 - 1  # BigAutoField
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_pk(value: Any) -> int | None:
    """The positive integer id `value` names, or None when it names none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if 1 <= number <= MAX_PK else None
