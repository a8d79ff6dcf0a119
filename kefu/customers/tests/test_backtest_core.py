"""The back-test's measures, checked against scikit-learn (a development dependency) and
on synthetic histories whose answer is known."""

from __future__ import annotations

import math
import random
import zoneinfo
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from kefu.customers.core import backtest
from kefu.customers.core.risk import FACTORS, Contact, Weights

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


@given(
    st.lists(
        st.tuples(st.integers(min_value=-5, max_value=5), st.booleans()), min_size=2, max_size=60
    )
)
@settings(max_examples=100, deadline=None)
def test_our_auc_equals_scikit_learns_ties_included(pairs):
    scores = [float(s) for s, _ in pairs]
    outcomes = [o for _, o in pairs]
    ours = backtest.roc_auc(scores, outcomes)
    if len(set(outcomes)) < 2:
        assert ours is None
    else:
        assert ours == pytest.approx(roc_auc_score(outcomes, scores), abs=1e-12)


def test_auc_of_a_perfect_a_reversed_and_a_flat_score():
    outcomes = [False, False, True, True]
    assert backtest.roc_auc([1, 2, 3, 4], outcomes) == 1.0
    assert backtest.roc_auc([4, 3, 2, 1], outcomes) == 0.0
    assert backtest.roc_auc([7, 7, 7, 7], outcomes) == 0.5
    with pytest.raises(ValueError):
        backtest.roc_auc([1, 2], [True])


def test_precision_and_recall_of_the_flag():
    hits = backtest.hits([True, True, False, False, True], [True, False, True, False, True])
    assert (hits.flagged, hits.true_positives, hits.positives) == (3, 2, 3)
    assert hits.precision == pytest.approx(2 / 3)
    assert hits.recall == pytest.approx(2 / 3)
    assert backtest.hits([False], [False]).precision is None


def test_calibration_groups_deciles_by_rank_with_ties_together():
    scores = [0] * 6 + [10, 20, 30, 40]
    outcomes = [False] * 5 + [True] + [False, True, True, True]
    rows = backtest.calibration(scores, outcomes, predicted=[0.1] * 10)
    zero = rows[0]
    assert zero["min_score"] == zero["max_score"] == 0 and zero["customers"] == 6
    assert zero["observed"] == pytest.approx(1 / 6)
    assert [r["max_score"] for r in rows[1:]] == [10, 20, 30, 40]
    assert sum(r["customers"] for r in rows) == 10
    assert all(r["predicted"] == pytest.approx(0.1) for r in rows)


def test_the_logistic_fit_matches_scikit_learns_with_the_same_penalty():
    rng = random.Random(3)
    rows, outcomes = [], []
    for _ in range(3000):
        x = [rng.random() < 0.3, rng.random(), rng.randint(0, 3)]
        z = -2 + 1.5 * x[0] + 0.8 * x[1] + 0.4 * x[2]
        rows.append([float(v) for v in x])
        outcomes.append(rng.random() < 1 / (1 + math.exp(-z)))
    ours = backtest.fit_logistic(rows, outcomes)
    theirs = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(rows, outcomes)
    assert ours is not None
    assert ours[0] == pytest.approx(theirs.intercept_[0], abs=1e-3)
    assert ours[1:] == pytest.approx(list(theirs.coef_[0]), abs=1e-3)


def test_the_logistic_fit_gives_none_for_one_class_and_zero_for_a_constant_column():
    assert backtest.fit_logistic([[1.0], [2.0]], [True, True]) is None
    # a factor no customer with the outcome shows: a finite (negative) weight, not -inf
    separated = backtest.fit_logistic([[1.0]] * 50 + [[0.0]] * 50, [False] * 60 + [True] * 40)
    assert separated is not None and -10 < separated[1] < 0
    rng = random.Random(5)
    rows = [[rng.random(), 0.0] for _ in range(500)]
    outcomes = [rng.random() < 0.2 + 0.5 * r[0] for r in rows]
    fitted = backtest.fit_logistic(rows, outcomes)
    assert fitted is not None and fitted[2] == 0.0 and fitted[1] > 0


def test_fitted_points_double_the_odds_every_ten():
    points = backtest.points_from_coefficients([0.6931471805599453, -0.35, 0, 0, 0, 0, 20])
    assert points["complaints"] == 10
    assert points["escalations"] == -5
    assert points["recent_contact"] == backtest.MAX_FITTED_POINTS  # capped


def test_threshold_for_share():
    scores = [0] * 70 + [10] * 15 + [30] * 10 + [50] * 5
    assert backtest.threshold_for_share(scores, 0.15) == 30
    assert backtest.threshold_for_share(scores, 0.05) == 50
    assert backtest.threshold_for_share([], 0.15) == 0


def _synthetic_year(seed: int) -> list[list[Contact]]:
    """Customers whose temper (hidden) makes them complain more, again and again."""
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=TZ)
    customers = []
    for _ in range(1500):
        touchy = rng.random() < 0.2
        history = []
        for _ in range(rng.randint(1, 8)):
            at = start + timedelta(days=rng.uniform(0, 365))
            complaint = rng.random() < (0.35 if touchy else 0.04)
            history.append(
                Contact(
                    at=at, complaint=complaint, negative=rng.random() < (0.6 if touchy else 0.2)
                )
            )
        customers.append(history)
    return customers


def test_the_back_test_finds_a_real_signal_and_offers_fitted_weights_only_when_better():
    histories = _synthetic_year(11)
    as_of = datetime(2024, 9, 1, tzinfo=TZ)
    result = backtest.run(histories, as_of, timedelta(days=60), Weights())
    assert result["customers"] > 1000
    assert 0 < result["positives"] < result["customers"]
    assert result["hand"]["auc"] > 0.6
    assert result["hand"]["auc"] > result["baseline"]["auc"] - 0.05
    assert result["returning"]["customers"] <= result["customers"]
    fitted = result["fitted"]
    assert fitted is not None
    assert set(fitted["points"]) == set(FACTORS)
    assert fitted["points"]["complaints"] > 0  # the temper shows in complaints
    assert fitted["beats_hand"] == (fitted["auc"] >= result["hand"]["auc"] + backtest.MIN_GAIN)
    assert sum(r["customers"] for r in result["hand"]["calibration"]) == result["customers"]


def test_label_shares():
    shares = backtest.label_shares([0, 5, 10, 29, 30, 45], Weights(high_at=30, low_below=10))
    assert shares == {"high": 2 / 6, "normal": 2 / 6, "low": 2 / 6}
