"""Target: the QA sentiment scorer ≤ 20 µs per customer message, and how accurate it is.

Scores the labelled Chinese sets in kefu/qa/data/sentiment/: eval_zh.tsv (held out, never
used to tune the lexicons) and dev_zh.tsv (used while tuning). Prints accuracy, per-class
precision / recall / F1, macro-F1, the confusion matrix, and the binary "negative vs not"
figures that the QA indicators rely on, then the speed over the eval sentences.

    .venv/bin/python benchmarks/bench_sentiment.py [--errors dev|eval] [--rounds 20]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _common import ROOT, verdict

sys.path.insert(0, str(ROOT))

from kefu.qa.core.sentiment import (
    DATA_DIR,
    NEGATIVE_THRESHOLD,
    SentimentScorer,
    default_scorer,
)

TARGET_US = 20.0
LABELS = ("negative", "neutral", "positive")


def load(path: Path) -> list[tuple[str, str]]:
    """(label, text) pairs of a `label<TAB>text` file; # lines are comments."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def evaluate(scorer: SentimentScorer, rows: list[tuple[str, str]]) -> dict:
    pairs = [(gold, scorer.score(text).label) for gold, text in rows]
    per_class = {}
    for label in LABELS:
        tp = sum(1 for g, p in pairs if g == label and p == label)
        precision = ratio(tp, sum(1 for _, p in pairs if p == label))
        recall = ratio(tp, sum(1 for g, _ in pairs if g == label))
        f1 = ratio(2 * precision * recall, precision + recall) if precision + recall else 0.0
        per_class[label] = (precision, recall, f1)
    neg_tp = sum(1 for g, p in pairs if g == p == "negative")
    return {
        "n": len(pairs),
        "accuracy": ratio(sum(1 for g, p in pairs if g == p), len(pairs)),
        "per_class": per_class,
        "macro_f1": sum(f for _, _, f in per_class.values()) / len(LABELS),
        "confusion": {(g, p): sum(1 for x in pairs if x == (g, p)) for g in LABELS for p in LABELS},
        "neg_accuracy": ratio(
            sum(1 for g, p in pairs if (g == "negative") == (p == "negative")), len(pairs)
        ),
        "neg_precision": ratio(neg_tp, sum(1 for _, p in pairs if p == "negative")),
        "neg_recall": ratio(neg_tp, sum(1 for g, _ in pairs if g == "negative")),
    }


def report(name: str, rows: list[tuple[str, str]], scorer: SentimentScorer) -> dict:
    r = evaluate(scorer, rows)
    counts = ", ".join(f"{lb} {sum(1 for g, _ in rows if g == lb)}" for lb in LABELS)
    print(f"\n{name}: {r['n']} sentences ({counts})")
    print(f"  accuracy {r['accuracy']:.3f}   macro-F1 {r['macro_f1']:.3f}")
    for label, (p, rc, f) in r["per_class"].items():
        print(f"  {label:<9} precision {p:.3f}  recall {rc:.3f}  F1 {f:.3f}")
    print("  confusion (rows gold, columns predicted: neg neu pos)")
    for g in LABELS:
        print(f"    {g:<9} " + " ".join(f"{r['confusion'][g, p]:>4}" for p in LABELS))
    print(
        f"  negative vs not (score < {NEGATIVE_THRESHOLD}): accuracy {r['neg_accuracy']:.3f}  "
        f"precision {r['neg_precision']:.3f}  recall {r['neg_recall']:.3f}"
    )
    return r


def errors(rows: list[tuple[str, str]], scorer: SentimentScorer) -> None:
    for gold, text in rows:
        result = scorer.score(text)
        if result.label != gold:
            print(f"  {gold:<8} → {result.label:<8} {result.score:+.2f}  {text}  {result.words}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", choices=("dev", "eval"), help="list the misclassified")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    started = time.perf_counter()
    scorer = SentimentScorer()
    build_ms = (time.perf_counter() - started) * 1000
    lex = scorer.lexicon
    print(
        f"lexicon: {len(lex.words)} words ({sum(1 for w in lex.words.values() if w < 0)} "
        f"negative, {sum(1 for w in lex.words.values() if w > 0)} positive), "
        f"{len(lex.negations)} negations, {len(lex.degrees)} degree words; "
        f"built in {build_ms:.0f} ms"
    )
    sets = {name: load(DATA_DIR / f"{name}_zh.tsv") for name in ("eval", "dev")}
    report("eval_zh.tsv (held out)", sets["eval"], scorer)
    report("dev_zh.tsv (used for tuning)", sets["dev"], scorer)
    if args.errors:
        print(f"\nmisclassified in {args.errors}_zh.tsv:")
        errors(sets[args.errors], scorer)

    texts = [text for _, text in sets["eval"]]
    score = default_scorer().score
    best = float("inf")
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        for text in texts:
            score(text)
        best = min(best, time.perf_counter() - t0)
    us = best / len(texts) * 1e6
    mean_len = sum(map(len, texts)) / len(texts)
    print(
        f"\nspeed: {us:.1f} µs per message (best of {args.rounds} rounds over {len(texts)} "
        f"eval sentences, {mean_len:.0f} characters on average)"
    )
    print(f"target: ≤ {TARGET_US:.0f} µs per message → {us:.1f} µs {verdict(us <= TARGET_US)}")


if __name__ == "__main__":
    main()
