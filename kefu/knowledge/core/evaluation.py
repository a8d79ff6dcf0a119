"""Relevance figures of a ranked search, on a labelled query set.

- MRR@k: the mean over queries of 1 / (rank of the first relevant answer), 0 when none
  of the first k answers is relevant.
- recall@k: the mean over queries of the share of its relevant answers among the first k.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def reciprocal_rank(ranked: Sequence, relevant: Collection, k: int) -> float:
    for position, item in enumerate(ranked[:k], 1):
        if item in relevant:
            return 1.0 / position
    return 0.0


def recall(ranked: Sequence, relevant: Collection, k: int) -> float:
    if not relevant:
        return 0.0
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def mrr(runs: Sequence[tuple[Sequence, Collection]], k: int = 5) -> float:
    """`runs`: (ranked answers, relevant answers) per query."""
    if not runs:
        return 0.0
    return sum(reciprocal_rank(r, rel, k) for r, rel in runs) / len(runs)


def mean_recall(runs: Sequence[tuple[Sequence, Collection]], k: int = 5) -> float:
    if not runs:
        return 0.0
    return sum(recall(r, rel, k) for r, rel in runs) / len(runs)
