"""The complaint classifier (kefu/improvement/core/classifier.py) on small synthetic data,
with scikit-learn as the outside check of its features, regression and metrics."""

from __future__ import annotations

import random

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import cross_val_predict, cross_val_score

from kefu.improvement.core.classifier import (
    Example,
    Model,
    NgramVectorizer,
    SoftmaxRegression,
    accuracy,
    evaluate,
    keyword_predictions,
    lbfgs,
    macro_f1,
    stratified_folds,
    threshold_table,
    train,
)
from kefu.improvement.core.cleaning import Cleaner

WORDS = {
    ("售后", "退款到账慢"): ["退款", "没到账", "钱没退", "银行卡", "退回来", "审核"],
    ("售后", "物流延迟"): ["快递", "没送到", "物流", "包裹", "不发货", "中转"],
    ("售后", "退换货"): ["退货", "换货", "尺码", "上门取件", "不合适", "寄回"],
    ("咨询", "发票问题"): ["发票", "抬头", "专票", "报销", "税号", "开票"],
    ("技术", "账户安全"): ["账号", "被盗", "登录", "密码", "冻结", "陌生设备"],
}
COMMON = ["你好", "请问", "怎么回事", "订单", "麻烦", "谢谢", "在吗", "急"]


def synthetic(count: int, seed: int = 1, noise: float = 0.15) -> list[Example]:
    """Texts from each problem's words, common words, and now and then another
    problem's word; dated over one year in order."""
    rng = random.Random(seed)
    keys = list(WORDS)
    out = []
    for i in range(count):
        scene, problem = keys[i % len(keys)] if i < 2 * len(keys) else rng.choice(keys)
        words = rng.sample(WORDS[scene, problem], rng.randint(1, 3))
        words += rng.sample(COMMON, 2)
        if rng.random() < noise:
            words.append(rng.choice(WORDS[rng.choice(keys)]))
        rng.shuffle(words)
        month = 1 + i * 12 // count
        out.append(Example("，".join(words), scene, problem, f"2024-{month:02d}-15T10:00:00+08:00"))
    return out


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    return synthetic(400)


# --- features ----------------------------------------------------------------------------


def test_the_ngram_features_are_scikit_learns_tfidf():
    # given: texts as the classifier sees them (cleaned; padded with a space at both ends)
    texts = [Cleaner().clean(e.text) for e in synthetic(120)] + ["退款", "x"]
    ours = NgramVectorizer(1, 3, min_df=2).fit(texts)
    theirs = TfidfVectorizer(
        analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True, lowercase=False
    ).fit([f" {t} " for t in texts])

    # when
    X = ours.transform(texts).toarray()
    Y = theirs.transform([f" {t} " for t in texts]).toarray()

    # then: the same vocabulary, and the same matrix once the columns are matched
    names = ours.feature_names()
    assert sorted(names) == sorted(theirs.get_feature_names_out())
    order = [theirs.vocabulary_[name] for name in names]
    np.testing.assert_allclose(X, Y[:, order], atol=1e-12)


def test_unknown_characters_and_empty_texts_are_no_features():
    vectorizer = NgramVectorizer(1, 2, min_df=1).fit(["退款慢", "快递慢"])

    X = vectorizer.transform(["", "🙂🙂", "退款"]).toarray()

    # only the boundary (the space around every text) is left of an empty or unknown text
    space = vectorizer.feature_names().index(" ")
    assert X[0].nonzero()[0].tolist() == X[1].nonzero()[0].tolist() == [space]
    assert X[2].sum() > 0 and np.isclose(np.linalg.norm(X[2]), 1.0)


# --- the regression ----------------------------------------------------------------------


@pytest.mark.parametrize("balanced", [False, True])
def test_the_regression_agrees_with_scikit_learn(examples, balanced):
    # given
    texts = [Cleaner().clean(e.text) for e in examples]
    X = NgramVectorizer().fit(texts).transform(texts)
    labels = sorted({e.problem for e in examples})
    y = np.array([labels.index(e.problem) for e in examples])

    # when
    ours = SoftmaxRegression(C=10.0, max_iter=500).fit(X, y, len(labels), balanced)
    theirs = LogisticRegression(
        C=10.0, max_iter=2000, tol=1e-8, class_weight="balanced" if balanced else None
    ).fit(X, y)

    # then: the same minimum of the same objective
    P, Q = ours.predict_proba(X), theirs.predict_proba(X)
    assert (P.argmax(axis=1) == Q.argmax(axis=1)).mean() >= 0.99
    assert np.abs(P - Q).max() < 0.02


