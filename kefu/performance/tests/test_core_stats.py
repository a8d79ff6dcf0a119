"""The statistics of a review, checked against statsmodels and scipy (code nobody here
wrote) where they compute the same thing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats as scipy_stats
from statsmodels.stats.proportion import proportion_confint

from kefu.performance.core.stats import (
    bootstrap_mean,
    indistinguishable,
    mean_interval,
    mean_of,
    nps_interval,
    shrink_means,
    shrink_rates,
    wilson,
)


@given(
    st.integers(min_value=1, max_value=2000).flatmap(
        lambda n: st.tuples(st.integers(0, n), st.just(n))
    )
)
def test_wilson_matches_statsmodels(pair):
    k, n = pair
    ours = wilson(k, n)
    low, high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert ours.value == pytest.approx(k / n)
    assert ours.low == pytest.approx(low, abs=1e-9)
    assert ours.high == pytest.approx(high, abs=1e-9)


def test_wilson_of_nothing_says_nothing_and_refuses_nonsense():
    assert wilson(0, 0).value is None
    with pytest.raises(ValueError):
        wilson(5, 3)


def test_a_perfect_small_sample_is_not_certain():
    # 5 satisfied of 5 surveys: 100 %, but the interval reaches down to about 57 %
    estimate = wilson(5, 5)
    assert estimate.value == 1.0
    assert estimate.low == pytest.approx(0.566, abs=1e-3)


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=2, max_size=60))
def test_mean_interval_matches_scipy_t(values):
    ours = mean_of(values)
    mean = sum(values) / len(values)
    sd = scipy_stats.tstd(values) if len(set(values)) > 1 else 0.0
    if sd == 0:
        assert ours.low == pytest.approx(mean, abs=1e-6)
        return
    low, high = scipy_stats.t.interval(
        0.95, len(values) - 1, loc=mean, scale=sd / math.sqrt(len(values))
    )
    assert ours.value == pytest.approx(mean)
    assert ours.low == pytest.approx(low, abs=1e-6)
    assert ours.high == pytest.approx(high, abs=1e-6)


def test_one_observation_has_no_interval():
    assert mean_interval(1, 80.0, 6400.0) == mean_of([80.0])
    assert mean_of([80.0]).low is None


def test_nps_interval():
    # 6 promoters, 2 detractors of 10: NPS 40; the interval from the shares after one
    # pseudo-answer per category: p = 7/13, d = 3/13
    estimate = nps_interval(6, 2, 10)
    p, d = 7 / 13, 3 / 13
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / 13) * 100
    assert estimate.value == pytest.approx(40)
    assert estimate.low == pytest.approx((p - d) * 100 - half)
    assert estimate.high == pytest.approx((p - d) * 100 + half)
    # all promoters: 100, but not certainly 100
    perfect = nps_interval(10, 0, 10)
    assert perfect.value == 100
    assert perfect.high == 100 and perfect.low < 80


def test_bootstrap_is_reproducible_and_brackets_the_mean():
    values = [60.0, 72.0, 75.0, 80.0, 95.0, 99.0, 55.0]
    first, again = bootstrap_mean(values), bootstrap_mean(values)
    assert first == again
    assert first.low < first.value < first.high


def test_shrinkage_moves_small_samples_most():
    # a team whose true rates spread a little around ~88 %
    counts = {agent: (330 + 10 * agent, 400) for agent in range(8)}
    counts["new"] = (1, 4)  # 25 % of 4 surveys: mostly chance
    moved = shrink_rates(counts)
    assert moved["new"] > 0.6  # most of the way to the team
    counts["busy"] = (100, 400)  # 25 % of 400: a real difference
    moved = shrink_rates(counts)
    assert 0.25 <= moved["busy"] < 0.27  # hardly moved


def test_no_spread_beyond_chance_gives_everyone_the_pooled_rate():
    moved = shrink_rates({"a": (9, 10), "b": (8, 10), "c": (90, 100)})
    pooled = 107 / 120
    assert moved == {
        "a": pytest.approx(pooled),
        "b": pytest.approx(pooled),
        "c": pytest.approx(pooled),
    }


def test_means_shrink_by_their_noise():
    def moments(values):
        return (len(values), sum(values), sum(v * v for v in values))

    # QA scores: sd ~7 within an agent, agents' means 80–85
    team = {i: moments([70.0 + i, 90.0 + i, 80.0 + i, 85.0 + i, 75.0 + i] * 8) for i in range(6)}
    team["few"] = moments([50.0, 60.0])
    moved = shrink_means(team)
    assert moved["few"] > 70  # pulled most of the way up to the team's ~82
    assert moved[5] == pytest.approx(85, abs=1)  # 40 observations: barely moved


def test_overlapping_intervals_share_a_rank():
    ranks = {
        r.key: (r.rank, r.group_size)
        for r in indistinguishable(
            [
                ("c", 70.0, 65.0, 75.0),
                ("a", 90.0, 85.0, 95.0),
                ("b", 88.0, 84.0, 92.0),
                ("d", 60.0, None, None),
            ]
        )
    }
    assert ranks == {"a": (1, 2), "b": (1, 2), "c": (3, 1), "d": (4, 1)}


def test_mean_shrinkage_uses_the_dersimonian_laird_variance_of_statsmodels():
    from statsmodels.stats.meta_analysis import combine_effects

    samples = {
        "a": [80.0, 90.0, 85.0, 70.0, 95.0, 88.0],
        "b": [60.0, 75.0, 70.0],
        "c": [92.0, 97.0, 99.0, 90.0, 94.0, 96.0, 91.0, 98.0],
        "d": [85.0, 86.0],
        "e": [55.0, 65.0, 70.0, 62.0, 58.0],
    }
    moments = {k: (len(v), sum(v), sum(x * x for x in v)) for k, v in samples.items()}
    within = sum(sum((x - sum(v) / len(v)) ** 2 for x in v) for v in samples.values()) / sum(
        len(v) - 1 for v in samples.values()
    )
    means = [sum(v) / len(v) for v in samples.values()]
    variances = [within / len(v) for v in samples.values()]
    meta = combine_effects(np.array(means), np.array(variances), method_re="dl")
    tau2 = meta.tau2
    centre = sum(m / v for m, v in zip(means, variances, strict=True)) / sum(
        1 / v for v in variances
    )
    expected = {
        key: (within / len(v)) / (within / len(v) + tau2) * centre
        + tau2 / (within / len(v) + tau2) * (sum(v) / len(v))
        for key, v in samples.items()
    }
    assert shrink_means(moments) == pytest.approx(expected)
