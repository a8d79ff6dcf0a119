"""Classification of complaints into scene and problem (pure Python, numpy and scipy).

The input of a conversation is what its customer wrote (the agents' messages would leak
the label: their canned solutions name the problem), cleaned (cleaning.py: normalised,
synonyms replaced). The model:

* features: TF-IDF over character n-grams (1–3 by default) of the cleaned text, each
  text padded with a space at both ends, sublinear term frequency, smoothed idf,
  rows L2-normalised; the vocabulary is every n-gram seen in at least `min_df`
  training texts. Chinese has no spaces between words, so characters and their short
  runs are the words; typos and synonyms the dictionary misses still share n-grams.
  `NgramVectorizer` computes it with numpy over all texts at once (code points → ids,
  n-gram keys as integers, one sorted search), several times faster than
  scikit-learn's Python analyzer, which matters for "100,000 complaints in 10 s";
* a multinomial logistic regression with an L2 penalty (`SoftmaxRegression`), fitted
  by L-BFGS on scikit-learn's objective (``C · Σ loss + ½‖W‖²``, so `C` means the same),
  with optional balanced class weights. It gives probabilities: the confidence of a
  prediction is the probability of its problem;
* the scene is the scene of the predicted problem in the taxonomy (each problem belongs
  to one scene), with the summed probability of its problems as its confidence, so the
  two levels never disagree; `params["scene"] = "separate"` fits a second regression
  for the scene instead (docs/classification.md compares both).

No scikit-learn at run time (it is a development dependency, used by the tests as the
outside check of the metrics and of the regression). A model serialises to bytes with
numpy's ``savez`` (arrays and a JSON header, no pickle: loading stored bytes runs no code,
and a newer numpy or scipy reads them).

`evaluate` measures a model on labelled examples: stratified k-fold cross-validation and a
split by time (train on the earlier conversations, test on the later ones), accuracy and
macro-F1 per level beside a majority-class and a keyword baseline, the most confused
pairs, and coverage against accuracy at confidence thresholds (the review queue).
"""

from __future__ import annotations

import io
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from scipy import sparse

from kefu.improvement.core.cleaning import Cleaner

