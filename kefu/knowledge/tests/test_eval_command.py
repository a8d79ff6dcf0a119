"""`kefu knowledge_eval` prints MRR@5 and recall@5 beside the baseline; the shipped
search meets the target on the test half (a guard against regressions)."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from kefu.improvement.core.cleaning import load_synonyms
from kefu.knowledge.core import catalogue
from kefu.knowledge.core.text import Analyzer


def test_it_prints_both_methods_on_both_halves():
    out = StringIO()
    call_command("knowledge_eval", stdout=out)
    text = out.getvalue()
    assert "bm25f      test" in text and "baseline   test" in text
    assert "meets the target 0.8" in text


def test_the_search_beats_the_baseline_and_the_target_on_the_test_half():
    articles = catalogue.load(catalogue.ARTICLES_FILE)
    queries = catalogue.load(catalogue.QUERIES_FILE)
    assert len(queries) >= 100
    figures = {
        (f.method, f.split): f
        for f in catalogue.evaluate(articles, queries, Analyzer.from_lexicon(load_synonyms()))
    }
    assert figures["bm25f", "test"].mrr >= 0.8
    assert figures["bm25f", "test"].mrr > figures["baseline", "test"].mrr + 0.1


def test_every_label_names_a_shipped_article_and_every_sop_parses():
    articles = catalogue.load(catalogue.ARTICLES_FILE)
    keys = {a["key"] for a in articles}
    assert len(keys) == len(articles)
    for query in catalogue.load(catalogue.QUERIES_FILE):
        assert set(query["expect"]) <= keys, query
    for i, article in enumerate(articles):
        catalogue.doc_of_data(i, article)  # parses the steps
