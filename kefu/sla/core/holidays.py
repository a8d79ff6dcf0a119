"""Public holidays and make-up working days (调休) as data.

Pure Python. The shipped file `kefu/sla/data/holidays_cn.yaml` (and any imported file of
the same shape) maps a year to its holidays: `{name, closed: [first, last], workdays:
[...]}`. `parse()` validates and flattens it into `Holiday` rows; `days()` turns rows into
the closed days and the working days a `business_time.Calendar` takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

SHIPPED = Path(__file__).resolve().parent.parent / "data" / "holidays_cn.yaml"
MAX_RUN_DAYS = 31


@dataclass(frozen=True)
class Holiday:
    name: str
    first: date
    last: date
    workdays: tuple[date, ...] = ()

    def closed_days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.last - self.first).days + 1)]


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}: not a date: {value!r}") from None


def parse(data: Any) -> list[Holiday]:
    """Holidays from the file's mapping {year: [entries]}; raises ValueError naming the
    first bad entry."""
    if not isinstance(data, Mapping):
        raise ValueError("expected a mapping of years to lists of holidays")
    out = []
    for year, entries in data.items():
        if not isinstance(entries, list):
            raise ValueError(f"{year}: expected a list of holidays")
        for index, entry in enumerate(entries, 1):
            where = f"{year} #{index}"
            if not isinstance(entry, Mapping) or not entry.get("name"):
                raise ValueError(f"{where}: each holiday needs a name")
            closed = entry.get("closed")
            if not isinstance(closed, list) or len(closed) != 2:
                raise ValueError(f"{where}: closed must be [first, last]")
            first, last = (_date(v, where) for v in closed)
            if not 0 <= (last - first).days < MAX_RUN_DAYS:
                raise ValueError(f"{where}: closed [first, last] out of order or too long")
            workdays = tuple(_date(v, where) for v in entry.get("workdays") or ())
            for day in workdays:
                if first <= day <= last:
                    raise ValueError(f"{where}: {day} is both closed and a working day")
            out.append(Holiday(str(entry["name"]), first, last, workdays))
    return out


def load(path: Path = SHIPPED) -> list[Holiday]:
    with open(path, encoding="utf-8") as handle:
        return parse(yaml.safe_load(handle))


def days(holidays: Iterable[Holiday]) -> tuple[frozenset[date], frozenset[date]]:
    """(closed days, working days) of these holidays."""
    closed: set[date] = set()
    working: set[date] = set()
    for holiday in holidays:
        closed.update(holiday.closed_days())
        working.update(holiday.workdays)
    return frozenset(closed), frozenset(working)
