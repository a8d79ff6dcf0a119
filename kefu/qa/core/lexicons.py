"""Named word lists (lexicons) with synonyms, matched in one pass per message.

A lexicon is data a QA specialist edits: words, and synonyms that count as a word
(evidence names the canonical word). Every lexicon of a rule set shares one
Aho-Corasick automaton (pyahocorasick), so finding all of them in a message costs one
scan of its text. Matching is case-insensitive; a word made of Latin letters or digits
only matches as a whole word (``hi`` does not match inside ``this``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from kefu.qa.core.errors import DefinitionError

_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")


@dataclass(frozen=True)
class Lexicon:
    name: str
    words: tuple[str, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)  # variant → canonical word
    description: str = ""

    def entries(self) -> dict[str, str]:
        """Every form that matches → the canonical word it stands for."""
        forms = {w: w for w in self.words}
        forms.update(self.synonyms)
        return forms

    def preview(self, count: int = 4) -> str:
        return " / ".join(self.words[:count]) + (" …" if len(self.words) > count else "")

    def as_data(self) -> dict[str, Any]:
        grouped: dict[str, list[str]] = defaultdict(list)
        for variant, canonical in self.synonyms.items():
            grouped[canonical].append(variant)
        data: dict[str, Any] = {"words": list(self.words)}
        if grouped:
            data["synonyms"] = dict(grouped)
        if self.description:
            data["description"] = self.description
        return data


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and (ch.isalnum() or ch == "_")


class LexiconSet:
    """All lexicons of a rule set behind one automaton."""

    def __init__(self, lexicons: Mapping[str, Lexicon]) -> None:
        self.lexicons = dict(lexicons)
        self._automaton = ahocorasick.Automaton()
        forms: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        for lexicon in self.lexicons.values():
            for form, canonical in lexicon.entries().items():
                key = form.lower()
                latin = all(_is_word_char(ch) or ch == " " for ch in key)
                forms[key].append((lexicon.name, canonical, latin))
        for key, owners in forms.items():
            self._automaton.add_word(key, (len(key), tuple(owners)))
        self._empty = not forms
        if not self._empty:
            self._automaton.make_automaton()

    def __contains__(self, name: str) -> bool:
        return name in self.lexicons

    def find(self, text: str) -> dict[str, list[str]]:
        """{lexicon name: canonical words found, in text order (repeats kept)}."""
        found: dict[str, list[str]] = {}
        if self._empty or not text:
            return found
        lowered = text.lower()
        for end, (length, owners) in self._automaton.iter(lowered):
            start = end - length + 1
            for name, canonical, latin in owners:
                if latin and (
                    (start > 0 and _is_word_char(lowered[start - 1]))
                    or (end + 1 < len(lowered) and _is_word_char(lowered[end + 1]))
                ):
                    continue
                found.setdefault(name, []).append(canonical)
        return found


def parse_lexicons(data: Any, where: str = "lexicons") -> dict[str, Lexicon]:
    """Lexicons from their data form::

    greeting:
      description: 开场问候
      words: [您好, 你好, hello]
      synonyms: {您好: [亲, 亲亲]}
    """
    if not isinstance(data, Mapping):
        raise DefinitionError(where, "must be a mapping of lexicon name → {words, synonyms}")
    out: dict[str, Lexicon] = {}
    for name, body in data.items():
        path = f"{where}.{name}"
        if not isinstance(name, str) or not name or not set(name) <= _NAME_CHARS:
            raise DefinitionError(path, "a lexicon name uses a–z, 0–9 and _ only")
        if not isinstance(body, Mapping):
            raise DefinitionError(path, "must be a mapping with 'words'")
        unknown = set(body) - {"words", "synonyms", "description"}
        if unknown:
            raise DefinitionError(path, f"unknown key(s): {', '.join(sorted(map(str, unknown)))}")
        words = body.get("words")
        if not isinstance(words, list) or not words:
            raise DefinitionError(f"{path}.words", "must be a non-empty list of words")
        clean: list[str] = []
        for i, word in enumerate(words):
            if not isinstance(word, str) or not word.strip():
                raise DefinitionError(f"{path}.words[{i}]", "must be a non-empty string")
            if word.strip() not in clean:
                clean.append(word.strip())
        synonyms: dict[str, str] = {}
        raw_synonyms = body.get("synonyms") or {}
        if not isinstance(raw_synonyms, Mapping):
            raise DefinitionError(f"{path}.synonyms", "must map a word to a list of synonyms")
        for canonical, variants in raw_synonyms.items():
            spot = f"{path}.synonyms.{canonical}"
            if canonical not in clean:
                raise DefinitionError(spot, "synonyms must belong to a word of the list")
            if not isinstance(variants, list) or not all(
                isinstance(v, str) and v.strip() for v in variants
            ):
                raise DefinitionError(spot, "must be a list of non-empty strings")
            for variant in variants:
                synonyms[variant.strip()] = canonical
        description = body.get("description") or ""
        if not isinstance(description, str):
            raise DefinitionError(f"{path}.description", "must be a string")
        out[name] = Lexicon(name, tuple(clean), synonyms, description)
    return out
