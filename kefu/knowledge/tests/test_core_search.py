"""The search core without a database: tokens, synonyms, BM25F ranking, filters,
highlights, incremental rebuilds."""

from __future__ import annotations

import pytest

from kefu.knowledge.core import evaluation
from kefu.knowledge.core.search import Doc, Index, baseline_rank, highlight, highlight_terms, idf
from kefu.knowledge.core.text import Analyzer, tokens

SYNONYMS = {"钱没到账": "退款到账慢", "退款没收到": "退款到账慢", "退钱": "退款", "vip": "会员"}


@pytest.fixture
def analyzer() -> Analyzer:
    return Analyzer(SYNONYMS)


def docs() -> list[Doc]:
    return [
        Doc(
            1,
            "退款多久到账",
            "退款原路退回，银行卡一般1-3个工作日到账。",
            ["退款"],
            "faq",
            tags=["退款"],
            scene="售后",
        ),
        Doc(
            2,
            "物流延迟怎么处理",
            "查询物流，联系快递加急派送。",
            ["物流"],
            "sop",
            tags=["物流"],
            scene="售后",
        ),
        Doc(
            3,
            "会员免运费券怎么领",
            "在会员中心领取免运费券。",
            ["会员"],
            "faq",
            tags=["会员"],
            scene="咨询",
        ),
        Doc(
            4,
            "发票抬头开错了怎么重开",
            "提交发票重开申请。",
            ["发票"],
            "faq",
            tags=["发票"],
            scene="咨询",
        ),
    ]


def test_it_cuts_chinese_into_characters_and_bigrams_and_keeps_latin_words():
    assert tokens("退款到账 VIP会员 订单123") == [
        "退", "款", "到", "账", "退款", "款到", "到账", "vip", "会", "员", "会员",
        "订", "单", "订单",
    ]  # fmt: skip


def test_it_finds_the_canonical_words_of_variants(analyzer):
    assert analyzer.canonical("我的钱没到账，想退钱") == ["退款到账慢", "退款"]
    assert analyzer.canonical("vipshop") == []  # a Latin variant only as a whole word
    assert set(analyzer.forms("退款到账慢")) == {"钱没到账", "退款没收到", "退款到账慢"}


def test_it_ranks_the_article_that_answers_first(analyzer):
    index = Index.build(docs(), analyzer)
    assert [h.id for h in index.search("退款什么时候到账")][:1] == [1]
    assert [h.id for h in index.search("快递太慢了物流延迟")][:1] == [2]


def test_synonyms_find_an_article_that_shares_no_bigram_with_the_query(analyzer):
    index = Index.build(
        [Doc(1, "退款到账慢的处理", "核实退款进度。"), Doc(2, "改地址", "修改收货地址。")], analyzer
    )
    assert [h.id for h in index.search("钱没到账")] == [1]


def test_a_query_matching_only_single_characters_finds_nothing(analyzer):
    index = Index.build(docs(), analyzer)
    assert index.search("款项员") == []  # 款, 员 appear but no bigram does


def test_filters_keep_only_matching_documents(analyzer):
    index = Index.build(docs(), analyzer)
    assert [h.id for h in index.search("怎么", kind="sop")] == [2]
    assert {h.id for h in index.search("怎么", scene="咨询")} == {3, 4}
    assert [h.id for h in index.search("怎么", tag="发票")] == [4]


def test_the_title_weighs_more_than_the_body(analyzer):
    index = Index.build([Doc(1, "其他", "发票重开"), Doc(2, "发票重开", "其他")], analyzer)
    assert [h.id for h in index.search("发票重开")] == [2, 1]


def test_scores_are_bm25f_by_hand(analyzer):
    # one document, one field: tf~ = 3 * 1 / (1 - b + b * 1/1) = 3; score = idf * tf~ * 2.2 / (tf~ + 1.2)
    index = Index.build([Doc(1, "ab", "")], Analyzer())
    (hit,) = index.search("ab")
    assert hit.score == pytest.approx(idf(1, 1) * 3 * 2.2 / (3 + 1.2), rel=1e-5)


def test_a_rebuild_reanalyses_only_changed_documents(analyzer):
    first = Index.build([Doc(1, "退款", stamp="a"), Doc(2, "发票", stamp="a")], analyzer)
    second = Index.build(
        [Doc(1, "退款", stamp="a"), Doc(2, "物流", stamp="b")], analyzer, previous=first
    )
    assert second.analysed[1] is first.analysed[1]
    assert second.analysed[2] is not first.analysed[2]
    assert [h.id for h in second.search("物流")] == [2]
    assert second.search("发票") == []


def test_highlights_mark_query_words_and_their_synonyms(analyzer):
    terms = highlight_terms("钱没到账", analyzer)
    pieces = highlight("您的退款没收到吗？我们核实", terms)
    assert ("退款没收到", True) in pieces
    window = highlight("无关" * 50 + "退款没收到" + "无关" * 50, terms, width=20)
    assert window[0] == ("…", False) and window[-1] == ("…", False)
    assert any(hit and "退款没收到" in text for text, hit in window)


def test_the_baseline_counts_shared_bigrams_without_synonyms():
    assert baseline_rank("发票重开", docs())[:1] == [4]
    assert baseline_rank("钱没到账", docs()) == [1]  # only 到账 is shared


def test_mrr_and_recall():
    runs = [([1, 2, 3], {1}), ([4, 5], {5}), ([6], {7})]
    assert evaluation.mrr(runs, k=5) == pytest.approx((1 + 0.5 + 0) / 3)
    assert evaluation.mean_recall([([1, 2], {2, 3})], k=5) == 0.5
    assert evaluation.reciprocal_rank([9, 9, 9, 9, 9, 1], {1}, k=5) == 0.0
