"""The customers' own wording (kefu/demo/core/wording.py): varied text, nothing else moved."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from itertools import chain

import pytest

from kefu.demo.core import phrases as P
from kefu.demo.core import wording as W
from kefu.demo.core.generator import generate
from kefu.qa.core.defaults import default_lexicons
from kefu.qa.core.lexicons import parse_lexicons

# QA reads customers' messages for these lexicons: the demo's findings must not move
CUSTOMER_LEXICONS = ("anger", "complaint_threat", "legal_media", "churn")


@pytest.fixture(scope="module")
def pair() -> list[tuple[dict, dict]]:
    """The small year with the customers' own wording and with the templates'."""
    varied = generate(42, "small", labels=True)
    plain = generate(42, "small", labels=True, varied=False)
    return list(zip(varied, plain, strict=True))


def customer_forms() -> set[str]:
    lexicons = parse_lexicons(default_lexicons())
    return {
        form.lower() for name in CUSTOMER_LEXICONS for form in lexicons[name].entries()
    }  # fmt: skip


def test_only_the_customers_words_change(pair):
    changed = customers = 0
    for varied, plain in pair:
        if varied["type"] == "agent":
            assert varied == plain
            continue
        assert {k: v for k, v in varied.items() if k != "messages"} == {
            k: v for k, v in plain.items() if k != "messages"
        }
        assert len(varied["messages"]) == len(plain["messages"])
        for new, old in zip(varied["messages"], plain["messages"], strict=True):
            assert {k: v for k, v in new.items() if k != "text"} == {
                k: v for k, v in old.items() if k != "text"
            }  # times, phone segments, roles, agents: all as before
            if new["text"] != old["text"]:
                assert new["role"] == "customer"
                changed += 1
            customers += new["role"] == "customer"
    assert 0.3 < changed / customers < 0.8


def template(text: str) -> str:
    """The text with its slots masked: products, cities, levels, channels, numbers."""
    names = [p[0] for p in P.PRODUCTS] + P.CITIES + P.MEMBER_LEVELS + list(P.CHANNEL_NAMES.values())
    for name in [*names, "今天早些时候", "昨天", "前天"]:
        text = text.replace(name, "_")
    return re.sub(r"\d+", "0", text)


def test_openings_are_varied(pair):
    openings: dict[str, set[str]] = defaultdict(set)
    plain_openings: dict[str, set[str]] = defaultdict(set)
    for varied, plain in pair:
        if varied["type"] != "conversation" or varied["channel"] == "email":
            continue
        first = next(m["text"] for m in varied["messages"] if m["role"] == "customer")
        openings[varied["category"][1]].add(template(first))
        first = next(m["text"] for m in plain["messages"] if m["role"] == "customer")
        plain_openings[plain["category"][1]].add(template(first))
    assert len(openings) == 10
    for problem, texts in openings.items():
        assert len(texts) > 3 * len(plain_openings[problem]), problem


def test_wording_adds_no_word_qa_reads_in_customers_messages():
    forms = customer_forms()
    W_ = P.WORDING
    phrasings = chain(
        W_["vague"], W_["vague_phone"], W_["generic_questions"], W_["subject"], W_["emoji"],
        chain.from_iterable(W_["prefix"].values()), chain.from_iterable(W_["suffix"].values()),
        (v for table in ("synonyms", "colloquial", "typos", "asr") for _, vs in W_[table] for v in vs),
        (t for s in P.SCENARIOS for t in s["mention"]),
        (t for s in P.SCENARIOS for c in s["cases"] for t in c["say"]),
    )  # fmt: skip
    for text in phrasings:
        assert not [f for f in forms if f in text.lower()], text
        assert "!!!" not in text and "！！！" not in text


def test_templates_with_a_word_qa_reads_are_kept_as_written():
    forms = customer_forms()
    reworded = chain(
        (t for s in P.SCENARIOS for t in s["repeat_ask"]),
        (q for s in P.SCENARIOS for qs, _ in s["qa"] for q in qs),
        (q for s in P.SCENARIOS for c in s["cases"] for qs, _ in c.get("qa", ()) for q in qs),
        (t for s in P.SCENARIOS for c in s["cases"] for t in c["opening"] + c["yes"]),
    )
    risky = {f for text in reworded for f in forms if f in text.lower()}
    assert risky <= set(P.WORDING["keep"])


def test_each_conversation_has_its_own_stream():
    scenario = P.SCENARIOS[2]
    slots = {"order": "2401011234567", "product": "扫地机器人", "days": 5, "city": "上海",
             "level": "黄金", "problem": scenario["name"], "amount": "299"}  # fmt: skip

    def said(number: int) -> list[str]:
        wording = W.Wording(42, number, scenario, 0, "chat", slots)
        return [
            wording.opening("我的退款怎么还没到？"),
            wording.answer("对"),
            wording.question("为什么要这么久？"),
        ]

    assert said(7) == said(7)
    assert len({tuple(said(n)) for n in range(40)}) > 30


def test_the_shares_are_as_documented():
    scenario = P.SCENARIOS[1]
    people = [W.Wording(1, n, scenario, 0, "chat", {}) for n in range(20_000)]
    share = Counter()
    for w in people:
        share["vague"] += w.vague
        share["mislabelled"] += w.mislabelled
        share[w.style] += 1
    assert abs(share["vague"] / 20_000 - W.P_VAGUE) < 0.01
    assert abs(share["mislabelled"] / 20_000 - W.P_MISLABEL) < 0.005
    assert abs(share["sloppy"] / 20_000 - 0.2) < 0.015
    # a repeat contact is never vague, an e-mail neither, and a phone call has no style
    assert not any(W.Wording(1, n, scenario, 0, "email", {}).vague for n in range(500))
    assert {W.Wording(1, n, scenario, 0, "phone", {}).style for n in range(200)} == {"plain"}
