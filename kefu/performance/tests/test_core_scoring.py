"""From figures to points and a score: the mapping, the weights, the absence factor."""

from __future__ import annotations

import pytest

from kefu.performance.core.scoring import BANDS, IndicatorSpec, points, review
from kefu.performance.core.stats import Estimate

QA = IndicatorSpec("qa.score", "quality", 60, floor=60, target=95)
FRT = IndicatorSpec("kpi.frt_mean_s", "efficiency", 40, floor=60, target=20)


def test_linear_points_clamp_between_floor_and_target():
    assert points(QA, 60) == 0
    assert points(QA, 77.5) == pytest.approx(50)
    assert points(QA, 95) == 100
    assert points(QA, 99) == 100
    assert points(QA, 10) == 0
    assert points(QA, None) is None


def test_a_floor_above_the_target_means_lower_is_better():
    assert points(FRT, 40) == pytest.approx(50)
    assert points(FRT, 15) == 100
    assert points(FRT, 90) == 0


def test_bands_earn_the_last_band_reached():
    spec = IndicatorSpec("training.certified", "development", 5, BANDS, bands=((0, 0), (1, 100)))
    assert points(spec, 0) == 0
    assert points(spec, 1) == 100


def test_the_score_is_the_weighted_mean_and_missing_figures_renormalise():
    result, _ = review(
        [QA, FRT], {"qa.score": Estimate(77.5, 40), "kpi.frt_mean_s": Estimate(20, 40)}
    )
    assert result.score == pytest.approx(0.6 * 50 + 0.4 * 100)
    alone, _ = review([QA, FRT], {"qa.score": Estimate(77.5, 40)})
    assert alone.score == pytest.approx(50)
    assert alone.missing == ("kpi.frt_mean_s",)
    nothing, _ = review([QA, FRT], {})
    assert nothing.score is None


def test_the_interval_carries_the_figures_uncertainty():
    exact, _ = review([QA], {"qa.score": Estimate(77.5, 1)})
    assert exact.low == exact.high == pytest.approx(50)
    wide, lines = review([QA], {"qa.score": Estimate(77.5, 10, 70.5, 84.5)})
    assert lines[0].points_low == pytest.approx(30)
    assert lines[0].points_high == pytest.approx(70)
    assert wide.low == pytest.approx(30, abs=0.01)
    assert wide.high == pytest.approx(70, abs=0.01)


def test_a_dimension_factor_cuts_only_that_dimension():
    exam = IndicatorSpec("training.exam_score", "development", 50, floor=60, target=95)
    result, _ = review(
        [QA, exam],
        {"qa.score": Estimate(95, 5), "training.exam_score": Estimate(95, 1)},
        {"development": 0.85},
    )
    assert result.dimensions == {"quality": 100, "development": pytest.approx(85)}
    assert result.score == pytest.approx((60 * 100 + 50 * 85) / 110)


def test_validation_names_what_is_wrong():
    assert IndicatorSpec("x", "quality", 0, floor=1, target=1).validate() == [
        "weight must be above 0",
        "floor and target must differ",
    ]
    assert IndicatorSpec("x", "quality", 5, BANDS, bands=((5, 10), (1, 20))).validate() == [
        "bands must ascend by their lower bound"
    ]
    assert QA.validate() == []
