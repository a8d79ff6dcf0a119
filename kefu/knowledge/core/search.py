"""Full-text search of the knowledge base: an in-memory BM25F index (pure Python + numpy).

Three fields, weighted: the title (3), the keys (2: tags, scene and problem, the problem
as customers say it, and the canonical synonyms found anywhere in the article) and the
body (1: text, KCS cause and resolution, SOP steps, snippet). BM25F (Robertson &
Zaragoza 2009): per term, the field frequencies are length-normalised per field
(b = 0.75), weighted and summed, then saturated once (k1 = 1.2) and multiplied by the
idf `ln(1 + (N - df + 0.5) / (df + 0.5))`. The score of every (term, document) pair is
computed when the index is built (the "eager" scoring of bm25s), so a query is a sum of
a few sparse rows: numpy adds them, masks the filters and picks the top k.

Query terms: bigrams and Latin words weigh 1, single characters `UNIGRAM_WEIGHT`, the
tokens of the canonical words the synonym dictionary finds in the query `SYNONYM_WEIGHT`.
A document is a result only if it matches at least one term that is not a single
character (a query that matches nothing but characters is "not found").

Building re-uses the analysed fields of documents whose `stamp` did not change, so the
index of a process is rebuilt cheaply after an edit (see kefu/knowledge/search.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from kefu.knowledge.core.text import Analyzer, is_unigram, normalise, tokens

FIELDS = ("title", "keys", "body")
FIELD_WEIGHTS = {"title": 3.0, "keys": 2.0, "body": 1.0}
K1 = 1.2
B = 0.75
UNIGRAM_WEIGHT = 0.2
SYNONYM_WEIGHT = 1.0


@dataclass(frozen=True)
class Doc:
    """One article as the index sees it (plain data)."""

    id: int
    title: str
    body: str = ""
    keys: Sequence[str] = ()  # tags, scene, problem, the customer's wording
    kind: str = ""
    scene: str = ""
    tags: Sequence[str] = ()
    stamp: str = ""  # changes when the article changes (re-analysed then)


@dataclass(frozen=True)
class Hit:
    id: int
    score: float


@dataclass(frozen=True)
class Query:
    terms: dict[str, float]  # token → weight
    strong: frozenset[str]  # the tokens that make a document a result
    canonical: tuple[str, ...]  # synonym dictionary words found in the query


@dataclass
class _Analysed:
    stamp: str
    counts: dict[str, Counter[str]]
    lengths: dict[str, int]


@dataclass
class Index:
    """Build with `Index.build(docs, analyzer)`; ask with `search`."""

    analyzer: Analyzer
    ids: np.ndarray  # position → doc id
    kinds: np.ndarray
    scenes: np.ndarray
    tags: list[frozenset[str]]
    vocabulary: dict[str, int]
    offsets: np.ndarray  # term id → [offsets[t], offsets[t + 1]) in postings
    post_docs: np.ndarray
    post_scores: np.ndarray
    analysed: dict[int, _Analysed] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.ids.shape[0])

    # --- building --------------------------------------------------------------------------
    @classmethod
    def build(cls, docs: Iterable[Doc], analyzer: Analyzer, previous: Index | None = None) -> Index:
        docs = list(docs)
        reuse = previous.analysed if previous is not None else {}
        analysed: dict[int, _Analysed] = {}
        for doc in docs:
            old = reuse.get(doc.id)
            analysed[doc.id] = (
                old if old is not None and old.stamp == doc.stamp else _analyse(doc, analyzer)
            )
        n = len(docs)
        avg = {
            f: (sum(analysed[d.id].lengths[f] for d in docs) / n if n else 0.0) or 1.0
            for f in FIELDS
        }
        # weighted, length-normalised frequency per (term, document)
        vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        vals: list[float] = []
        for position, doc in enumerate(docs):
            a = analysed[doc.id]
            pseudo: dict[str, float] = {}
            for f in FIELDS:
                norm = FIELD_WEIGHTS[f] / (1 - B + B * a.lengths[f] / avg[f])
                for term, count in a.counts[f].items():
                    pseudo[term] = pseudo.get(term, 0.0) + count * norm
            for term, weighted in pseudo.items():
                tid = vocabulary.setdefault(term, len(vocabulary))
                rows.append(tid)
                cols.append(position)
                vals.append(weighted)
        term_ids = np.asarray(rows, dtype=np.int32)
        order = np.argsort(term_ids, kind="stable")
        term_ids = term_ids[order]
        post_docs = np.asarray(cols, dtype=np.int32)[order]
        tf = np.asarray(vals, dtype=np.float64)[order]
        df = np.bincount(term_ids, minlength=len(vocabulary)).astype(np.float64)
        idf = np.log(1.0 + (n - df + 0.5) / (df + 0.5))
        scores = (idf[term_ids] * tf * (K1 + 1) / (tf + K1)).astype(np.float32)
        offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=offsets[1:])
        return cls(
            analyzer=analyzer,
            ids=np.asarray([d.id for d in docs], dtype=np.int64),
            kinds=np.asarray([d.kind for d in docs], dtype=object),
            scenes=np.asarray([d.scene for d in docs], dtype=object),
            tags=[frozenset(d.tags) for d in docs],
            vocabulary=vocabulary,
            offsets=offsets,
            post_docs=post_docs,
            post_scores=scores,
            analysed=analysed,
        )

    # --- asking ----------------------------------------------------------------------------
    def query(self, text: str) -> Query:
        return parse_query(text, self.analyzer)

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        kind: str | None = None,
        scene: str | None = None,
        tag: str | None = None,
    ) -> list[Hit]:
        """The best `limit` documents for `text` (filtered), best first."""
        q = self.query(text)
        if not q.terms or not self.size:
            return []
        scores = np.zeros(self.size, dtype=np.float32)
        strong = np.zeros(self.size, dtype=bool)
        for term, weight in q.terms.items():
            tid = self.vocabulary.get(term)
            if tid is None:
                continue
            start, end = self.offsets[tid], self.offsets[tid + 1]
            docs = self.post_docs[start:end]
            scores[docs] += weight * self.post_scores[start:end]
            if term in q.strong:
                strong[docs] = True
        if kind:
            strong &= self.kinds == kind
        if scene:
            strong &= self.scenes == scene
        if tag:
            strong &= np.fromiter((tag in t for t in self.tags), dtype=bool, count=self.size)
        candidates = np.flatnonzero(strong)
        if candidates.size == 0:
            return []
        chosen = scores[candidates]
        if candidates.size > limit:
            top = np.argpartition(-chosen, limit - 1)[:limit]
            candidates, chosen = candidates[top], chosen[top]
        # best first; ties by id so that answers are stable
        order = sorted(
            range(candidates.size), key=lambda i: (-float(chosen[i]), int(self.ids[candidates[i]]))
        )
        return [Hit(int(self.ids[candidates[i]]), float(chosen[i])) for i in order]


def _analyse(doc: Doc, analyzer: Analyzer) -> _Analysed:
    title = normalise(doc.title)
    keys = normalise(" ".join(doc.keys))
    body = normalise(doc.body)
    canonical = analyzer.canonical(" ".join((title, keys, body)), normalised=True)
    counts = {
        "title": Counter(tokens(title, normalised=True)),
        "keys": Counter(tokens(keys, normalised=True) + tokens(" ".join(canonical))),
        "body": Counter(tokens(body, normalised=True)),
    }
    return _Analysed(doc.stamp, counts, {f: sum(c.values()) for f, c in counts.items()})


def parse_query(text: str, analyzer: Analyzer) -> Query:
    text = normalise(text)
    terms: dict[str, float] = {}
    strong: set[str] = set()
    for token in tokens(text, normalised=True):
        if is_unigram(token):
            terms.setdefault(token, UNIGRAM_WEIGHT)
        else:
            terms[token] = 1.0
            strong.add(token)
    canonical = tuple(analyzer.canonical(text, normalised=True))
    for word in canonical:
        for token in tokens(word, normalised=True):
            if is_unigram(token):
                continue
            terms[token] = max(terms.get(token, 0.0), SYNONYM_WEIGHT)
            strong.add(token)
    if not strong:  # a one-character query: its characters are all there is
        strong = set(terms)
    return Query(terms, frozenset(strong), canonical)


# --- highlighting ----------------------------------------------------------------------------
def highlight_terms(text: str, analyzer: Analyzer) -> list[str]:
    """What to mark in a result for query `text`: its bigrams and words, and every
    surface form of the synonym dictionary words found in it (longest first)."""
    q = parse_query(text, analyzer)
    marks = {t for t in q.terms if not is_unigram(t)} or set(q.terms)
    marks.update(analyzer.expand(q.canonical))
    return sorted(marks, key=lambda m: (-len(m), m))


def highlight(text: str, terms: Sequence[str], width: int | None = None) -> list[tuple[str, bool]]:
    """`text` cut into (segment, marked) pieces where any of `terms` occurs (case-
    insensitive); with `width`, only the window of that many characters holding the most
    marked characters (… at a cut end)."""
    if not text:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare character whose lower case is longer
        lowered = text
    marked = [False] * len(text)
    for term in terms:
        if not term:
            continue
        start = lowered.find(term)
        while start >= 0:
            for i in range(start, start + len(term)):
                marked[i] = True
            start = lowered.find(term, start + 1)
    lo, hi = 0, len(text)
    if width is not None and len(text) > width:
        best, best_at = -1, 0
        running = sum(marked[:width])
        best, best_at = running, 0
        for i in range(1, len(text) - width + 1):
            running += marked[i + width - 1] - marked[i - 1]
            if running > best:
                best, best_at = running, i
        lo, hi = best_at, best_at + width
    pieces: list[tuple[str, bool]] = []
    if lo > 0:
        pieces.append(("…", False))
    i = lo
    while i < hi:
        j = i
        while j < hi and marked[j] == marked[i]:
            j += 1
        pieces.append((text[i:j], marked[i]))
        i = j
    if hi < len(text):
        pieces.append(("…", False))
    return pieces


# --- the plain baseline the evaluation compares with -------------------------------------
def baseline_rank(text: str, docs: Sequence[Doc], limit: int = 10) -> list[int]:
    """Substring matching without idf, fields or synonyms: documents ranked by how many of
    the query's bigrams and words occur in their title and body (ties: title matches
    first, then id)."""
    terms = {t for t in tokens(text) if not is_unigram(t)}
    if not terms:
        return []
    scored = []
    for doc in docs:
        title, body = normalise(doc.title), normalise(doc.body)
        in_title = sum(1 for t in terms if t in title)
        count = sum(1 for t in terms if t in title or t in body)
        if count:
            scored.append((-count, -in_title, doc.id))
    scored.sort()
    return [doc_id for _c, _t, doc_id in scored[:limit]]


def idf(n: int, df: int) -> float:
    """The idf of BM25 as the index computes it (for tests and docs)."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))
