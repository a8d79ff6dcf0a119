"""Cleaning of complaint texts (kefu/improvement/core/cleaning.py): pure, no database."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.improvement.core.cleaning import (
    LEXICON_NAME,
    SYNONYMS_FILE,
    Cleaner,
    default_cleaner,
    load_synonyms,
    normalise,
    synonyms_from_data,
)
from kefu.qa.core.defaults import load_yaml
from kefu.qa.core.errors import DefinitionError
from kefu.qa.core.lexicons import Lexicon, parse_lexicons


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ＡＢＣ１２３，退款！", "abc0 退款"),  # full-width → half-width, digits → 0
        ("钱没到账😭😭🙏 亲。。。", "钱没到账 亲"),  # emoji and punctuation runs → one space
        ("  急急急急急   快点  ", "急急 快点"),  # repeats kept twice, whitespace collapsed
        ("订单号240501123456789，SF123456789012", "订单号0 sf0"),
        ("Hello_World\t\n", "hello world"),
        ("", ""),
        ("！？…", ""),
    ],
)
def test_normalise(text, expected):
    assert normalise(text) == expected


def test_it_replaces_variants_by_their_canonical_word_leftmost_longest_first():
    cleaner = Cleaner({"钱没到账": "退款到账慢", "到账": "入账", "钱": "资金", "啥": "什么"})

    assert cleaner.clean("我的钱没到账啥情况") == "我的退款到账慢什么情况"  # 钱没到账 beats 钱
    assert cleaner.clean("钱到账了") == "资金入账了"
    assert cleaner.clean("到账") == "入账"


def test_canonical_words_are_not_cut_by_a_variant_inside_them():
    cleaner = Cleaner({"款到账": "X", "退款到账慢": "退款到账慢", "钱没到": "退款到账慢"})

    assert cleaner.clean("退款到账慢") == "退款到账慢"
    assert cleaner.clean("钱没到") == "退款到账慢"


def test_latin_variants_match_whole_words_only():
    cleaner = Cleaner({"vip": "会员"})

    assert cleaner.clean("VIP的权益") == "会员的权益"
    assert cleaner.clean("vipshop") == "vipshop"
    assert cleaner.clean("我是vip 0") == "我是会员 0"


def test_variants_are_normalised_like_the_texts():
    cleaner = Cleaner({"钱，没到账！": "退款到账慢", "ＶＩＰ": "会员"})

    assert cleaner.clean("钱 没到账") == "退款到账慢"
    assert cleaner.clean("vip") == "会员"


def test_the_shipped_dictionary_is_a_qa_lexicon():
    # given: the file QA's lexicon parser reads as it is
    data = load_yaml(SYNONYMS_FILE)
    lexicons = parse_lexicons(data)

    # then: one lexicon, every variant stands for one of its words
    assert list(lexicons) == [LEXICON_NAME]
    lexicon = lexicons[LEXICON_NAME]
    assert load_synonyms() == lexicon
    assert set(lexicon.synonyms.values()) <= set(lexicon.words)
    # the ten problems of the demo's taxonomy are canonical words
    assert {"退款到账慢", "物流延迟", "商品质量问题", "退换货", "账户安全"} <= set(lexicon.words)
    # round trip through QA's data form (what the lexicon page stores)
    assert synonyms_from_data(lexicon.as_data()) == lexicon


def test_the_shipped_dictionary_normalises_the_issues_examples():
    clean = default_cleaner().clean

    assert clean("钱没到账") == clean("退款没收到") == clean("钱还没退回来！") == "退款到账慢"
    assert clean("快递还没到？？") == "物流延迟"
    assert clean("咋回事") == "怎么回事"
    assert clean("账号被盗了") == "账户安全了"
    assert clean("帐号到帐") == "账号到账"


def test_synonyms_from_data_refuses_a_variant_of_no_word():
    with pytest.raises(DefinitionError):
        synonyms_from_data({"words": ["退款"], "synonyms": {"发票": ["发漂"]}})


def test_a_cleaner_from_a_lexicon_uses_its_synonyms():
    lexicon = Lexicon("x", ("退款",), {"退钱": "退款"})

    assert Cleaner.from_lexicon(lexicon).clean("退钱") == "退款"
    assert Cleaner().clean("退钱") == "退钱"  # no dictionary: normalisation only


TEXT = st.text(
    alphabet=st.one_of(
        st.characters(),  # any code point, surrogates and emoji included
        st.sampled_from("钱没到账退款收到快递咋啥帐号vip ，。！？😭0123456789啊"),
    ),
    max_size=60,
)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_cleaning_never_raises_and_is_idempotent(text):
    cleaner = default_cleaner()
    once = cleaner.clean(text)

    assert cleaner.clean(once) == once
    assert once == once.strip() and "  " not in once
    assert normalise(once) == once


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(TEXT, TEXT, max_size=6), TEXT)
def test_any_dictionary_cleans_without_raising(synonyms, text):
    out = Cleaner(synonyms).clean(text)

    assert isinstance(out, str) and normalise(out) == out