def test_lbfgs_finds_the_minimum_of_a_quadratic():
    scale = np.array([1.0, 10.0, 100.0])

    def fun(x):
        return float((scale * (x - 1) ** 2).sum()), 2 * scale * (x - 1)

    x, iterations = lbfgs(fun, np.zeros(3), 100, gtol=1e-10)

    np.testing.assert_allclose(x, 1.0, atol=1e-6)
    assert 0 < iterations < 100


# --- the model ---------------------------------------------------------------------------


def test_it_learns_problems_and_derives_their_scenes(examples):
    model = train(examples[:300])

    predictions = model.predict([e.text for e in examples[300:]])

    truth = examples[300:]
    assert accuracy([e.problem for e in truth], [p.problem for p in predictions]) > 0.85
    assert all(p.scene == model.problem_scene[p.problem] for p in predictions)
    assert all(0 < p.confidence <= p.scene_confidence + 1e-9 <= 1 + 1e-9 for p in predictions)
    assert model.info()["problems"] == sorted({e.problem for e in examples})


def test_a_separate_scene_classifier_can_be_chosen(examples):
    model = train(examples[:300], {"scene": "separate"})

    predictions = model.predict([e.text for e in examples[300:]])

    assert model.scene_model is not None
    assert accuracy([e.scene for e in examples[300:]], [p.scene for p in predictions]) > 0.85


def test_synonyms_are_applied_before_the_features():
    # given: the training texts say 退款 only; the new text says it another way
    data = [Example("退款没到账", "售后", "退款到账慢")] * 5 + [
        Example("发票抬头错了", "咨询", "发票问题")
    ] * 5
    model = train(data, {"min_df": 1}, synonyms={"钱没收到": "退款没到账"})

    (prediction,) = model.predict(["钱没收到！！"])

    assert prediction.problem == "退款到账慢"
    assert model.synonyms == {"钱没收到": "退款没到账"}


def test_it_serialises_to_bytes_without_pickle_and_back(examples):
    model = train(examples[:200], {"scene": "separate"}, synonyms={"钱": "退款"})
    texts = [e.text for e in examples[200:260]]

    data = model.to_bytes()
    again = Model.from_bytes(data)

    assert isinstance(data, bytes) and b"pickle" not in data[:64]
    assert again.predict(texts) == model.predict(texts)
    assert again.info() == model.info()
    with np.load(__import__("io").BytesIO(data), allow_pickle=False) as stored:
        assert "header" in stored.files


def test_it_refuses_bad_parameters_and_no_examples(examples):
    with pytest.raises(ValueError):
        train(examples, {"ngram_max": 9})
    with pytest.raises(ValueError):
        train(examples, {"no_such": 1})
    with pytest.raises(ValueError):
        train([])


# --- measuring ----------------------------------------------------------------------------


def test_accuracy_and_macro_f1_are_scikit_learns():
    rng = random.Random(3)
    truth = [rng.choice("abcd") for _ in range(200)]
    predicted = [t if rng.random() < 0.7 else rng.choice("abcde") for t in truth]

    assert accuracy(truth, predicted) == pytest.approx(accuracy_score(truth, predicted))
    assert macro_f1(truth, predicted) == pytest.approx(f1_score(truth, predicted, average="macro"))


def test_stratified_folds_partition_every_label_evenly():
    labels = ["a"] * 50 + ["b"] * 23 + ["c"] * 7

    folds = stratified_folds(labels, 5, seed=2)

    assert sorted(i for fold in folds for i in fold) == list(range(80))
    for fold in folds:
        counts = {label: sum(labels[i] == label for i in fold) for label in "abc"}
        assert counts["a"] == 10 and counts["b"] in (4, 5) and counts["c"] in (1, 2)
    assert folds == stratified_folds(labels, 5, seed=2) != stratified_folds(labels, 5, seed=3)


