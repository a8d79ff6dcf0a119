"""Manual scores on a scorecard: what a reviewer says about each item, turned into a score.

The automatic engine (`kefu.qa.core.scorecard.apply`) decides from indicator hits how
many points an item takes (its points, times occurrences, capped). A reviewer instead
says per item *whether* it applies and *how many* points (a partial deduction is common:
"greeting there but late": −2 of 5). `apply` cannot take that, so `manual_score` below
applies the same rules to the reviewer's values: base ± points, clamped to [0, base], a
fatal item (一票否决) that applies makes the score 0 and the conversation fail, passed =
not fatal and score ≥ pass line. The parsed `Scorecard` itself comes from
`kefu.qa.core.scorecard.parse_scorecard`, so both sides read the same definition.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kefu.qa.core.scorecard import Item, Scorecard, parse_scorecard

MAX_COMMENT = 2000


class ItemError(ValueError):
    """A reviewer's value for an item is not acceptable (names the item)."""

    def __init__(self, item: str, reason: str) -> None:
        super().__init__(f"{item}: {reason}")
        self.item = item
        self.reason = reason


@dataclass(frozen=True)
class ItemValue:
    item: str
    applies: bool
    points: float  # unsigned magnitude the reviewer gives (0 … cap)
    comment: str = ""


@dataclass(frozen=True)
class ManualScore:
    score: float
    passed: bool
    fatal: bool
    items: tuple[
        dict, ...
    ]  # stored form: {item, section, applies, points (signed), fatal, comment}


def load(definition: Mapping[str, Any]) -> Scorecard:
    """A stored scorecard version's definition, parsed. The version was checked against
    the indicators when it was saved; here its own indicator names are taken as known,
    so an indicator deleted since then does not make old reviews unreadable."""
    known: set[str] = set()
    for section in definition.get("sections") or []:
        for item in section.get("items") or []:
            names = item.get("indicators") or []
            known.update([names] if isinstance(names, str) else names)
    return parse_scorecard(definition, frozenset(known))


def cap(item: Item, base: float) -> float:
    """The most points a reviewer may give the item."""
    if item.per_occurrence:
        return item.max_points if item.max_points is not None else base
    return item.points


def parse_values(scorecard: Scorecard, raw: Mapping[str, Any]) -> dict[str, ItemValue]:
    """{item id: {applies, points, comment}} from a form or the API, checked per item.
    Unknown items are refused; items not given do not apply."""
    items = {item.id: item for item in scorecard.items()}
    unknown = set(raw) - set(items)
    if unknown:
        raise ItemError(sorted(unknown)[0], "no such item on this scorecard")
    values: dict[str, ItemValue] = {}
    for item_id, entry in raw.items():
        item = items[item_id]
        if not isinstance(entry, Mapping):
            raise ItemError(item_id, "must be a mapping with applies, points, comment")
        applies = bool(entry.get("applies", False))
        comment = str(entry.get("comment") or "").strip()
        if len(comment) > MAX_COMMENT:
            raise ItemError(item_id, f"comment longer than {MAX_COMMENT} characters")
        points = entry.get("points")
        if points in (None, ""):
            points = item.points if applies else 0.0
        try:
            points = float(points)
        except (TypeError, ValueError):
            raise ItemError(item_id, "points must be a number") from None
        limit = cap(item, scorecard.base)
        if points < 0 or points > limit:
            raise ItemError(item_id, f"points must be between 0 and {limit:g}")
        if not applies:
            points = 0.0
        values[item_id] = ItemValue(item_id, applies, points, comment)
    return values


def manual_score(scorecard: Scorecard, values: Mapping[str, ItemValue]) -> ManualScore:
    total = scorecard.base
    fatal = False
    stored = []
    for item in scorecard.items():
        value = values.get(item.id)
        if value is None or (not value.applies and not value.comment):
            continue
        signed = 0.0
        if value.applies:
            signed = value.points if item.mode == "add" else -value.points
            total += signed
            fatal = fatal or item.fatal
        stored.append(
            {
                "item": item.id,
                "section": item.section,
                "applies": value.applies,
                "points": signed,
                "fatal": item.fatal and value.applies,
                "comment": value.comment,
            }
        )
    score = 0.0 if fatal else round(min(max(total, 0.0), scorecard.base), 2)
    return ManualScore(score, not fatal and score >= scorecard.pass_line, fatal, tuple(stored))


def values_from_stored(items: Iterable[Mapping[str, Any]]) -> dict[str, ItemValue]:
    """Stored manual items back to values (to edit them, or to change one on appeal)."""
    return {
        e["item"]: ItemValue(
            e["item"], bool(e.get("applies")), abs(float(e.get("points", 0))), e.get("comment", "")
        )
        for e in items
    }


def values_from_automatic(items: Iterable[Mapping[str, Any]]) -> dict[str, ItemValue]:
    """An automatic result's items (QaResult.items) as a reviewer's starting values."""
    return {
        e["item"]: ItemValue(e["item"], True, abs(float(e.get("points", 0))))
        for e in items
        if "item" in e
    }


def replace_item(
    values: Mapping[str, ItemValue], item: str, applies: bool, points: float
) -> dict[str, ItemValue]:
    """The values with one item changed (an upheld appeal); its comment is kept."""
    changed = dict(values)
    old = values.get(item)
    changed[item] = ItemValue(item, applies, points if applies else 0.0, old.comment if old else "")
    return changed


@dataclass(frozen=True)
class ItemDiff:
    item: str
    section: str
    automatic: float | None  # signed points; None = did not apply
    manual: float | None
    agree: bool  # both apply with the same points, or neither applies


def compare(
    scorecard: Scorecard,
    automatic: Iterable[Mapping[str, Any]] | None,
    manual: Iterable[Mapping[str, Any]],
) -> list[ItemDiff]:
    """Per scorecard item: the automatic points next to the manual ones. An automatic
    result that is missing (not scored) gives None on that side and no agreement."""
    auto = None if automatic is None else {e["item"]: float(e["points"]) for e in automatic}
    man = {e["item"]: float(e["points"]) for e in manual if e.get("applies")}
    rows = []
    for item in scorecard.items():
        a = None if auto is None else auto.get(item.id)
        m = man.get(item.id)
        agree = auto is not None and ((a is None and m is None) or (a is not None and a == m))
        rows.append(ItemDiff(item.id, item.section, a, m, agree))
    return rows


KEY_PROBLEM_POINTS = 10.0


def problems(manual: Iterable[Mapping[str, Any]]) -> tuple[int, int]:
    """(problems, key problems) in a manual result: items that apply with a deduction or
    are fatal; key problems are the fatal ones and those deducting ≥ 10 points."""
    found = key = 0
    for entry in manual:
        if not entry.get("applies"):
            continue
        points = float(entry.get("points", 0))
        if points < 0 or entry.get("fatal"):
            found += 1
            if entry.get("fatal") or -points >= KEY_PROBLEM_POINTS:
                key += 1
    return found, key
