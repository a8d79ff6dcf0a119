"""Paging of long lists, shared by every list page and API.

Keyset ("seek") paging on (a time column, pk): each page is one indexed range scan of
page_size + 1 rows, however deep the page, and no COUNT(*) over a million rows is needed.
The total shown is a capped count (`capped_count`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import QuerySet

COUNT_CAP = 10_000

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(moment: datetime, pk: int) -> str:
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{pk}"


def decode_cursor(raw: str | None) -> tuple[datetime, int] | None:
    """None for a missing or malformed cursor (the page then starts from the top)."""
    micros, sep, pk = (raw or "").partition("_")
    if not sep:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None  # older rows
    prev_cursor: str | None  # newer rows; None on the first page

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def keyset_page(
    qs: QuerySet,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
    field: str = "created_at",
) -> KeysetPage:
    """Newest first. `after` pages to older rows, `before` back to newer ones."""
    newer_than = decode_cursor(before)
    if newer_than:
        moment, pk = newer_than
        # "at >= t and not (at = t and pk <= id)" rather than "at > t or (...)": the OR
        # hides the range from SQLite's planner, which then scans the whole table.
        newer = qs.filter(**{f"{field}__gte": moment}).exclude(**{field: moment, "pk__lte": pk})
        rows = list(newer.order_by(field, "pk")[: size + 1])
        if rows:
            items = rows[:size][::-1]
            return KeysetPage(
                items=items,
                next_cursor=_cursor(items[-1], field),
                prev_cursor=_cursor(items[0], field) if len(rows) > size else None,
            )
        after = None  # nothing newer: show the first page
    older_than = decode_cursor(after)
    if older_than:
        moment, pk = older_than
        qs = qs.filter(**{f"{field}__lte": moment}).exclude(**{field: moment, "pk__gte": pk})
    rows = list(qs.order_by(f"-{field}", "-pk")[: size + 1])
    items = rows[:size]
    return KeysetPage(
        items=items,
        next_cursor=_cursor(items[-1], field) if len(rows) > size else None,
        prev_cursor=_cursor(items[0], field) if items and older_than else None,
    )


def _cursor(obj: Any, field: str) -> str:
    return encode_cursor(getattr(obj, field), obj.pk)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows, so a broad filter stays fast."""
    found = qs.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap
