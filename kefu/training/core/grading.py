"""Grading exam answers (pure; no Django).

Question types and how a response is graded (`grade`):

- single (单选): the response is one choice index; full points when it is the key's
  index, else 0.
- multiple (多选): a set of choice indexes; **all or nothing**: full points when the set
  equals the key's set exactly, else 0 (a missing or an extra choice scores 0; there is
  no partial credit, and so no reward for ticking every box).
- true_false (判断): true or false; full points when equal to the key.
- fill (填空): a text; full points when, normalised, it equals one of the accepted
  answers, normalised the same way: Unicode NFKC (full-width letters, digits,
  punctuation and the ideographic space become their half-width forms), case folded,
  every white space removed. "ＶＩＰ 会员" = "vip会员".
- short (简答) and scenario (情景题): graded by a trainer with the question's rubric
  (0 … the question's points); until then the answer is pending (points None).
  An empty answer needs no trainer: it scores 0 at once.

An unanswered objective question scores 0. The attempt's score (`total`) is
100 × points earned / points possible, rounded half up to one decimal, and exists only
when no answer is pending; the attempt passes when that score is at least the pass line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

SINGLE, MULTIPLE, TRUE_FALSE, FILL, SHORT, SCENARIO = (
    "single", "multiple", "true_false", "fill", "short", "scenario",
)  # fmt: skip
OBJECTIVE = frozenset({SINGLE, MULTIPLE, TRUE_FALSE, FILL})
MANUAL = frozenset({SHORT, SCENARIO})
KINDS = (SINGLE, MULTIPLE, TRUE_FALSE, FILL, SHORT, SCENARIO)
MAX_FILL_CHARS = 500
MAX_TEXT_CHARS = 5000
_SPACE = re.compile(r"\s+")


class InvalidResponse(ValueError):
    """A response that does not fit its question (code: a key for the message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Key:
    """What grading needs to know of a question."""

    kind: str
    answer: Sequence[Any]  # single/multiple: indexes; true_false: [bool]; fill: texts
    points: float
    choices: int = 0  # how many choices (single/multiple)


@dataclass(frozen=True, slots=True)
class Grade:
    points: float | None  # None: awaits a trainer
    correct: bool | None


@dataclass(frozen=True, slots=True)
class Total:
    earned: float
    possible: float
    pending: int  # answers awaiting a trainer
    score: float | None  # 0–100, one decimal; None while any answer is pending


def normalise_fill(text: str) -> str:
    """The form a fill-in answer is compared in (see the module docstring)."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


def _index(value: Any, choices: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidResponse("choice_index")
    if not 0 <= value < choices:
        raise InvalidResponse("choice_range")
    return value


def clean_response(kind: str, response: Any, choices: int = 0) -> list[Any]:
    """The response in its stored form (a list; empty: not answered); raises
    InvalidResponse when it does not fit the question's type."""
    if response is None:
        return []
    if not isinstance(response, list):
        response = [response]
    if not response:
        return []
    if kind == SINGLE:
        if len(response) != 1:
            raise InvalidResponse("one_choice")
        return [_index(response[0], choices)]
    if kind == MULTIPLE:
        return sorted({_index(v, choices) for v in response})
    if kind == TRUE_FALSE:
        if len(response) != 1 or not isinstance(response[0], bool):
            raise InvalidResponse("true_false")
        return [response[0]]
    if kind in (FILL, SHORT, SCENARIO):
        if len(response) != 1 or not isinstance(response[0], str):
            raise InvalidResponse("text")
        text = response[0].strip()
        limit = MAX_FILL_CHARS if kind == FILL else MAX_TEXT_CHARS
        if len(text) > limit:
            raise InvalidResponse("too_long")
        if "\x00" in text:
            raise InvalidResponse("text")
        return [text] if text else []
    raise InvalidResponse("kind")


def grade(key: Key, response: Sequence[Any]) -> Grade:
    """One answer's points (see the module docstring). `response` is a cleaned one."""
    full = float(key.points)
    if not response:
        return Grade(0.0, False)
    if key.kind in MANUAL:
        return Grade(None, None)
    if key.kind == MULTIPLE:
        right = set(response) == set(key.answer)
    elif key.kind == FILL:
        accepted = {normalise_fill(str(a)) for a in key.answer}
        right = normalise_fill(str(response[0])) in accepted
    elif key.kind in (SINGLE, TRUE_FALSE):
        right = list(response) == list(key.answer)
    else:
        raise ValueError(f"unknown question type {key.kind!r}")
    return Grade(full if right else 0.0, right)


def _decimal(value: float | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(repr(float(value)))


def round_score(value: float | Decimal) -> float:
    """Half up to one decimal (84.95 → 85.0)."""
    return float(_decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def total(answers: Iterable[tuple[float | Decimal | None, float | Decimal]]) -> Total:
    """(points earned or None if pending, points possible) per question → the score.
    Summed in decimal (points have one decimal), so 16.99 of 20 is 84.95 → 85.0, not
    the binary float's 84.94999…"""
    earned = possible = Decimal(0)
    pending = 0
    for points, maximum in answers:
        possible += _decimal(maximum)
        if points is None:
            pending += 1
        else:
            earned += _decimal(points)
    if pending:
        return Total(float(earned), float(possible), pending, None)
    score = round_score(Decimal(100) * earned / possible) if possible > 0 else 0.0
    return Total(float(earned), float(possible), 0, score)


def passed(score: float, pass_line: float) -> bool:
    return score >= pass_line
