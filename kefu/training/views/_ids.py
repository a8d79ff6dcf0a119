"""Reading ids and numbers from query and form values."""

from __future__ import annotations

import re

_ROW_ID = re.compile(r"[0-9]{1,18}")


def row_id(raw: str | None) -> int | None:
    """A row id (or a year) from a query or form value: ASCII digits only ("²".isdigit()
    is true, and int("²") fails)."""
    return int(raw) if raw and _ROW_ID.fullmatch(raw) else None
