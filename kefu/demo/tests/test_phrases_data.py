"""The demo's phrases live in kefu/demo/data/phrases.yaml, read once."""

from __future__ import annotations

from kefu.demo.core import phrases


def test_it_reads_the_phrases_from_the_data_file_with_pairs_as_tuples():
    assert phrases.PATH.name == "phrases.yaml" and phrases.PATH.exists()
    assert phrases.BRAND == "云选商城"
    assert len(phrases.SCENARIOS) > 5 and all(
        isinstance(cause, tuple) and len(cause) == 3
        for scenario in phrases.SCENARIOS
        for cause in scenario["root_causes"]
    )
    assert all(isinstance(p, tuple) for p in phrases.PRODUCTS)
    assert all(isinstance(p, tuple) for p in phrases.CUSTOMER_SENSITIVE)
    qa = [pair for s in phrases.SCENARIOS for pair in s.get("qa", ())]
    assert qa and all(isinstance(pair, tuple) and len(pair) == 2 for pair in qa)
