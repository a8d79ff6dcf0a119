"""The sentiment scorer of the QA engine (kefu/qa/core/sentiment.py).

The shipped scorer blends an n-gram model with the lexicon. The lexicon's rules (negation,
degree words, punctuation, evidence words) are tested on the lexicon alone (`lexicon`
fixture, `lexicon_only=True`): the blended score saturates towards ±1 and does not keep
their fine order, but it keeps their labels (tested with `scorer`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.qa.core.defaults import default_indicators
from kefu.qa.core.sentiment import (
    DATA_DIR,
    MODEL_FILE,
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    Blend,
    SentimentLexicon,
    SentimentModel,
    SentimentResult,
    SentimentScorer,
    blend,
    char_ngrams,
    default_scorer,
)


@pytest.fixture(scope="module")
def scorer() -> SentimentScorer:
    return default_scorer()


@pytest.fixture(scope="module")
def lexicon() -> SentimentScorer:
    return SentimentScorer(lexicon_only=True)


def indicator_below() -> float:
    (indicator,) = [i for i in default_indicators() if i["id"] == "negative_emotion"]
    return float(indicator["when"]["sentiment"]["below"])


def score(scorer: SentimentScorer, text: str) -> float:
    return scorer.score(text).score


def test_result_shape(scorer):
    result = scorer.score("非常失望")
    assert isinstance(result, SentimentResult)
    assert result.label == "negative" and -1 <= result.score < NEGATIVE_THRESHOLD
    assert result.words == ("非常失望",)  # the lexicon names the evidence
    assert default_scorer() is default_scorer()
    assert default_scorer().model is not None


def test_threshold_matches_the_qa_indicators_default():
    assert NEGATIVE_THRESHOLD == -0.3 and POSITIVE_THRESHOLD == 0.3


@pytest.mark.parametrize(
    ("positive", "negated"),
    [("满意", "不满意"), ("很方便", "不方便"), ("服务专业", "服务不专业"), ("好用", "不好用"),
     ("I am happy", "I am not happy"), ("good", "not good"), ("问题解决了", "问题没解决")],
)  # fmt: skip
def test_negation_flips_a_positive_word(lexicon, positive, negated):
    assert lexicon.score(positive).label == "positive"
    assert lexicon.score(negated).label == "negative"


def test_negation_of_a_negative_word_softens_it(lexicon):
    assert score(lexicon, "不贵") > 0 > score(lexicon, "贵")
    assert lexicon.score("一点也不麻烦").label == "positive"
    assert lexicon.score("没问题").label == "positive"
    # 别 / 不要 forbid the bad thing: the customer is still complaining.
    assert lexicon.score("别敷衍我").label == "negative"
    # a rhetorical question keeps the complaint
    assert lexicon.score("这不是忽悠人吗？").label == "negative"


def test_negation_before_a_degree_word_weakens(lexicon):
    assert score(lexicon, "很不满意") < score(lexicon, "不满意") < score(lexicon, "不太满意") < 0
    assert lexicon.score("不是很满意").label == "negative"


def test_degree_words_strengthen_and_soften(lexicon):
    assert score(lexicon, "非常失望") < score(lexicon, "失望") < score(lexicon, "有点失望") < 0
    assert score(lexicon, "太慢了") < score(lexicon, "慢") < score(lexicon, "稍微慢") < 0
    assert score(lexicon, "非常满意") > score(lexicon, "满意") > 0
    assert score(lexicon, "very disappointed") < score(lexicon, "disappointed") < 0


def test_hao_is_a_degree_word_before_another_sentiment_word(lexicon):
    assert lexicon.score("好慢啊").label == "negative"
    assert lexicon.score("好失望").label == "negative"
    assert lexicon.score("好的").label == "positive"


def test_punctuation_intensity(lexicon):
    assert score(lexicon, "太差了！！！") < score(lexicon, "太差了！") < score(lexicon, "太差了")
    assert score(lexicon, "谢谢！！") > score(lexicon, "谢谢")
    # several question marks are impatience; one is just a question
    assert lexicon.score("还在吗？").label == "neutral"
    assert lexicon.score("还在吗？？？").label == "negative"
    assert "？？？" in lexicon.score("还在吗？？？").words


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
    [("退款还没到，都一个星期了", "negative"), ("等了半天一直没人回", "negative"), ("什么破服务", "negative"),
     ("垃圾", "negative"), ("你们就是骗子", "negative"), ("气死我了", "negative"),
     ("我要投诉", "negative"), ("给差评", "negative"), ("太慢了", "negative"),
     ("再不处理我就投诉了！", "negative"), ("谢谢", "positive"), ("很满意", "positive"),
     ("问题解决了", "positive"), ("好的", "positive"), ("辛苦了", "positive"),
     ("太给力了", "positive")],
)  # fmt: skip
def test_customer_service_vocabulary(scorer, text, label):
    assert scorer.score(text).label == label


def test_a_bare_status_report_reads_calm(scorer, lexicon):
    # Known limit (docs): without a duration, 到底 or ？？ the model reads 退款还没到 as a calm
    # status report (neutral, like the training set's 钱还没退回来，帮我看一下); the lexicon
    # alone calls it negative. It never turns positive.
    assert lexicon.score("退款还没到").label == "negative"
    assert -0.3 <= scorer.score("退款还没到").score <= 0


def test_contrast_weighs_what_follows(lexicon):
    assert lexicon.score("东西还行，但是物流太慢了").label == "negative"
    assert lexicon.score("物流有点慢，不过客服很耐心，谢谢").label == "positive"


def test_lexicon_labels_hold_in_the_blend(scorer):
    for text, label in [("不满意", "negative"), ("不方便", "negative"), ("不好用", "negative"),
                        ("别敷衍我", "negative"), ("很不满意", "negative"),
                        ("不是很满意", "negative"), ("好慢啊", "negative"), ("好的", "positive"),
                        ("还在吗？", "neutral"),
                        ("物流有点慢，不过客服很耐心，谢谢", "positive"),
                        ("东西还行，但是物流太慢了", "negative")]:  # fmt: skip
        assert scorer.score(text).label == label, text
    assert scorer.score("没问题").label != "negative"  # the blend calls it neutral (+0.24)
    # Known limit (docs): the model reads a bare 还在吗？？？ as neutral; the lexicon's
    # impatience still pulls it down, but not past the threshold.
    assert scorer.score("还在吗？？？").score < scorer.score("还在吗？").score


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


def test_evidence_words_are_the_spans_that_drove_the_label(lexicon):
    result = lexicon.score("什么破服务，等了半天，我要投诉！")
    assert result.words == ("什么破", "等了半天", "投诉")
    assert lexicon.score("不太满意").words == ("不太满意",)
    assert lexicon.score("I am NOT happy").words == ("NOT happy",)  # as written
    # a mixed message names only the words on the side of its label
    assert lexicon.score("东西还行，但是物流太慢了").words == ("太慢",)


def test_text_ending_inside_a_longer_lexicon_word(lexicon):
    # pyahocorasick's iter_long loses 好 here because 不好意思 is listed; we do not use it.
    assert lexicon.score("这么简单的事都办不好").label == "negative"
    assert lexicon.score("不好").label == "negative"


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
    custom = SentimentScorer(lexicon, lexicon_only=True)  # the model would know 失望
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


def test_training_set_is_separate_from_the_held_out_set():
    # train_zh.tsv trains the model; no line of it may repeat or nearly repeat eval_zh.tsv
    train, held_out, dev = load_set("train_zh.tsv"), load_set("eval_zh.tsv"), load_set("dev_zh.tsv")
    assert {lb for lb, _ in train} == {"negative", "neutral", "positive"} and len(train) >= 300
    texts = [t for _, t in train]
    assert len(set(texts)) == len(texts)
    assert not set(texts) & ({t for _, t in held_out} | {t for _, t in dev})

    def trigrams(text: str) -> set[str]:
        return {text[i : i + 3] for i in range(len(text) - 2)}

    for text in texts:
        for _, other in held_out:
            a, b = trigrams(text), trigrams(other)
            assert len(a & b) < 0.3 * max(1, len(a | b)), (text, other)


# --- the model ------------------------------------------------------------------------------
def test_issue_examples(scorer):
    below = indicator_below()
    # a calm customer describing a problem is not negative
    calm = scorer.score("上周买的耳机到现在还没发货，麻烦帮我看下")
    assert calm.label != "negative" and calm.score > below
    # fed-up customers are, at the indicators' threshold, without a listed swear word
    assert scorer.score("我都说了三遍了，你们能不能认真听我说").score < below
    assert scorer.score("这事今天必须给我一个说法").score < below


@pytest.mark.parametrize("text", ["?", "？", "   ", "x", "ok", "你", "👍", "Where is my parcel?"])
def test_text_the_model_was_not_trained_on_gets_the_lexicon_alone(scorer, lexicon, text):
    # fewer than two Chinese characters: the model stays out (it learned Chinese reviews)
    assert scorer.score(text) == lexicon.score(text)


def test_scores_are_deterministic_across_processes():
    texts = ["上周买的耳机到现在还没发货", "这事今天必须给我一个说法", "谢谢你们", "这款好用吗？"]
    code = (
        "from kefu.qa.core.sentiment import default_scorer as d;"
        f"print([d().score(t).score for t in {texts!r}])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert runs == {f"{[default_scorer().score(t).score for t in texts]}\n"}
    fresh = SentimentScorer(model=SentimentModel.load())
    assert [fresh.score(t) for t in texts] == [default_scorer().score(t) for t in texts]


def test_scoring_does_not_import_scikit_learn():
    # scikit-learn is a dev dependency for training only; the run time reads the weights
    code = (
        "import sys; from kefu.qa.core.sentiment import default_scorer;"
        "default_scorer().score('这事今天必须给我一个说法');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_shipped_model_file():
    model = SentimentModel.load(MODEL_FILE)
    assert 10_000 < len(model.weights) <= 200_000 and model.n_max == 3
    assert MODEL_FILE.stat().st_size < 3_000_000
    assert model.blend.temperature > 0 and model.blend.lexicon >= 0
    assert model.blend.lexicon_length > 0
    # features are the character n-grams the training script counts
    assert char_ngrams("退款慢", 3) == ["退", "款", "慢", "退款", "款慢", "退款慢"]


def test_blend():
    b = Blend(lexicon=2.0, lexicon_length=20.0, neutral=1.0, polar=1.0, neutral_lexicon=2.0,
              polar_strength=0.25, temperature=0.5)  # fmt: skip
    # the sign is the polarity's, the lexicon's included
    assert blend(complex(2, 3), 0.0, 10, b) > 0.3 and blend(complex(-2, 3), 0.0, 10, b) < -0.3
    assert blend(complex(-0.5, 3), 0.9, 10, b) > 0
    # the lexicon weighs less on long text (reviews: the model has more to go on)
    assert blend(complex(-0.5, 3), 0.9, 200, b) < 0
    # little "not neutral" evidence: the score shrinks towards 0, keeping its sign
    calm, upset = blend(complex(-3, -2), 0.0, 10, b), blend(complex(-3, 2), 0.0, 10, b)
    assert -0.3 < calm < 0 and upset < -0.6
    # a strong lexicon score or a strong polarity also make a message less neutral
    assert blend(complex(-3, -2), -0.5, 10, b) < calm
    assert blend(complex(-6, -2), 0.0, 10, b) < calm
    assert blend(complex(5, -100), 1.0, 10, b) == 0.0  # no overflow
    assert all(
        -1 <= blend(complex(p, m), lex, n, b) <= 1
        for p in (-50, -1, 0, 1, 50) for m in (-50, 0, 50) for lex in (-1, 0, 1) for n in (0, 500)
    )  # fmt: skip


# Calm lines of the demo's customers (kefu/demo/data/phrases.yaml: answers to the agent,
# problem reports, amounts). The model once read them as upset (the demo's negative_emotion
# rate went from 23 % to 49 %). None of them is in the training data, nor shares 30 % of its
# character 3-grams with a training line; the demo's impatient follow-ups (到底…, 为什么要这么
# 久？) are meant negative and stay so (below).
DEMO_CALM = [
    "对，6天了", "是的，3天了", "是的，买重复了", "对，还是收了6块运费", "退了吧，不想要了",
    "439元左右", "开不了机，充了一晚上电", "设备配网一直失败",
    "这个电动牙刷跟图片上的颜色不一样", "你好，蓝牙耳机用了两天就出问题了",
    "收到的羽绒服是坏的，开不了机", "上门取件的快递一直没来", "东西都寄回去了，退款呢？",
    "收到一条陌生设备登录的短信，是不是被盗号了？", "说明书看不懂，定时在哪开？",
    "换货寄回去4天了，新的还没发", "领的券结算时不能用",
]  # fmt: skip
# Still read as upset (docs/qa-sentiment.md, known limits): the lexicon scores 不行 / 不能用 /
# 到现在都没 and the blend takes any lexicon score as a sign of feeling.
DEMO_CALM_MISSED = [
    "重置了还是不行",
    "领的券结算时不能用",
    "你好，我4天前买的婴儿奶粉到现在都没发货",
]
DEMO_UPSET = [
    "为什么要这么久？", "别家都是秒到，你们为什么这么慢？", "这就是你们的服务态度？",
    "快递到底到哪了？？", "又是我，昨天那个问题还没解决，快递到底到哪了？", "算了，不想说了。",
    "问你呢，到底有没有活动？", "你们的物流也太慢了吧，气死了！",
]  # fmt: skip


def test_demo_customers_calm_lines_are_not_flagged(scorer):
    below = indicator_below()
    assert [t for t in DEMO_CALM if scorer.score(t).score < below] == []
    assert [t for t in DEMO_UPSET if scorer.score(t).score >= below] == []


def test_demo_lines_are_not_training_data():
    train = [t for _, t in load_set("train_zh.tsv") + load_set("dev_zh.tsv")]

    def trigrams(text: str) -> set[str]:
        return {text[i : i + 3] for i in range(len(text) - 2)}

    for demo in DEMO_CALM + DEMO_CALM_MISSED + DEMO_UPSET:
        for text in train:
            a, b = trigrams(demo), trigrams(text)
            assert len(a & b) < 0.3 * max(1, len(a | b)), (demo, text)


def test_held_out_figures_stay_above_their_floors(scorer):
    # Measured (docs/qa-sentiment.md, benchmarks/bench_sentiment.py): 3-class macro-F1 0.935,
    # negative at the indicators' −0.6: recall 0.882, precision 0.968 (lexicon alone: 0.902,
    # 0.618, 1.000; the model before the NBSVM: 0.940, 0.926, 0.955). Floors a little under,
    # so a lexicon edit or a retraining that makes things worse fails here.
    below = indicator_below()
    rows = load_set("eval_zh.tsv")
    results = [(gold, scorer.score(text)) for gold, text in rows]
    f1 = []
    for label in ("negative", "neutral", "positive"):
        tp = sum(1 for g, r in results if g == label == r.label)
        fp = sum(1 for g, r in results if r.label == label != g)
        fn = sum(1 for g, r in results if g == label != r.label)
        f1.append(2 * tp / (2 * tp + fp + fn))
    flagged = [g for g, r in results if r.score < below]
    precision = flagged.count("negative") / len(flagged)
    recall = flagged.count("negative") / sum(1 for g, _ in results if g == "negative")
    assert sum(f1) / 3 >= 0.92
    assert recall >= 0.87
    assert precision >= 0.94
