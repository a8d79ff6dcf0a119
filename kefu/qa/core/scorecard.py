"""Scorecards (质检标准): sections of weighted items tied to indicators.

An item applies when any of its indicators hits the conversation: a deduction item takes
its points off the base score (per occurrence when asked, up to `max_points`), an
addition item adds them (for indicators of good behaviour). A fatal item (一票否决) that
applies makes the score 0 and the conversation fail. Passed = not fatal and score ≥ the
pass line. A scorecard has an id and a version; every result names both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kefu.interactions.core.native import CHANNELS
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.indicators import Hit

# A scorecard without `base` / `pass_line` scores out of 100 and passes at 80.
DEFAULT_BASE = 100
DEFAULT_PASS_LINE = 80

_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Item:
    id: str
    section: str
    name: str
    indicators: tuple[str, ...]
    points: float
    mode: str = "deduct"  # or "add"
    per_occurrence: bool = False
    max_points: float | None = None
    fatal: bool = False
    # The channels the item judges (empty: all). A hit on another channel is still
    # reported, it just costs nothing: an e-mail answered in an hour is not a slow chat.
    channels: frozenset[str] = frozenset()

    def judges(self, channel: str | None) -> bool:
        return not self.channels or channel in self.channels


@dataclass(frozen=True)
class Section:
    id: str
    name: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Scorecard:
    id: str
    version: int
    name: str
    pass_line: float
    base: float
    sections: tuple[Section, ...]
    definition: Mapping[str, Any] = field(default_factory=dict)

    def items(self) -> list[Item]:
        return [item for section in self.sections for item in section.items]

    def indicator_ids(self) -> list[str]:
        return list(dict.fromkeys(i for item in self.items() for i in item.indicators))


@dataclass(frozen=True)
class ItemScore:
    item: str
    section: str
    points: float  # signed: −5 deducted, +3 added
    fatal: bool
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Score:
    score: float
    passed: bool
    fatal: bool
    items: tuple[ItemScore, ...]


def apply(scorecard: Scorecard, hits: Mapping[str, Hit], channel: str | None = None) -> Score:
    """The score of a conversation (on `channel`) with these hits."""
    total = scorecard.base
    fatal = False
    applied: list[ItemScore] = []
    for section in scorecard.sections:
        for item in section.items:
            fired = [hits[i] for i in item.indicators if i in hits]
            if not fired or not item.judges(channel):
                continue
            points = item.points
            if item.per_occurrence:
                points *= sum(h.occurrences for h in fired)
                if item.max_points is not None:
                    points = min(points, item.max_points)
            signed = points if item.mode == "add" else -points
            total += signed
            fatal = fatal or item.fatal
            applied.append(
                ItemScore(
                    item.id, section.id, signed, item.fatal, tuple(h.indicator for h in fired)
                )
            )
    score = 0.0 if fatal else round(min(max(total, 0.0), scorecard.base), 2)
    return Score(score, not fatal and score >= scorecard.pass_line, fatal, tuple(applied))


def _number(value: Any, where: str, *, minimum: float = 0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise DefinitionError(where, f"must be a number, got {value!r}")
    if value < minimum:
        raise DefinitionError(where, f"must be ≥ {minimum:g}, got {value!r}")
    return float(value)


def _name(value: Any, where: str, default: str) -> str:
    if value is None:
        return default
    if isinstance(value, Mapping):
        value = value.get("zh") or value.get("en")
    if not isinstance(value, str) or not value.strip():
        raise DefinitionError(where, "must be a non-empty string (or {zh, en})")
    return value.strip()


def parse_scorecard(data: Any, known_indicators: set[str] | frozenset[str]) -> Scorecard:
    """A scorecard from its data form (docs/qa-rules.md); refuses unknown indicators."""
    if not isinstance(data, Mapping):
        raise DefinitionError("scorecard", "must be a mapping")
    ident = data.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise DefinitionError("scorecard: id", "a-z, 0-9, - and _ (1–64)")
    where = f"scorecard {ident}"
    unknown = set(data) - {"id", "version", "name", "pass_line", "base", "sections", "description"}
    if unknown:
        raise DefinitionError(f"{where}: {sorted(map(str, unknown))[0]}", "unknown key")
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise DefinitionError(f"{where}: version", "must be a whole number ≥ 1")
    base = _number(data.get("base", DEFAULT_BASE), f"{where}: base", minimum=1)
    pass_line = _number(data.get("pass_line", DEFAULT_PASS_LINE), f"{where}: pass_line")
    if pass_line > base:
        raise DefinitionError(f"{where}: pass_line", f"must not exceed the base score {base:g}")
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise DefinitionError(f"{where}: sections", "must be a non-empty list")
    sections, seen_items, seen_sections = [], set(), set()
    for s_index, raw in enumerate(raw_sections):
        s_where = f"{where}: sections[{s_index}]"
        if not isinstance(raw, Mapping):
            raise DefinitionError(s_where, "must be a mapping with id, name and items")
        s_id = raw.get("id")
        if not isinstance(s_id, str) or not _ID.match(s_id) or s_id in seen_sections:
            raise DefinitionError(f"{s_where}.id", "a unique id (a-z, 0-9, - and _)")
        seen_sections.add(s_id)
        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            raise DefinitionError(f"{s_where}.items", "must be a non-empty list")
        items = []
        for i_index, it in enumerate(raw_items):
            i_where = f"{s_where}.items[{i_index}]"
            if not isinstance(it, Mapping):
                raise DefinitionError(i_where, "must be a mapping")
            extra = set(it) - {"id", "name", "indicators", "points", "mode", "per_occurrence",
                               "max_points", "fatal", "description", "channels"}  # fmt: skip
            if extra:
                raise DefinitionError(f"{i_where}.{sorted(map(str, extra))[0]}", "unknown key")
            i_id = it.get("id")
            if not isinstance(i_id, str) or not _ID.match(i_id) or i_id in seen_items:
                raise DefinitionError(f"{i_where}.id", "a unique id (a-z, 0-9, - and _)")
            seen_items.add(i_id)
            i_where = f"{where}: item {i_id}"
            indicators = it.get("indicators")
            if isinstance(indicators, str):
                indicators = [indicators]
            if not isinstance(indicators, list) or not indicators:
                raise DefinitionError(f"{i_where}.indicators", "must name at least one indicator")
            for name in indicators:
                if name not in known_indicators:
                    raise DefinitionError(f"{i_where}.indicators", f"no indicator {name!r}")
            mode = it.get("mode", "deduct")
            if mode not in ("deduct", "add"):
                raise DefinitionError(f"{i_where}.mode", "must be deduct or add")
            fatal = it.get("fatal", False)
            per = it.get("per_occurrence", False)
            if not isinstance(fatal, bool) or not isinstance(per, bool):
                raise DefinitionError(f"{i_where}.fatal", "fatal and per_occurrence are true/false")
            if fatal and mode == "add":
                raise DefinitionError(f"{i_where}.fatal", "an addition item cannot be fatal")
            max_points = it.get("max_points")
            if max_points is not None:
                max_points = _number(max_points, f"{i_where}.max_points")
            channels = it.get("channels") or []
            if isinstance(channels, str):
                channels = [channels]
            wrong = [c for c in channels if c not in CHANNELS] if isinstance(channels, list) else 0
            if not isinstance(channels, list) or wrong:
                raise DefinitionError(
                    f"{i_where}.channels", f"a list of channels ({', '.join(sorted(CHANNELS))})"
                )
            items.append(
                Item(
                    id=i_id,
                    section=s_id,
                    name=_name(it.get("name"), f"{i_where}.name", i_id),
                    indicators=tuple(indicators),
                    points=_number(it.get("points", 0), f"{i_where}.points"),
                    mode=mode,
                    per_occurrence=per,
                    max_points=max_points,
                    fatal=fatal,
                    channels=frozenset(channels),
                )
            )
        sections.append(
            Section(s_id, _name(raw.get("name"), f"{s_where}.name", s_id), tuple(items))
        )
    return Scorecard(
        id=ident,
        version=version,
        name=_name(data.get("name"), f"{where}: name", ident),
        pass_line=pass_line,
        base=base,
        sections=tuple(sections),
        definition=dict(data),
    )
