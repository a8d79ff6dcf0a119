"""How a figure reads to a person (tables, pages, workbooks): one place for units."""

from __future__ import annotations

from kefu.metrics.core.catalogue import ALL_FIGURES

_SECONDS = {"zh": "秒", "en": "s"}
_MINUTES = {"zh": "分钟", "en": "min"}


def _unit(key: str) -> str:
    """The unit a figure is read in: a seconds figure shown in minutes reads as minutes."""
    figure = ALL_FIGURES.get(key)
    if figure is None:
        return "count"
    return "minutes" if figure.shown_in_minutes else figure.unit


def format_value(key: str, value: float | int | None, language: str = "zh") -> str:
    """'29.3 秒', '85.2%', '4.39', '+45.8'…; '—' for a missing figure."""
    if value is None:
        return "—"
    lang = "zh" if language.startswith("zh") else "en"
    unit = _unit(key)
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "seconds":
        return f"{value:.1f} {_SECONDS[lang]}"
    if unit == "minutes":
        if key in ALL_FIGURES and ALL_FIGURES[key].shown_in_minutes:
            value = value / 60
        return f"{value:,.1f} {_MINUTES[lang]}"
    if unit == "score5":
        return f"{value:.2f}"
    if unit == "points":
        return f"{value:.1f}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def format_change(key: str, current: float | None, previous: float | None) -> str:
    """Change vs a previous value in the figure's own unit: '+2.1 pp', '−3.4 s', '+5.0%'."""
    if current is None or previous is None:
        return "—"
    unit = _unit(key)
    delta = current - previous
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    size = abs(delta)
    if unit == "rate":
        return f"{sign}{size * 100:.1f} pp"
    if unit == "seconds":
        return f"{sign}{size:.1f} s"
    if unit == "minutes":
        if key in ALL_FIGURES and ALL_FIGURES[key].shown_in_minutes:
            size = size / 60
        return f"{sign}{size:.1f} min"
    if unit == "score5":
        return f"{sign}{size:.2f}"
    if unit == "points":
        return f"{sign}{size:.1f}"
    if previous:
        return f"{sign}{size / abs(previous) * 100:.1f}%"
    return f"{sign}{size:,}"
