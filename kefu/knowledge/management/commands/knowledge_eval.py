"""`kefu knowledge_eval`: relevance of the knowledge search on the labelled query set.

Prints MRR@5 and recall@5 of the search (BM25F with the synonym dictionary) beside a
plain baseline (shared bigrams, no idf, fields or synonyms), on the dev half, the test
half (the figure reported) and all queries of kefu/knowledge/data/queries.yaml, over the
demo knowledge base kefu/knowledge/data/demo_articles.yaml. The synonym dictionary is the
shipped one (reproducible); `--installed-synonyms` uses the installation's (the QA
lexicon `complaint_synonyms`). `--misses` lists the queries whose first answer is wrong.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kefu.improvement.core.cleaning import load_synonyms
from kefu.knowledge.core import catalogue
from kefu.knowledge.core.text import Analyzer

TARGET_MRR = 0.8


class Command(BaseCommand):
    help = "Relevance of the knowledge search (MRR@5, recall@5) on the labelled query set."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--articles", type=Path, default=catalogue.ARTICLES_FILE)
        parser.add_argument("--queries", type=Path, default=catalogue.QUERIES_FILE)
        parser.add_argument("--installed-synonyms", action="store_true")
        parser.add_argument("--no-synonyms", action="store_true")
        parser.add_argument("--misses", action="store_true")
        parser.add_argument("-k", type=int, default=5)

    def handle(self, *args, **options) -> None:
        try:
            articles = catalogue.load(options["articles"])
            queries = catalogue.load(options["queries"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if options["no_synonyms"]:
            analyzer = Analyzer()
        elif options["installed_synonyms"]:
            from kefu.improvement.selectors import synonym_lexicon

            analyzer = Analyzer.from_lexicon(synonym_lexicon())
        else:
            analyzer = Analyzer.from_lexicon(load_synonyms())
        k = options["k"]
        figures = catalogue.evaluate(articles, queries, analyzer, k=k)
        self.stdout.write(f"{len(articles)} articles, {len(queries)} queries (dev / test halves)")
        self.stdout.write(
            f"{'method':<10} {'split':<5} {'n':>4} {f'MRR@{k}':>7} {f'recall@{k}':>9}"
        )
        for f in figures:
            self.stdout.write(
                f"{f.method:<10} {f.split:<5} {f.queries:>4} {f.mrr:>7.3f} {f.recall:>9.3f}"
            )
        test = next(f for f in figures if f.method == "bm25f" and f.split == "test")
        verdict = "meets" if test.mrr >= TARGET_MRR else "misses"
        self.stdout.write(f"test MRR@{k} {test.mrr:.3f} {verdict} the target {TARGET_MRR}")
        if options["misses"]:
            for f in figures:
                if f.method == "bm25f" and f.split != "all":
                    for q, expect, got in f.misses:
                        self.stdout.write(
                            f"[{f.split}] {q} → {list(got)} (expected {list(expect)})"
                        )
