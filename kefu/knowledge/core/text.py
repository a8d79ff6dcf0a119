"""Tokens for Chinese (and English) search, pure Python.

No word segmenter: a Chinese run is cut into overlapping character bigrams (退款 款到
到账) plus its single characters, a run of Latin letters and digits is one word. Bigrams
need no dictionary, so product names, slang and typos that a segmenter splits badly
still share most of their bigrams with the right text; the single characters keep a
one-character query or a typo inside a bigram from matching nothing, and are weighted
low by the search.

Text is first normalised exactly as complaint cleaning does
(`kefu.improvement.core.cleaning.normalise`: NFKC, lower case, punctuation → space,
digits → 0), and the synonym dictionary (the QA lexicon `complaint_synonyms`, one
dictionary for QA, cleaning and search) adds the canonical word of every variant found:
"钱没到账" and "退款没收到" both bring 退款到账慢.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from typing import Any

import ahocorasick

from kefu.improvement.core.cleaning import normalise

__all__ = ["Analyzer", "is_unigram", "normalise", "tokens"]


# runs of Latin letters and digits, and runs of anything else but spaces (normalised text
# holds only letters, digits and single spaces)
_RUNS = re.compile(r"[a-z0-9]+|[^a-z0-9 ]+")


def _is_ascii_word(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def tokens(text: str, *, normalised: bool = False) -> list[str]:
    """Single characters and bigrams of every non-Latin run, whole Latin words (a word
    of digits only, normalised to 0, is dropped)."""
    out: list[str] = []
    for run in _RUNS.findall(text if normalised else normalise(text)):
        if run.isascii():
            if run != "0":
                out.append(run)
            continue
        out.extend(run)
        out.extend(a + b for a, b in itertools.pairwise(run))
    return out


def is_unigram(token: str) -> bool:
    """A single non-Latin character (weighted low)."""
    return len(token) == 1 and not token.isascii()


class Analyzer:
    """Tokens plus the synonym dictionary: `canonical(text)` lists the canonical words of
    the variants (and canonical words) found in the text; `forms(word)` the surface forms
    of a canonical word (for highlighting)."""

    def __init__(self, synonyms: Mapping[str, str] | None = None) -> None:
        table: dict[str, str] = {}
        for variant, canonical in (synonyms or {}).items():
            key, value = normalise(variant), normalise(canonical)
            if key and value:
                table[key] = value
                table.setdefault(value, value)
        self.table = table
        self._forms: dict[str, list[str]] = {}
        for key, value in table.items():
            self._forms.setdefault(value, []).append(key)
        self._automaton: Any = None
        if table:
            automaton = ahocorasick.Automaton()
            for key, value in table.items():
                latin = all(_is_ascii_word(c) or c == " " for c in key)
                automaton.add_word(key, (len(key), value, latin))
            automaton.make_automaton()
            self._automaton = automaton

    @classmethod
    def from_lexicon(cls, lexicon: Any) -> Analyzer:
        """From a QA `Lexicon` (its words and synonyms)."""
        return cls(lexicon.entries())

    def canonical(self, text: str, *, normalised: bool = False) -> list[str]:
        """Canonical words of the dictionary entries found (each once, in text order)."""
        if self._automaton is None:
            return []
        text = text if normalised else normalise(text)
        found: dict[str, None] = {}
        for end, (length, value, latin) in self._automaton.iter(text):
            start = end - length + 1
            if latin and (
                (start > 0 and _is_ascii_word(text[start - 1]))
                or (end + 1 < len(text) and _is_ascii_word(text[end + 1]))
            ):
                continue
            found[value] = None
        return list(found)

    def forms(self, word: str) -> list[str]:
        return self._forms.get(word, [word])

    def expand(self, words: Iterable[str]) -> list[str]:
        """Every surface form of the given canonical words."""
        out: dict[str, None] = {}
        for word in words:
            for form in self.forms(word):
                out[form] = None
        return list(out)
