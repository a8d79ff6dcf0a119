"""QA figures and display helpers, pure Python (no Django): the QA compliance rate, score
bands, labels of problem types and severities, and the evidence highlighting of the
conversation QA page. Defined once here; the pages, the dashboard and docs/qa-dashboard.md
use these definitions.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

from kefu.qa.core.indicators import SEVERITIES, SEVERITY_LABELS, TYPE_LABELS, TYPES


# --- the QA compliance rate ----------------------------------------------------------------
def compliance_rate(passed: int, scored: int) -> float | None:
    """The QA compliance rate (质检合格率): passed ÷ scored current results.

    `scored` counts each conversation's current result once (results of earlier scorecard
    versions are history and never count); `passed` those of them that passed (not fatal
    and at or above the pass line). None when nothing was scored: no rate, never 0 %.
    E.g. 94 passed of 100 scored → 0.94.
    """
    if scored < 0 or passed < 0 or passed > scored:
        raise ValueError(f"passed {passed} of {scored} scored is not a rate")
    if scored == 0:
        return None
    return passed / scored


# --- a rule's confirmed precision ---------------------------------------------------------
def rule_precision(false_positives: int, reviewed: int) -> float | None:
    """A rule's confirmed precision (规则准确率): 1 − confirmed false positives ÷ hits
    reviewed.

    `reviewed` counts the rule's hits a person judged for good: marked correct, or reported
    wrong and then decided by a QA specialist (confirmed or rejected); a report still
    waiting counts in neither number. `false_positives` counts the confirmed reports.
    None when no hit was reviewed: no precision, never 100 %.
    E.g. 3 confirmed false positives of 40 hits reviewed → 1 − 3/40 = 0.925.
    """
    if reviewed < 0 or false_positives < 0 or false_positives > reviewed:
        raise ValueError(f"{false_positives} false positives of {reviewed} reviewed")
    if reviewed == 0:
        return None
    return 1 - false_positives / reviewed


def mean(total: float | None, count: int) -> float | None:
    """A mean score from a sum and a count (None for no results)."""
    if not count or total is None:
        return None
    return total / count


def format_rate(rate: float | None) -> str:
    """94.0 % style (one decimal), "—" for no rate."""
    return "—" if rate is None else f"{rate * 100:.1f} %"


def format_score(score: float | None) -> str:
    """Scores to at most one decimal: 86, 79.5; "—" for none."""
    if score is None:
        return "—"
    text = f"{score:.1f}"
    return text[:-2] if text.endswith(".0") else text


# --- score bands ---------------------------------------------------------------------------
# key → (lowest included, highest excluded); None is open. Label, and the CSS class that
# colours a score of the band.
SCORE_BANDS: dict[str, tuple[float | None, float | None]] = {
    "lt60": (None, 60),
    "60-79": (60, 80),
    "80-89": (80, 90),
    "ge90": (90, None),
}
BAND_LABELS = {"lt60": "< 60", "60-79": "60–79", "80-89": "80–89", "ge90": "≥ 90"}


def score_band(score: float | None) -> str:
    """The band key of a score ("" for none)."""
    if score is None:
        return ""
    for key, (low, high) in SCORE_BANDS.items():
        if (low is None or score >= low) and (high is None or score < high):
            return key
    return ""


def band_lookups(key: str, field: str = "score") -> dict[str, float]:
    """ORM lookups selecting a band's scores ({} for an unknown key: no filter)."""
    low, high = SCORE_BANDS.get(key, (None, None))
    out: dict[str, float] = {}
    if low is not None:
        out[f"{field}__gte"] = low
    if high is not None:
        out[f"{field}__lt"] = high
    return out


# --- labels ----------------------------------------------------------------------------------
TYPE_LABELS_EN = {
    "attitude": "Service attitude",
    "knowledge": "Business knowledge",
    "communication": "Communication skill",
    "operation": "System operation",
    "compliance": "Compliance",
    "customer_risk": "Customer risk",
}
SEVERITY_LABELS_EN = {"minor": "Minor", "normal": "Normal", "severe": "Severe"}
assert set(TYPE_LABELS_EN) == set(TYPES) and set(SEVERITY_LABELS_EN) == set(SEVERITIES)


def is_chinese(lang: str | None) -> bool:
    return (lang or "zh").lower().startswith("zh")


