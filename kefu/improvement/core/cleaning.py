"""Cleaning of complaint texts before classification (pure Python).

Two steps, both deterministic and idempotent (cleaning a cleaned text changes nothing):

1. `normalise`: Unicode NFKC (full-width letters, digits and punctuation become
   half-width), lower case, every run of what is neither a letter nor a digit (punctuation,
   emoji, symbols, control characters, whitespace) becomes one space, every run of digits
   becomes ``0`` (order, tracking and phone numbers, amounts and days carry no topic), a
   character repeated three times or more is kept twice (急急急急 → 急急), and the ends
   are trimmed.
2. Synonyms: every variant of the synonym dictionary is replaced by its canonical word in
   one Aho-Corasick pass over the normalised text, leftmost match first and the longest
   one where several start at the same place ("钱没到账" / "退款没收到" → 退款到账慢). A
   variant made of Latin letters and digits only matches as a whole word (``vip`` not
   inside ``vipshop``), as in QA's lexicons.

The synonym dictionary has the shape of a QA lexicon (`kefu.qa.core.lexicons.Lexicon`:
words, and synonyms that stand for one of the words), so an installation keeps one
dictionary, edited on QA's lexicon page; the shipped default is
kefu/improvement/data/complaint_synonyms.yaml (`load_synonyms`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from kefu.qa.core.lexicons import Lexicon, parse_lexicons

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
SYNONYMS_FILE = DATA_DIR / "complaint_synonyms.yaml"
# The name of the lexicon in the shipped file (and of the QA lexicon that holds it).
LEXICON_NAME = "complaint_synonyms"

_NOISE = re.compile(r"[\W_]+")  # neither letter nor digit (Unicode): one space
_DIGITS = re.compile(r"\d+")
_REPEATS = re.compile(r"(.)\1{2,}")
_LATIN = re.compile(r"[a-z0-9 ]+")
# Replacing can put new neighbours side by side (a repeated character, another variant);
# cleaning runs again until nothing changes, at most this many times.
_MAX_PASSES = 4


def normalise(text: str) -> str:
    """Step 1: NFKC, lower case, noise runs → one space, digit runs → 0, repeats → 2."""
    if not text:
        return ""
    # Noise first: it removes the full-width punctuation that would send NFKC down its
    # slow path, so NFKC mostly just checks; then again, for what NFKC or lower-casing made.
    out = _NOISE.sub(" ", text)
    out = _NOISE.sub(" ", unicodedata.normalize("NFKC", out).lower())
    out = _DIGITS.sub("0", out)
    out = _REPEATS.sub(r"\1\1", out)
    return out.strip()


def _rejoin(text: str) -> str:
    """`normalise` of normalised pieces put side by side: only where they meet can
    something change (a run of digits or of one character); the full steps when the
    joint is not in NFKC (Hangul jamo meeting, say)."""
    if not unicodedata.is_normalized("NFKC", text):
        return normalise(text)
    return _REPEATS.sub(r"\1\1", _DIGITS.sub("0", text))


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class Cleaner:
    """Normalisation plus the synonym dictionary (variant → canonical word)."""

    def __init__(self, synonyms: Mapping[str, str] | None = None) -> None:
        # variant → canonical, both normalised as the texts will be; a variant that
        # normalises to its own canonical word (or to nothing) needs no replacing.
        table: dict[str, str] = {}
        for variant, canonical in (synonyms or {}).items():
            key, value = normalise(variant), normalise(canonical)
            if key and value and key != value:
                table[key] = value
        self.synonyms: dict[str, str] = table
        self._automaton: Any = None
        if table:
            automaton = ahocorasick.Automaton()
            # canonical words are keys too (kept as they are: None), so that a longer
            # canonical word is not cut by a variant that starts inside or at it
            for canonical in set(table.values()):
                automaton.add_word(canonical, (len(canonical), None, False))
            for key, value in table.items():
                latin = bool(_LATIN.fullmatch(key))
                automaton.add_word(key, (len(key), value, latin))
            automaton.make_automaton()
            self._automaton = automaton

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> Cleaner:
        """A cleaner from a QA lexicon: its synonyms (variant → canonical word)."""
        return cls(lexicon.synonyms)

    def _replace(self, text: str) -> str:
        if self._automaton is None or not text:
            return text
        parts: list[str] = []
        last = 0
        for end, (length, canonical, latin) in self._automaton.iter_long(text):
            if canonical is None:  # a canonical word, kept
                continue
            start = end - length + 1
            if latin and (
                (start > 0 and _is_word_char(text[start - 1]))
                or (end + 1 < len(text) and _is_word_char(text[end + 1]))
            ):
                continue
            parts.append(text[last:start])
            parts.append(canonical)
            last = end + 1
        if not parts:
            return text
        parts.append(text[last:])
        return "".join(parts)

    def clean(self, text: str) -> str:
        """The text normalised, its synonyms replaced by their canonical words."""
        out = normalise(text)
        for _ in range(_MAX_PASSES):
            replaced = self._replace(out)
            if replaced is out:  # nothing matched
                break
            again = _rejoin(replaced)
            if again == out:
                break
            out = again
        return out

    def clean_many(self, texts: Iterable[str]) -> list[str]:
        clean = self.clean
        return [clean(text) for text in texts]


def synonyms_from_data(data: Any, name: str = LEXICON_NAME) -> Lexicon:
    """The synonym lexicon from its data form: either one lexicon body
    ``{words: [...], synonyms: {word: [variants]}}`` (QA's `Lexicon.as_data()`) or a
    mapping ``{name: body}`` as in the shipped file. Raises QA's `DefinitionError`."""
    if isinstance(data, Mapping) and "words" not in data and len(data) == 1:
        ((name, data),) = data.items()
    return parse_lexicons({name: data}, where="synonyms")[name]


def load_synonyms(path: Path = SYNONYMS_FILE) -> Lexicon:
    """The synonym dictionary shipped with Kefu (or another file of the same shape)."""
    with path.open(encoding="utf-8") as handle:
        return synonyms_from_data(yaml.safe_load(handle))


@cache
def default_cleaner() -> Cleaner:
    """A cleaner with the shipped synonym dictionary (built once)."""
    return Cleaner.from_lexicon(load_synonyms())