FORMAT = 1  # the layout of `Model.to_bytes`; a model of another format is refused
DEFAULT_PARAMS: dict[str, Any] = {
    "ngram_min": 1,
    "ngram_max": 3,
    "min_df": 2,
    "C": 10.0,
    "class_weight": "balanced",  # or None
    "max_iter": 300,
    "scene": "derived",  # or "separate"
}
# The review queue's default: predictions below this confidence go to a person.
# docs/classification.md shows the coverage / accuracy table it was chosen from.
DEFAULT_THRESHOLD = 0.6
THRESHOLDS = (0.0, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
_SEPARATOR = "\x00"  # between texts when they are vectorised together (cleaning drops it)


@dataclass(frozen=True)
class Example:
    """A labelled text: what the customer wrote (raw), its scene and problem, and when."""

    text: str
    scene: str
    problem: str
    at: datetime | date | str | None = None


@dataclass(frozen=True)
class Prediction:
    scene: str
    problem: str
    confidence: float  # probability of the problem
    scene_confidence: float


# --- features --------------------------------------------------------------------------


class NgramVectorizer:
    """TF-IDF of character n-grams, vectorised with numpy (see the module's docstring)."""

    def __init__(self, ngram_min: int = 1, ngram_max: int = 3, min_df: int = 2) -> None:
        if not 1 <= ngram_min <= ngram_max <= 4:
            raise ValueError("n-gram sizes must satisfy 1 ≤ min ≤ max ≤ 4")
        self.ngram_min, self.ngram_max, self.min_df = ngram_min, ngram_max, max(1, min_df)
        self.alphabet = np.zeros(0, dtype=np.int64)  # sorted code points; id = index + 2
        self.vocab: list[np.ndarray] = []  # per n: sorted n-gram keys
        self.idf = np.zeros(0)
        self._table: np.ndarray | None = None

    @property
    def size(self) -> int:
        return int(sum(len(v) for v in self.vocab))

    def _ids(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Character ids of all texts one after another (0 between texts, 1 unknown), and
        the text each position belongs to."""
        joined = _SEPARATOR.join(f" {text} " for text in texts) + _SEPARATOR
        codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
        if self._table is None:
            table = np.ones(0x110000, dtype=np.int32)
            table[self.alphabet] = np.arange(2, len(self.alphabet) + 2, dtype=np.int32)
            table[0] = 0
            self._table = table
        ids = self._table[codes].astype(np.int64)
        lengths = np.fromiter((len(t) + 3 for t in texts), dtype=np.int64, count=len(texts))
        doc = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        return ids, doc

    def _keys(self, ids: np.ndarray, doc: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Integer keys of the n-grams made of known characters, and their texts."""
        base = len(self.alphabet) + 2
        count = len(ids) - n + 1
        if count <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        key = ids[:count].copy()
        low = ids[:count].copy()
        for k in range(1, n):
            part = ids[k : k + count]
            key = key * base + part
            np.minimum(low, part, out=low)
        valid = low >= 2
        return key[valid], doc[:count][valid]

    def fit(self, texts: Sequence[str]) -> NgramVectorizer:
        chars = sorted(set("".join(texts)) | {" "})
        self.alphabet = np.array([ord(c) for c in chars], dtype=np.int64)
        self._table = None
        ids, doc = self._ids(texts)
        self.vocab, dfs = [], []
        for n in range(self.ngram_min, self.ngram_max + 1):
            keys, docs = self._keys(ids, doc, n)
            # document frequency: the (n-gram, text) pairs, once each, counted per n-gram
            order = np.argsort(keys, kind="stable")  # texts stay in order within a key
            keys, docs = keys[order], docs[order]
            first = np.ones(len(keys), dtype=bool)
            first[1:] = (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1])
            uniq, df = np.unique(keys[first], return_counts=True)
            keep = df >= self.min_df
            self.vocab.append(uniq[keep])
            dfs.append(df[keep])
        df_all = np.concatenate(dfs) if dfs else np.zeros(0)
        self.idf = np.log((1 + len(texts)) / (1 + df_all)) + 1.0
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        rows, cols = [], []
        ids, doc = self._ids(texts)
        offset = 0
        for n, vocab in zip(range(self.ngram_min, self.ngram_max + 1), self.vocab, strict=True):
            keys, docs = self._keys(ids, doc, n)
            if len(vocab):
                where = np.searchsorted(vocab, keys)
                where[where == len(vocab)] = 0
                found = vocab[where] == keys
                rows.append(docs[found])
                cols.append(where[found] + offset)
            offset += len(vocab)
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        counts = sparse.csr_matrix((np.ones(len(row)), (row, col)), shape=(len(texts), self.size))
        counts.sum_duplicates()
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]
        norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        return sparse.csr_matrix(sparse.diags(1.0 / norms) @ counts)

    def feature_names(self) -> list[str]:
        """The n-gram of each column, in column order."""
        base = len(self.alphabet) + 2
        names = []
        for n, vocab in zip(range(self.ngram_min, self.ngram_max + 1), self.vocab, strict=True):
            for key in vocab.tolist():
                chars = []
                for _ in range(n):
                    key, part = divmod(key, base)
                    chars.append(chr(int(self.alphabet[part - 2])))
                names.append("".join(reversed(chars)))
        return names

    def state(self) -> dict[str, np.ndarray]:
        arrays = {"alphabet": self.alphabet, "idf": self.idf}
        for i, vocab in enumerate(self.vocab):
            arrays[f"vocab{i}"] = vocab
        return arrays

    @classmethod
    def from_state(cls, params: Mapping[str, Any], arrays: Mapping[str, np.ndarray]):
        out = cls(params["ngram_min"], params["ngram_max"], params["min_df"])
        out.alphabet = arrays["alphabet"]
        out.idf = arrays["idf"]
        sizes = range(params["ngram_max"] - params["ngram_min"] + 1)
        out.vocab = [arrays[f"vocab{i}"] for i in sizes]
        return out


# --- the linear model -------------------------------------------------------------------


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """The dot product without BLAS: OpenBLAS threads a long dot product, and on a busy
    machine its threads wait for each other (ten times slower here)."""
    return float(np.multiply(a, b).sum())