def type_label(key: str, lang: str | None) -> str:
    labels = TYPE_LABELS if is_chinese(lang) else TYPE_LABELS_EN
    return labels.get(key, key)


def severity_label(key: str, lang: str | None) -> str:
    labels = SEVERITY_LABELS if is_chinese(lang) else SEVERITY_LABELS_EN
    return labels.get(key, key)


def localized(name: Any, lang: str | None, default: str = "") -> str:
    """A definition's name: a string, or {zh: …, en: …} (the other language as fallback)."""
    if isinstance(name, str):
        return name or default
    if isinstance(name, Mapping):
        first, second = ("zh", "en") if is_chinese(lang) else ("en", "zh")
        value = name.get(first) or name.get(second)
        if isinstance(value, str) and value:
            return value
    return default


def indicator_name(definition: Mapping[str, Any] | None, key: str, lang: str | None) -> str:
    """An indicator's display name from its stored definition (its id when it has none)."""
    return localized((definition or {}).get("name"), lang, key)


# --- evidence --------------------------------------------------------------------------------
_EVIDENCE_SEPARATOR = "；"  # between the findings of one hit (core.indicators)
_WORDS_SEPARATOR = "、"
_FOUND = re.compile(r"^出现\s*[:：]\s*(?P<words>.+)$")
_SENTIMENT = re.compile(r"^情绪\s+-?[\d.]+\s*[:：]\s*(?P<words>.+)$")


def evidence_words(evidence: str | None) -> list[str]:
    """The words a hit's evidence names as found in its messages, in order, once each.

    "出现: 不知道、没办法；出现: 你自己看" → ["不知道", "没办法", "你自己看"]; a sentiment
    finding's words ("情绪 -0.62: 气死、垃圾") count too. Evidence of what is missing
    ("缺少: …") or of timings ("等待 75 秒") names no words in the text.
    """
    words: list[str] = []
    for part in (evidence or "").split(_EVIDENCE_SEPARATOR):
        part = part.strip().removesuffix("…").strip()
        match = _FOUND.match(part) or _SENTIMENT.match(part)
        if not match:
            continue
        for word in match.group("words").split(_WORDS_SEPARATOR):
            word = word.strip()
            if word and word not in words:
                words.append(word)
    return words


_STARS = re.compile(r"(\*+)")


def _word_pattern(word: str) -> str:
    """A word to find in a text. Evidence is stored masked ("出现: 138****5678"): a run
    of stars stands for at least as many characters of a number, e-mail or name, so
    the masked word still marks the clear text an unmasked viewer reads (and the masked
    text of a masked one)."""
    if "*" not in word or not word.strip("*"):
        return re.escape(word)
    return "".join(
        rf"[\w*.+-]{{{len(part)},}}?" if part.startswith("*") else re.escape(part)
        for part in _STARS.split(word)
        if part
    )


def highlight(text: str | None, words: Iterable[str]) -> str:
    """The text as HTML (escaped) with every occurrence of the words wrapped in <mark>.

    Case-insensitive like the lexicons; the longest word wins where words overlap
    ("不知道" over "知道"). Returns escaped text unchanged when no word occurs.
    """
    text = text or ""
    unique = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    if not unique or not text:
        return html.escape(text)
    pattern = re.compile("|".join(_word_pattern(w) for w in unique), re.IGNORECASE)
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(html.escape(text[position : match.start()]))
        out.append(f"<mark>{html.escape(match.group(0))}</mark>")
        position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def context_windows(
    positions: Iterable[int], total: int, *, around: int = 2, places: int = 3
) -> list[list[int]]:
    """The messages to show around a hit: for each of its first `places` messages (by
    position in the conversation, 0-based), `around` messages before and after; windows
    that touch are merged. Positions outside 0…total−1 are ignored.

    >>> context_windows([5, 7, 20], 30)
    [[3, 4, 5, 6, 7, 8, 9], [18, 19, 20, 21, 22]]
    """
    chosen = sorted({p for p in positions if 0 <= p < total})[:places]
    windows: list[list[int]] = []
    for p in chosen:
        start, end = max(0, p - around), min(total - 1, p + around)
        if windows and start <= windows[-1][-1] + 1:
            windows[-1].extend(range(windows[-1][-1] + 1, end + 1))
        else:
            windows.append(list(range(start, end + 1)))
    return windows
