"""Articles and labelled queries as data files (the shipped demo knowledge base and the
relevance set), and the evaluation run over them (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from kefu.knowledge.core import evaluation, sop
from kefu.knowledge.core.search import Doc, Index, baseline_rank
from kefu.knowledge.core.text import Analyzer

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ARTICLES_FILE = DATA_DIR / "demo_articles.yaml"
QUERIES_FILE = DATA_DIR / "queries.yaml"
BODY_FIELDS = ("body", "environment", "cause", "resolution", "snippet")


def load(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return list(yaml.safe_load(handle) or [])


def doc_of_data(doc_id: int, data: Mapping[str, Any]) -> Doc:
    """The index's view of an article in its data form (as `search.doc_of` for rows)."""
    steps = sop.parse_text(data["steps"]) if data.get("steps") else []
    body = "\n".join(p for p in [*(data.get(f) or "" for f in BODY_FIELDS), sop.plain(steps)] if p)
    tags = [str(t) for t in data.get("tags") or []]
    keys = [*tags, data.get("scene") or "", data.get("problem") or "", data.get("issue") or ""]
    return Doc(
        id=doc_id,
        title=data["title"],
        body=body,
        keys=[k for k in keys if k],
        kind=data.get("kind", "faq"),
        scene=data.get("scene") or "",
        tags=tuple(tags),
        stamp=str(doc_id),
    )


@dataclass(frozen=True)
class Figures:
    method: str
    split: str
    queries: int
    mrr: float
    recall: float
    misses: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...]  # query, expected, got


def split_of(position: int) -> str:
    return "dev" if position % 2 == 0 else "test"


def evaluate(
    articles: Sequence[Mapping[str, Any]],
    queries: Sequence[Mapping[str, Any]],
    analyzer: Analyzer,
    k: int = 5,
) -> list[Figures]:
    """MRR@k and recall@k of the search and of the plain baseline, per split and in all."""
    keys = [a["key"] for a in articles]
    docs = [doc_of_data(i, a) for i, a in enumerate(articles)]
    index = Index.build(docs, analyzer)
    methods = {
        "bm25f": lambda q: [keys[h.id] for h in index.search(q, limit=k)],
        "baseline": lambda q: [keys[i] for i in baseline_rank(q, docs, limit=k)],
    }
    out: list[Figures] = []
    for method, rank in methods.items():
        runs: dict[str, list[tuple[str, list[str], list[str]]]] = {"dev": [], "test": []}
        for position, query in enumerate(queries):
            runs[split_of(position)].append((query["q"], rank(query["q"]), list(query["expect"])))
        runs["all"] = runs["dev"] + runs["test"]
        for split in ("dev", "test", "all"):
            pairs = [(got, set(expect)) for _q, got, expect in runs[split]]
            misses = tuple(
                (q, tuple(expect), tuple(got))
                for q, got, expect in runs[split]
                if evaluation.reciprocal_rank(got, set(expect), k) < 1.0
            )
            out.append(
                Figures(
                    method,
                    split,
                    len(pairs),
                    evaluation.mrr(pairs, k),
                    evaluation.mean_recall(pairs, k),
                    misses,
                )
            )
    return out