def lbfgs(
    fun: Callable[[np.ndarray], tuple[float, np.ndarray]],
    x0: np.ndarray,
    max_iter: int = 300,
    *,
    memory: int = 10,
    gtol: float = 1e-5,
    ftol: float = 1e-9,
) -> tuple[np.ndarray, int]:
    """Minimise a smooth function given its value and gradient: limited-memory BFGS
    (Nocedal & Wright, algorithm 7.4, the two-loop recursion) with a backtracking line
    search on the Armijo condition. Returns the point and the iterations taken.

    Written out because scipy's L-BFGS-B spends most of its time handling bounds this
    problem does not have (tens of milliseconds per step on 100,000 weights)."""
    x = x0.copy()
    f, g = fun(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 (the count is returned)
        if float(np.abs(g).max()) <= gtol:
            break
        q = g.copy()
        alphas = []
        for s, y, rho in reversed(history):
            a = rho * _dot(s, q)
            q -= a * y
            alphas.append(a)
        if history:
            s, y, _ = history[-1]
            q *= _dot(s, y) / _dot(y, y)
        else:
            q /= max(1.0, math.sqrt(_dot(g, g)))
        for (s, y, rho), a in zip(history, reversed(alphas), strict=True):
            q += s * (a - rho * _dot(y, q))
        direction = -q
        slope = _dot(g, direction)
        if slope >= 0:  # not a descent direction: start again from the gradient
            history.clear()
            direction = -g / max(1.0, math.sqrt(_dot(g, g)))
            slope = _dot(g, direction)
        step = 1.0
        while True:
            x_new = x + step * direction
            f_new, g_new = fun(x_new)
            if f_new <= f + 1e-4 * step * slope or step < 1e-10:
                break
            step *= 0.5
        s, y = x_new - x, g_new - g
        sy = _dot(s, y)
        if sy > 1e-12:
            history.append((s, y, 1.0 / sy))
            if len(history) > memory:
                history.pop(0)
        done = f - f_new <= ftol * max(1.0, abs(f))
        x, f, g = x_new, f_new, g_new
        if done:
            break
    return x, iteration


class SoftmaxRegression:
    """Multinomial logistic regression, L2-penalised: minimises
    ``C · Σᵢ wᵢ · (−log pᵢ[yᵢ]) + ½‖W‖²`` (the intercepts are not penalised), as
    scikit-learn's LogisticRegression(C=C) does, by L-BFGS."""

    def __init__(self, C: float = 10.0, max_iter: int = 300) -> None:
        self.C, self.max_iter = C, max_iter
        self.coef = np.zeros((0, 0))  # features × classes
        self.intercept = np.zeros(0)
        self.iterations = 0

    def fit(
        self, X: sparse.csr_matrix, y: np.ndarray, classes: int, balanced: bool = False
    ) -> SoftmaxRegression:
        n, d = X.shape
        weights = np.ones(n)
        if balanced:
            counts = np.bincount(y, minlength=classes).astype(float)
            present = counts > 0
            per_class = np.zeros(classes)
            per_class[present] = n / (present.sum() * counts[present])
            weights = per_class[y]
        Y = np.zeros((n, classes))
        Y[np.arange(n), y] = 1.0
        scale = weights.sum()  # the objective divided by C·Σw: same minimum, tamer numbers
        XT = sparse.csr_matrix(X.T)

        def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
            W = flat[: d * classes].reshape(d, classes)
            b = flat[d * classes :]
            Z = X @ W + b
            Z -= Z.max(axis=1, keepdims=True)
            logsum = np.log(np.exp(Z).sum(axis=1))
            loss = _dot(weights, logsum - (Z * Y).sum(axis=1))
            P = np.exp(Z - logsum[:, None])
            G = (P - Y) * weights[:, None]
            grad_W = XT @ G + W / self.C
            value = loss / scale + 0.5 * float((W * W).sum()) / (self.C * scale)
            grad = np.concatenate([(grad_W / scale).ravel(), G.sum(axis=0) / scale])
            return value, grad

        x, self.iterations = lbfgs(objective, np.zeros(d * classes + classes), self.max_iter)
        self.coef = x[: d * classes].reshape(d, classes)
        self.intercept = x[d * classes :]
        return self

    def predict_proba(self, X: sparse.csr_matrix) -> np.ndarray:
        Z = X @ self.coef + self.intercept
        Z -= Z.max(axis=1, keepdims=True)
        P = np.exp(Z)
        P /= P.sum(axis=1, keepdims=True)
        return P


# --- the model ---------------------------------------------------------------------------


@dataclass
class Model:
    """A fitted classifier: cleaning, features, regression(s) and the labels."""

    params: dict[str, Any]
    synonyms: dict[str, str]
    problems: tuple[str, ...]
    problem_scene: dict[str, str]  # each problem's scene (taxonomy, from the examples)
    scenes: tuple[str, ...]
    vectorizer: NgramVectorizer
    problem_model: SoftmaxRegression
    scene_model: SoftmaxRegression | None = None
    trained_on: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # examples per problem
    _cleaner: Cleaner | None = field(default=None, repr=False)

    @property
    def cleaner(self) -> Cleaner:
        if self._cleaner is None:
            self._cleaner = Cleaner(self.synonyms)
        return self._cleaner

    def info(self) -> dict[str, Any]:
        """What the model is (for display and storage beside its bytes)."""
        return {
            "format": FORMAT,
            "params": dict(self.params),
            "trained_on": self.trained_on,
            "problems": list(self.problems),
            "scenes": list(self.scenes),
            "features": self.vectorizer.size,
            "iterations": self.problem_model.iterations,
            "synonyms": len(self.synonyms),
        }

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Scene, problem and confidence for each raw text (cleaned here)."""
        return self.predict_cleaned(self.cleaner.clean_many(texts))

    def predict_cleaned(self, texts: Sequence[str]) -> list[Prediction]:
        if not texts:
            return []
        X = self.vectorizer.transform(texts)
        P = self.problem_model.predict_proba(X)
        best = P.argmax(axis=1)
        confidence = P[np.arange(len(texts)), best]
        if self.scene_model is not None:
            S = self.scene_model.predict_proba(X)
            scene_best = S.argmax(axis=1)
            scene_names = [self.scenes[i] for i in scene_best]
            scene_conf = S[np.arange(len(texts)), scene_best]
        else:
            scene_of = np.array([self.scenes.index(self.problem_scene[p]) for p in self.problems])
            S = np.zeros((len(texts), len(self.scenes)))
            for j, s in enumerate(scene_of):
                S[:, s] += P[:, j]
            scene_names = [self.problem_scene[self.problems[i]] for i in best]
            scene_conf = S[np.arange(len(texts)), scene_of[best]]
        return [
            Prediction(scene_names[i], self.problems[best[i]], float(confidence[i]),
                       float(scene_conf[i]))
            for i in range(len(texts))
        ]  # fmt: skip

    # --- bytes ---------------------------------------------------------------------------
    def to_bytes(self) -> bytes:
        header = {
            "format": FORMAT,
            "params": self.params,
            "synonyms": self.synonyms,
            "problems": list(self.problems),
            "problem_scene": self.problem_scene,
            "scenes": list(self.scenes),
            "trained_on": self.trained_on,
            "counts": self.counts,
            "iterations": self.problem_model.iterations,
            "C": self.problem_model.C,
        }
        arrays = dict(self.vectorizer.state())
        arrays["problem_coef"] = self.problem_model.coef
        arrays["problem_intercept"] = self.problem_model.intercept
        if self.scene_model is not None:
            arrays["scene_coef"] = self.scene_model.coef
            arrays["scene_intercept"] = self.scene_model.intercept
        arrays["header"] = np.frombuffer(
            json.dumps(header, ensure_ascii=False).encode(), dtype=np.uint8
        )
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> Model:
        with np.load(io.BytesIO(data), allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        header = json.loads(arrays.pop("header").tobytes().decode())
        if header.get("format") != FORMAT:
            raise ValueError(f"model format {header.get('format')!r}, expected {FORMAT}")
        params = header["params"]

        def regression(prefix: str) -> SoftmaxRegression:
            model = SoftmaxRegression(header["C"], params["max_iter"])
            model.coef = arrays[f"{prefix}_coef"]
            model.intercept = arrays[f"{prefix}_intercept"]
            model.iterations = header["iterations"]
            return model

        return cls(
            params=params,
            synonyms=header["synonyms"],
            problems=tuple(header["problems"]),
            problem_scene=header["problem_scene"],
            scenes=tuple(header["scenes"]),
            vectorizer=NgramVectorizer.from_state(params, arrays),
            problem_model=regression("problem"),
            scene_model=regression("scene") if "scene_coef" in arrays else None,
            trained_on=header["trained_on"],
            counts=header["counts"],
        )


def _params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    out = dict(DEFAULT_PARAMS)
    unknown = set(params or {}) - set(out)
    if unknown:
        raise ValueError(f"unknown parameter(s): {', '.join(sorted(unknown))}")
    out.update(params or {})
    if out["scene"] not in ("derived", "separate"):
        raise ValueError("scene must be 'derived' or 'separate'")
    return out


def problem_scenes(examples: Iterable[Example]) -> dict[str, str]:
    """Each problem's scene: the one its examples name most often (a tree taxonomy)."""
    seen: dict[str, Counter[str]] = defaultdict(Counter)
    for example in examples:
        seen[example.problem][example.scene] += 1
    return {problem: scenes.most_common(1)[0][0] for problem, scenes in seen.items()}


def train(
    examples: Sequence[Example],
    params: Mapping[str, Any] | None = None,
    synonyms: Mapping[str, str] | None = None,
    *,
    cleaned: Sequence[str] | None = None,
) -> Model:
    """A model fitted on labelled examples (raw texts; `cleaned`: the same texts already
    cleaned with `synonyms`, to skip cleaning them again)."""
    if not examples:
        raise ValueError("no examples to train on")
    p = _params(params)
    cleaner = Cleaner(synonyms)
    texts = list(cleaned) if cleaned is not None else cleaner.clean_many(e.text for e in examples)
    mapping = problem_scenes(examples)
    problems = tuple(sorted(mapping))
    scenes = tuple(sorted(set(mapping.values()) | {e.scene for e in examples}))
    vectorizer = NgramVectorizer(p["ngram_min"], p["ngram_max"], p["min_df"]).fit(texts)
    X = vectorizer.transform(texts)
    balanced = p["class_weight"] == "balanced"
    index = {name: i for i, name in enumerate(problems)}
    y = np.array([index[e.problem] for e in examples])
    problem_model = SoftmaxRegression(p["C"], p["max_iter"]).fit(X, y, len(problems), balanced)
    scene_model = None
    if p["scene"] == "separate":
        scene_index = {name: i for i, name in enumerate(scenes)}
        ys = np.array([scene_index[e.scene] for e in examples])
        scene_model = SoftmaxRegression(p["C"], p["max_iter"]).fit(X, ys, len(scenes), balanced)
    return Model(
        params=p,
        synonyms=dict(cleaner.synonyms),
        problems=problems,
        problem_scene=mapping,
        scenes=scenes,
        vectorizer=vectorizer,
        problem_model=problem_model,
        scene_model=scene_model,
        trained_on=len(examples),
        counts=dict(Counter(e.problem for e in examples)),
        _cleaner=cleaner,
    )


# --- measuring ---------------------------------------------------------------------------


def accuracy(truth: Sequence[str], predicted: Sequence[str]) -> float:
    if not truth:
        return math.nan
    return sum(a == b for a, b in zip(truth, predicted, strict=True)) / len(truth)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """The mean over labels (those of the truth and of the predictions) of each label's F1,
    0 where it is undefined (scikit-learn's f1_score(average="macro"))."""
    labels = set(truth) | set(predicted)
    if not labels:
        return math.nan
    scores = []
    for label in labels:
        tp = sum(a == label == b for a, b in zip(truth, predicted, strict=True))
        fp = sum(b == label != a for a, b in zip(truth, predicted, strict=True))
        fn = sum(a == label != b for a, b in zip(truth, predicted, strict=True))
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def stratified_folds(labels: Sequence[str], folds: int, seed: int = 0) -> list[list[int]]:
    """Indices of each test fold: every label's examples shuffled (seeded) and dealt
    round-robin, so each fold holds about 1/k of every label."""
    if folds < 2:
        raise ValueError("at least 2 folds")
    by_label: dict[str, list[int]] = defaultdict(list)
    for i, label in enumerate(labels):
        by_label[label].append(i)
    rng = random.Random(seed)
    out: list[list[int]] = [[] for _ in range(folds)]
    dealt = 0
    for label in sorted(by_label):
        members = by_label[label]
        rng.shuffle(members)
        for i in members:
            out[dealt % folds].append(i)
            dealt += 1
    return [sorted(fold) for fold in out]


def keyword_predictions(
    model_problems: Sequence[str],
    problem_scene: Mapping[str, str],
    majority: str,
    cleaned: Sequence[str],
    cleaner: Cleaner,
) -> list[tuple[str, str]]:
    """The plain keyword baseline: the problem whose name (normalised, so the synonym
    dictionary's variants of it count) the cleaned text names most often; none: the
    majority problem. Its scene is the problem's."""
    names = [(problem, cleaner.clean(problem)) for problem in model_problems]
    out = []
    for text in cleaned:
        hits = [(text.count(name), problem) for problem, name in names if name]
        count, problem = max(hits, default=(0, majority))
        if count == 0:
            problem = majority
        out.append((problem_scene.get(problem, ""), problem))
    return out


@dataclass
class Scores:
    """Accuracy and macro-F1 of one method at both levels."""

    scene_accuracy: float
    scene_f1: float
    problem_accuracy: float
    problem_f1: float

    @classmethod
    def of(cls, truth: Sequence[Example], predicted: Sequence[tuple[str, str]]) -> Scores:
        scenes = [e.scene for e in truth]
        problems = [e.problem for e in truth]
        return cls(
            accuracy(scenes, [s for s, _ in predicted]),
            macro_f1(scenes, [s for s, _ in predicted]),
            accuracy(problems, [p for _, p in predicted]),
            macro_f1(problems, [p for _, p in predicted]),
        )


@dataclass
class Evaluation:
    examples: int
    folds: int
    params: dict[str, Any]
    cv: dict[str, Scores]  # "model", "majority", "keyword"
    holdout: dict[str, Scores]
    holdout_from: str  # the first moment of the test period
    holdout_sizes: tuple[int, int]  # train, test
    thresholds: list[dict[str, float]]  # threshold, coverage, accuracy (above), below
    confusions: list[tuple[str, str, int]]  # true problem, predicted, count (cv)
    per_problem: dict[str, dict[str, float]]  # support, precision, recall, f1 (cv)
    cv_predictions: list[Prediction] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        def scores(table: Mapping[str, Scores]) -> dict[str, dict[str, float]]:
            return {name: vars(s) for name, s in table.items()}

        return {
            "examples": self.examples,
            "folds": self.folds,
            "params": self.params,
            "cross_validated": scores(self.cv),
            "held_out_by_time": scores(self.holdout),
            "held_out_from": self.holdout_from,
            "held_out_sizes": {"train": self.holdout_sizes[0], "test": self.holdout_sizes[1]},
            "thresholds": self.thresholds,
            "confusions": [list(c) for c in self.confusions],
            "per_problem": self.per_problem,
        }


def _when(value: datetime | date | str | None) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def threshold_table(
    truth: Sequence[str], predictions: Sequence[Prediction], thresholds=THRESHOLDS
) -> list[dict[str, float]]:
    """Per threshold: the share of predictions at or above it (decided automatically),
    their accuracy, and the accuracy of those below (sent to review)."""
    rows = []
    for t in thresholds:
        above = [(a, p.problem) for a, p in zip(truth, predictions, strict=True)
                 if p.confidence >= t]  # fmt: skip
        below = [(a, p.problem) for a, p in zip(truth, predictions, strict=True)
                 if p.confidence < t]  # fmt: skip
        rows.append(
            {
                "threshold": t,
                "coverage": len(above) / len(truth) if truth else math.nan,
                "accuracy": accuracy([a for a, _ in above], [b for _, b in above]),
                "accuracy_below": accuracy([a for a, _ in below], [b for _, b in below]),
            }
        )
    return rows


def evaluate(
    examples: Sequence[Example],
    *,
    folds: int = 5,
    seed: int = 0,
    params: Mapping[str, Any] | None = None,
    synonyms: Mapping[str, str] | None = None,
    holdout_from: datetime | date | str | None = None,
    holdout_share: float = 0.25,
) -> Evaluation:
    """Cross-validated and held-out-by-time figures of the model and the baselines.

    The split by time tests on the examples at or after `holdout_from` (default: the
    latest `holdout_share` of them) and trains on the earlier ones."""
    if len(examples) < folds:
        raise ValueError(f"{len(examples)} examples: too few for {folds} folds")
    p = _params(params)
    cleaner = Cleaner(synonyms)
    cleaned = cleaner.clean_many(e.text for e in examples)

    def run(train_idx: Sequence[int], test_idx: Sequence[int]):
        train_ex = [examples[i] for i in train_idx]
        model = train(train_ex, p, synonyms, cleaned=[cleaned[i] for i in train_idx])
        predictions = model.predict_cleaned([cleaned[i] for i in test_idx])
        majority = Counter(e.problem for e in train_ex).most_common(1)[0][0]
        scenes = problem_scenes(train_ex)
        keyword = keyword_predictions(
            model.problems, scenes, majority, [cleaned[i] for i in test_idx], cleaner
        )
        return predictions, majority, scenes, keyword

    # cross-validation: out-of-fold predictions for every example
    oof: list[Prediction | None] = [None] * len(examples)
    oof_majority: list[tuple[str, str]] = [("", "")] * len(examples)
    oof_keyword: list[tuple[str, str]] = [("", "")] * len(examples)
    for test_idx in stratified_folds([e.problem for e in examples], folds, seed):
        test_set = set(test_idx)
        train_idx = [i for i in range(len(examples)) if i not in test_set]
        predictions, majority, scenes, keyword = run(train_idx, test_idx)
        for i, prediction, kw in zip(test_idx, predictions, keyword, strict=True):
            oof[i] = prediction
            oof_majority[i] = (scenes[majority], majority)
            oof_keyword[i] = kw
    predictions_cv = [p_ for p_ in oof if p_ is not None]
    cv = {
        "model": Scores.of(examples, [(q.scene, q.problem) for q in predictions_cv]),
        "majority": Scores.of(examples, oof_majority),
        "keyword": Scores.of(examples, oof_keyword),
    }

    # held out by time
    order = sorted(range(len(examples)), key=lambda i: _when(examples[i].at))
    if holdout_from is None:
        cut = order[min(len(order) - 1, int(len(order) * (1 - holdout_share)))]
        start = _when(examples[cut].at)
    else:
        start = _when(holdout_from)
    train_idx = [i for i in order if _when(examples[i].at) < start]
    test_idx = [i for i in order if _when(examples[i].at) >= start]
    holdout: dict[str, Scores] = {}
    if train_idx and test_idx:
        predictions, majority, scenes, keyword = run(train_idx, test_idx)
        test_ex = [examples[i] for i in test_idx]
        holdout = {
            "model": Scores.of(test_ex, [(q.scene, q.problem) for q in predictions]),
            "majority": Scores.of(test_ex, [(scenes[majority], majority)] * len(test_ex)),
            "keyword": Scores.of(test_ex, keyword),
        }

    truth = [e.problem for e in examples]
    pairs = Counter(
        (a, q.problem) for a, q in zip(truth, predictions_cv, strict=True) if a != q.problem
    )
    per_problem = {}
    for label in sorted(set(truth)):
        tp = sum(a == label == q.problem for a, q in zip(truth, predictions_cv, strict=True))
        predicted = sum(q.problem == label for q in predictions_cv)
        support = truth.count(label)
        precision = tp / predicted if predicted else 0.0
        recall = tp / support
        f1 = 2 * tp / (predicted + support) if tp else 0.0
        per_problem[label] = {"support": support, "precision": precision, "recall": recall,
                              "f1": f1}  # fmt: skip
    return Evaluation(
        examples=len(examples),
        folds=folds,
        params=p,
        cv=cv,
        holdout=holdout,
        holdout_from=start,
        holdout_sizes=(len(train_idx), len(test_idx)),
        thresholds=threshold_table(truth, predictions_cv),
        confusions=[(a, b, n) for (a, b), n in pairs.most_common(10)],
        per_problem=per_problem,
        cv_predictions=predictions_cv,
    )
