"""An agent's review as a person reads it: each line's figure formatted in its unit, its
interval, the value scored, points; the dimensions' points."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.metrics.core.formatting import format_value
from kefu.performance.choices import Dimension
from kefu.performance.models import AgentScore
from kefu.performance.sources import Source, source


@dataclass
class Line:
    source: str
    label: str
    dimension: str
    dimension_label: str
    weight: float
    value: str  # as measured, formatted
    interval: str  # "[low, high]" or ""
    n: int
    shrunk: str  # the value scored when shrunk towards the team, else ""
    points: float | None
    points_low: float | None
    points_high: float | None
    factor: float
    has_evidence: bool


def formatted(definition: Source | None, key: str, value: float | None) -> str:
    if value is None:
        return "—"
    unit = definition.unit if definition is not None else "points"
    if key.startswith("kpi."):
        return format_value(key.removeprefix("kpi."), value, get_language() or "zh")
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "flag":
        return str(_("yes")) if value >= 1 else str(_("no"))
    if unit == "level":
        return f"{value:.2f}"
    return f"{value:.1f}"


def lines_of(score: AgentScore) -> list[Line]:
    lines = []
    dimensions = dict(Dimension.choices)
    for entry in score.details:
        key = entry["source"]
        definition = source(key)
        low, high = entry.get("low"), entry.get("high")
        interval = (
            f"[{formatted(definition, key, low)}, {formatted(definition, key, high)}]"
            if low is not None and high is not None
            else ""
        )
        shrunk = entry.get("shrunk")
        moved = shrunk is not None and entry.get("value") is not None
        lines.append(
            Line(
                source=key,
                label=str(definition.label) if definition is not None else key,
                dimension=entry["dimension"],
                dimension_label=str(dimensions.get(entry["dimension"], entry["dimension"])),
                weight=entry["weight"],
                value=formatted(definition, key, entry.get("value")),
                interval=interval,
                n=entry.get("n") or 0,
                shrunk=formatted(definition, key, shrunk) if moved else "",
                points=entry.get("points"),
                points_low=entry.get("points_low"),
                points_high=entry.get("points_high"),
                factor=entry.get("factor", 1.0),
                has_evidence=key.split(".")[0] in ("kpi", "qa", "reviews", "bars"),
            )
        )
    return lines


def dimension_rows(score: AgentScore) -> list[dict[str, Any]]:
    labels = dict(Dimension.choices)
    return [
        {"code": code, "label": labels.get(code, code), "points": points}
        for code, points in score.dimensions.items()
        if code in labels
    ]
