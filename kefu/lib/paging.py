"""Keyset ("seek") paging of lists, shared by every paged page and API.

Paging is on (a time field, pk): each page is one indexed range scan of page_size + 1
rows, however deep the page, and no COUNT(*) over a million rows is needed. The total
shown is a capped count (see `capped_count`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
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


def encode_day_cursor(day: date, pk: int) -> str:
    return f"{day:%Y%m%d}_{pk}"


def decode_day_cursor(raw: str | None) -> tuple[date, int] | None:
    """None for a missing or malformed cursor (the list then starts from the top)."""
    day, sep, pk = (raw or "").partition("_")
    if not sep or len(day) != 8:
        return None
    try:
        return date(int(day[:4]), int(day[4:6]), int(day[6:])), int(pk)
    except ValueError:
        return None


@dataclass(frozen=True)
class Cursor:
    """How a position (ordering value, key) is written in a URL and read back."""

    encode: Callable[[Any, int], str]
    decode: Callable[[str | None], tuple[Any, int] | None]


MOMENT = Cursor(encode_cursor, decode_cursor)
DAY = Cursor(encode_day_cursor, decode_day_cursor)


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None  # older rows
    prev_cursor: str | None  # newer rows; None on the first page

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def seek(
    qs: QuerySet,
    *,
    field: str,
    key: str = "pk",
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
    cursor: Cursor = MOMENT,
    position: Callable[[Any], tuple[Any, int]] | None = None,
) -> KeysetPage:
    """Newest first on (`field`, `key`). `after` pages to older rows, `before` back to
    newer ones. `position` reads (field value, key) from an item (default: attributes
    of a model instance; pass `tuple` for a values_list of (field, key))."""
    position = position or (lambda obj: (getattr(obj, field), obj.pk))
    newer_than = cursor.decode(before)
    if newer_than:
        moment, pk = newer_than
        # "at >= t and not (at = t and pk <= id)" rather than "at > t or (...)": the OR
        # hides the range from SQLite's planner, which then scans the whole table.
        newer = qs.filter(**{f"{field}__gte": moment}).exclude(**{field: moment, f"{key}__lte": pk})
        rows = list(newer.order_by(field, key)[: size + 1])
        if rows:
            items = rows[:size][::-1]
            return KeysetPage(
                items=items,
                next_cursor=cursor.encode(*position(items[-1])),
                prev_cursor=cursor.encode(*position(items[0])) if len(rows) > size else None,
            )
        after = None  # nothing newer: show the first page
    older_than = cursor.decode(after)
    if older_than:
        moment, pk = older_than
        qs = qs.filter(**{f"{field}__lte": moment}).exclude(**{field: moment, f"{key}__gte": pk})
    rows = list(qs.order_by(f"-{field}", f"-{key}")[: size + 1])
    items = rows[:size]
    return KeysetPage(
        items=items,
        next_cursor=cursor.encode(*position(items[-1])) if len(rows) > size else None,
        prev_cursor=cursor.encode(*position(items[0])) if items and older_than else None,
    )


def keyset_page(
    qs: QuerySet,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
    field: str = "created_at",
) -> KeysetPage:
    """Model instances newest first by a time field, then pk."""
    return seek(qs, field=field, after=after, before=before, size=size)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows, so a broad filter stays fast."""
    found = qs.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap
