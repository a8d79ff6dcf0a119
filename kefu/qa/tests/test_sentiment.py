"""The lexicon sentiment scorer of the QA engine (kefu/qa/core/sentiment.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.qa.core.sentiment import (
    DATA_DIR,
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    SentimentLexicon,
    SentimentResult,
    SentimentScorer,
    default_scorer,
)


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    return default_scorer()


def score(scorer: SentimentScorer, text: str) -> float:
    return scorer.score(text).score


def test_result_shape(scorer):
    result = scorer.score("非常失望")
    assert isinstance(result, SentimentResult)
    assert result.label == "negative" and -1 <= result.score < NEGATIVE_THRESHOLD
    assert result.words == ("非常失望",)
    assert default_scorer() is default_scorer()


def test_threshold_matches_the_qa_indicators_default():
    assert NEGATIVE_THRESHOLD == -0.3 and POSITIVE_THRESHOLD == 0.3


@pytest.mark.parametrize(
    ("positive", "negated"),
    [("满意", "不满意"), ("很方便", "不方便"), ("服务专业", "服务不专业"), ("好用", "不好用"),
     ("I am happy", "I am not happy"), ("good", "not good"), ("问题解决了", "问题没解决")],
)  # fmt: skip
def test_negation_flips_a_positive_word(scorer, positive, negated):
    assert scorer.score(positive).label == "positive"
    assert scorer.score(negated).label == "negative"


def test_negation_of_a_negative_word_softens_it(scorer):
    assert score(scorer, "不贵") > 0 > score(scorer, "贵")
    assert scorer.score("一点也不麻烦").label == "positive"
    assert scorer.score("没问题").label == "positive"
    # 别 / 不要 forbid the bad thing: the customer is still complaining.
    assert scorer.score("别敷衍我").label == "negative"
    # a rhetorical question keeps the complaint
    assert scorer.score("这不是忽悠人吗？").label == "negative"


def test_negation_before_a_degree_word_weakens(scorer):
    assert score(scorer, "很不满意") < score(scorer, "不满意") < score(scorer, "不太满意") < 0
    assert scorer.score("不是很满意").label == "negative"


def test_degree_words_strengthen_and_soften(scorer):
    assert score(scorer, "非常失望") < score(scorer, "失望") < score(scorer, "有点失望") < 0
    assert score(scorer, "太慢了") < score(scorer, "慢") < score(scorer, "稍微慢") < 0
    assert score(scorer, "非常满意") > score(scorer, "满意") > 0
    assert score(scorer, "very disappointed") < score(scorer, "disappointed") < 0


def test_hao_is_a_degree_word_before_another_sentiment_word(scorer):
    assert scorer.score("好慢啊").label == "negative"
    assert scorer.score("好失望").label == "negative"
    assert scorer.score("好的").label == "positive"


def test_punctuation_intensity(scorer):
    assert score(scorer, "太差了！！！") < score(scorer, "太差了！") < score(scorer, "太差了")
    assert score(scorer, "谢谢！！") > score(scorer, "谢谢")
    # several question marks are impatience; one is just a question
    assert scorer.score("还在吗？").label == "neutral"
    assert scorer.score("还在吗？？？").label == "negative"
    assert "？？？" in scorer.score("还在吗？？？").words


@pytest.mark.parametrize(
    "text",
    ["请问什么时候发货", "请问什么时候发货？", "这款有黑色的吗", "我想修改一下收货地址",
     "订单号是2024051234567", "能开发票吗？", "这款好用吗？", "不好意思，我想问一下",
     "差不多了", "快递到了吗", "麻烦帮我查一下话费", "请问7天无理由退货吗", "你好", "",
     "   ", "Can you check my order status?", "Good morning, I need to change my address"],
)  # fmt: skip
def test_neutral_questions_and_requests_stay_neutral(scorer, text):
    assert scorer.score(text).label == "neutral"


@pytest.mark.parametrize(
    ("text", "label"),
    [("退款还没到", "negative"), ("等了半天一直没人回", "negative"), ("什么破服务", "negative"),
     ("垃圾", "negative"), ("你们就是骗子", "negative"), ("气死我了", "negative"),
     ("我要投诉", "negative"), ("给差评", "negative"), ("太慢了", "negative"),
     ("再不处理我就投诉了！", "negative"), ("谢谢", "positive"), ("很满意", "positive"),
     ("问题解决了", "positive"), ("好的", "positive"), ("辛苦了", "positive"),
     ("太给力了", "positive")],
)  # fmt: skip
def test_customer_service_vocabulary(scorer, text, label):
    assert scorer.score(text).label == label


def test_contrast_weighs_what_follows(scorer):
    assert scorer.score("东西还行，但是物流太慢了").label == "negative"
    assert scorer.score("物流有点慢，不过客服很耐心，谢谢").label == "positive"


def test_english(scorer):
    assert scorer.score("This is terrible, I am really angry!").label == "negative"
    assert scorer.score("Still not resolved after two weeks").label == "negative"
    assert scorer.score("I don't like it").label == "negative"
    assert scorer.score("Thanks a lot, great help").label == "positive"
    assert scorer.score("No problem, thank you").label == "positive"
    assert scorer.score("Where can I download the invoice?").label == "neutral"
    # whole words only: "not" is not in "nothing", "no" not in "nobody's" or "know"
    assert scorer.score("I know nothing about it").label == "neutral"
    assert scorer.score("I’m not happy").label == "negative"  # typographic apostrophe


def test_evidence_words_are_the_spans_that_drove_the_label(scorer):
    result = scorer.score("什么破服务，等了半天，我要投诉！")
    assert result.words == ("什么破", "等了半天", "投诉")
    assert scorer.score("不太满意").words == ("不太满意",)
    assert scorer.score("I am NOT happy").words == ("NOT happy",)  # as written
    # a mixed message names only the words on the side of its label
    assert scorer.score("东西还行，但是物流太慢了").words == ("太慢",)


def test_text_ending_inside_a_longer_lexicon_word(scorer):
    # pyahocorasick's iter_long loses 好 here because 不好意思 is listed; we do not use it.
    assert scorer.score("这么简单的事都办不好").label == "negative"
    assert scorer.score("不好").label == "negative"


SAMPLE_CHARACTERS = "不没很太好差满意慢谢投诉吗？！，。 aNOTgod"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(SAMPLE_CHARACTERS), max_size=40))
def test_any_text_scores_within_bounds(text):
    result = default_scorer().score(text)
    assert -1 <= result.score <= 1
    expected = (
        "negative"
        if result.score < NEGATIVE_THRESHOLD
        else "positive"
        if result.score > POSITIVE_THRESHOLD
        else "neutral"
    )
    assert result.label == expected
    assert all(word and word in text for word in result.words)


def write_lexicon(directory: Path, **files: str) -> Path:
    for name in ("negative", "positive", "neutral", "negation", "degree", "contrast"):
        (directory / f"{name}.txt").write_text(files.get(name, ""), encoding="utf-8")
    return directory


def test_custom_lexicon_files(tmp_path):
    lexicon = SentimentLexicon.load(
        write_lexicon(
            tmp_path,
            negative="# comment\n卡顿 2\nreally bad\n",  # sign forced negative, default -1
            positive="丝滑 1.5\n",
            negation="不\n",
            degree="超 2\n",
        )
    )
    assert lexicon.words == {"卡顿": -2.0, "really bad": -1.0, "丝滑": 1.5}
    custom = SentimentScorer(lexicon)
    assert custom.score("超丝滑").label == "positive"
    assert custom.score("不丝滑").label == "negative"
    assert custom.score("Really   bad").label == "neutral"  # phrases match as listed
    assert custom.score("really bad").label == "negative"
    assert custom.score("失望").label == "neutral"  # not in this lexicon


def test_a_word_in_two_lists_is_an_error(tmp_path):
    with pytest.raises(ValueError, match="满意"):
        SentimentLexicon.load(write_lexicon(tmp_path, negative="满意\n", positive="满意\n"))
    with pytest.raises(ValueError, match="不"):
        SentimentLexicon.load(write_lexicon(tmp_path, negation="不\n", degree="不 2\n"))


def test_shipped_lexicon_files_say_they_are_kefus_own():
    for name in ("negative", "positive", "neutral", "negation", "degree", "contrast"):
        header = (DATA_DIR / f"{name}.txt").read_text(encoding="utf-8")[:400]
        assert "Kefu's own" in header and "AGPL-3.0-or-later" in header


# --- accuracy on the held-out labelled set --------------------------------------------------
def load_set(name: str) -> list[tuple[str, str]]:
    rows = []
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def test_labelled_sets_are_well_formed_and_disjoint():
    held_out, dev = load_set("eval_zh.tsv"), load_set("dev_zh.tsv")
    assert len(held_out) >= 300 and len(dev) >= 100
    for rows in (held_out, dev):
        labels = [label for label, _ in rows]
        assert set(labels) == {"negative", "neutral", "positive"}
        assert min(map(labels.count, set(labels))) > len(rows) / 4  # roughly balanced
        assert len({text for _, text in rows}) == len(rows)
    assert not {t for _, t in held_out} & {t for _, t in dev}


def test_held_out_accuracy_stays_above_its_floor(scorer):
    # Measured (docs/qa-sentiment.md): accuracy 0.902, negative vs not 0.916,
    # negative precision 0.940, recall 0.801. Floors a little under, so a lexicon edit
    # that makes things worse fails here.
    pairs = [(gold, scorer.score(text).label) for gold, text in load_set("eval_zh.tsv")]
    accuracy = sum(g == p for g, p in pairs) / len(pairs)
    binary = sum((g == "negative") == (p == "negative") for g, p in pairs) / len(pairs)
    flagged = [g for g, p in pairs if p == "negative"]
    precision = flagged.count("negative") / len(flagged)
    recall = sum(g == p == "negative" for g, p in pairs) / sum(g == "negative" for g, _ in pairs)
    assert accuracy >= 0.87
    assert binary >= 0.89
    assert precision >= 0.90
    assert recall >= 0.76