class _Wrapped(BaseEstimator, ClassifierMixin):
    """The same model behind scikit-learn's estimator interface (texts in, problems out)."""

    def __init__(self, scenes=None):
        self.scenes = scenes

    def fit(self, X, y):
        self.model_ = train([Example(t, self.scenes[p], p) for t, p in zip(X, y, strict=True)])
        self.classes_ = np.array(sorted(set(y)))
        return self

    def predict(self, X):
        return np.array([p.problem for p in self.model_.predict(list(X))])


def test_cross_validated_accuracy_is_scikit_learns_on_the_same_split(examples):
    # given: our folds, handed to scikit-learn as (train, test) index pairs
    result = evaluate(examples, folds=4, seed=5)
    test_folds = stratified_folds([e.problem for e in examples], 4, seed=5)
    split = [
        (np.array([i for i in range(len(examples)) if i not in set(test)]), np.array(test))
        for test in test_folds
    ]
    X = np.array([e.text for e in examples], dtype=object)
    y = np.array([e.problem for e in examples])
    scenes = {e.problem: e.scene for e in examples}

    # when
    predicted = cross_val_predict(_Wrapped(scenes), X, y, cv=split)
    per_fold = cross_val_score(_Wrapped(scenes), X, y, cv=split, scoring="accuracy")

    # then
    assert result.cv["model"].problem_accuracy == pytest.approx(accuracy_score(y, predicted))
    assert result.cv["model"].problem_f1 == pytest.approx(f1_score(y, predicted, average="macro"))
    sizes = [len(test) for _, test in split]
    assert result.cv["model"].problem_accuracy == pytest.approx(np.average(per_fold, weights=sizes))


def test_evaluate_reports_baselines_holdout_thresholds_and_confusions(examples):
    result = evaluate(examples, folds=5, holdout_from="2024-10-01")

    cv = result.cv
    assert cv["model"].problem_accuracy > cv["keyword"].problem_accuracy
    assert cv["model"].problem_accuracy > cv["majority"].problem_accuracy
    assert cv["majority"].problem_accuracy == pytest.approx(0.2, abs=0.05)
    train_n, test_n = result.holdout_sizes
    assert train_n + test_n == len(examples) and test_n == sum(
        str(e.at) >= "2024-10-01" for e in examples
    )
    assert result.holdout["model"].problem_accuracy > 0.8
    coverage = [row["coverage"] for row in result.thresholds]
    assert coverage[0] == 1.0 and coverage == sorted(coverage, reverse=True)
    assert all(truth != predicted for truth, predicted, _ in result.confusions)
    data = result.as_dict()
    assert set(data["cross_validated"]) == {"model", "majority", "keyword"}
    assert data["held_out_from"] == "2024-10-01"


def test_the_keyword_baseline_counts_the_problems_names():
    cleaner = Cleaner({"钱没到": "退款到账慢"})
    problems = ["退款到账慢", "物流延迟"]
    scenes = {"退款到账慢": "售后", "物流延迟": "售后"}
    texts = [cleaner.clean(t) for t in ("钱没到", "物流延迟物流延迟，退款到账慢", "你好")]

    predicted = keyword_predictions(problems, scenes, "物流延迟", texts, cleaner)

    assert [p for _, p in predicted] == ["退款到账慢", "物流延迟", "物流延迟"]


def test_threshold_table_splits_coverage_and_accuracy():
    class P:
        def __init__(self, problem, confidence):
            self.problem, self.confidence = problem, confidence

    rows = threshold_table(
        ["a", "a", "b", "b"], [P("a", 0.9), P("b", 0.4), P("b", 0.8), P("b", 0.2)], (0.0, 0.5)
    )

    assert rows[0] == {
        "threshold": 0.0,
        "coverage": 1.0,
        "accuracy": 0.75,
        "accuracy_below": pytest.approx(float("nan"), nan_ok=True),
    }
    assert rows[1]["coverage"] == 0.5 and rows[1]["accuracy"] == 1.0
    assert rows[1]["accuracy_below"] == 0.5
