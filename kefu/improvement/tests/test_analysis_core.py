"""The pure cores of root-cause analysis: taxonomy checks, the Pareto table, and the
before/after tests of projects (checked against statsmodels and SciPy)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from statsmodels.stats import rates as sm_rates

from kefu.improvement.core import pareto, projects, taxonomy

KINDS = ("system_bug", "redundant_process", "other")


def test_taxonomy_parse_and_round_trip():
    data = [
        {
            "scene": "售后",
            "problems": [
                {
                    "problem": "退款到账慢",
                    "causes": [{"cause": "流程冗余", "kind": "redundant_process"}],
                },
                {"problem": "物流延迟", "causes": [{"cause": "系统故障", "kind": "system_bug"}]},
            ],
        },
        {"scene": "咨询", "problems": [{"problem": "发票问题", "causes": [{"cause": "系统故障"}]}]},
    ]
    tree = taxonomy.parse(data, KINDS)
    assert tree.problems() == {"退款到账慢": "售后", "物流延迟": "售后", "发票问题": "咨询"}
    assert tree.causes_of("发票问题") == (taxonomy.Cause("系统故障", "other"),)
    assert taxonomy.parse(tree.as_data(), KINDS) == tree


@pytest.mark.parametrize(
    ("data", "path", "message"),
    [
        ([{"scene": ""}], "#1", "a name is required"),
        ([{"scene": "售后"}, {"scene": "售后"}], "售后", "this scene appears twice"),
        (
            [
                {"scene": "售后", "problems": [{"problem": "退款"}]},
                {"scene": "咨询", "problems": [{"problem": "退款"}]},
            ],
            "咨询 / 退款",
            "this problem is already under 售后",
        ),
        (
            [
                {
                    "scene": "售后",
                    "problems": [{"problem": "退款", "causes": [{"cause": "x", "kind": "nope"}]}],
                }
            ],
            "售后 / 退款 / x",
            "unknown kind: nope",
        ),
        ([{"scene": "a/b"}], "#1", "a name may not contain '/' or NUL"),
        ({"scene": "售后"}, "", "a taxonomy is a list of scenes"),
    ],
)
def test_taxonomy_errors_name_the_node(data, path, message):
    with pytest.raises(taxonomy.TaxonomyError) as caught:
        taxonomy.parse(data, KINDS)
    assert caught.value.path == path
    assert caught.value.message == message


def test_pareto_orders_accumulates_and_compares():
    table = pareto.pareto(
        {
            "物流延迟": 40,
            "退款到账慢": 30,
            "商品质量问题": 20,
            "发票问题": 5,
            "退换货": 3,
            "订单修改": 2,
        },
        {"物流延迟": 50, "退款到账慢": 30, "发票问题": 0},
    )
    assert [r.problem for r in table.rows] == [
        "物流延迟",
        "退款到账慢",
        "商品质量问题",
        "发票问题",
        "退换货",
    ]
    assert table.total == 100 and table.others == 2
    first = table.rows[0]
    assert (first.share, first.cumulative, first.change, first.relative_change) == (
        0.4,
        0.4,
        -10,
        -0.2,
    )
    assert table.rows[2].cumulative == pytest.approx(0.9)
    assert table.rows[2].relative_change is None  # no complaints of it the month before
    assert table.top_share == pytest.approx(0.98)


def test_pareto_ties_break_by_name_and_empty_month():
    table = pareto.pareto({"b": 2, "a": 2, "c": 0})
    assert [r.problem for r in table.rows] == ["a", "b"]
    empty = pareto.pareto({})
    assert empty.rows == () and empty.total == 0 and empty.top_share == 0.0


@given(st.dictionaries(st.text(min_size=1, max_size=5), st.integers(0, 500), max_size=12))
def test_pareto_cumulative_is_monotone_and_ends_at_top_share(counts):
    table = pareto.pareto(counts, top=5)
    cumulative = [r.cumulative for r in table.rows]
    assert cumulative == sorted(cumulative)
    assert table.others + sum(r.count for r in table.rows) == table.total
    assert len(table.rows) <= 5


def test_windows_before_and_after_the_project():
    w = projects.windows(date(2024, 7, 1), date(2024, 7, 31), 90, 60, today=date(2024, 9, 15))
    assert (w.before_from, w.before_until) == (date(2024, 4, 2), date(2024, 7, 1))
    assert w.after_from == date(2024, 7, 31)
    assert w.after_until == date(2024, 9, 16)  # cut at today (today counted)
    running = projects.windows(date(2024, 7, 1), None, 90, 60, today=date(2025, 1, 1))
    assert running.after_from == date(2024, 7, 1) and running.after_days == 60


def test_rate_change_matches_statsmodels_and_scipy():
    fig = projects.rate_change(100, 10_000, 18, 10_000)
    assert fig.before_rate == 10.0 and fig.after_rate == 1.8
    assert fig.change == pytest.approx(-0.82)
    expected = sm_rates.test_poisson_2indep(
        18, 10_000, 100, 10_000, method="exact-cond", compare="ratio"
    )
    assert fig.p_value == pytest.approx(expected.pvalue)
    share = binomtest(18, 118).proportion_ci(0.95, method="exact")
    assert fig.ratio_low == pytest.approx(share.low / (1 - share.low))
    assert fig.ratio_high == pytest.approx(share.high / (1 - share.high))
    assert fig.significant


def test_rate_change_with_unequal_exposure_scales_the_ratio():
    fig = projects.rate_change(50, 5_000, 50, 10_000)  # the rate halves
    assert fig.change == pytest.approx(-0.5)
    assert fig.ratio_low < 0.5 < fig.ratio_high


def test_rate_change_without_events_or_exposure_has_no_test():
    none = projects.rate_change(0, 1000, 0, 1000)
    assert none.p_value is None and none.change is None and not none.significant
    empty = projects.rate_change(3, 1000, 0, 0)
    assert empty.after_rate is None and empty.p_value is None
    small = projects.rate_change(5, 10_000, 0, 10_000)
    assert small.change == -1.0 and not small.significant  # 5 → 0 is not enough to tell


def test_rate_change_refuses_impossible_counts():
    with pytest.raises(ValueError):
        projects.rate_change(-1, 10, 0, 10)
    with pytest.raises(ValueError):
        projects.rate_change(11, 10, 0, 10)


def test_share_change_uses_newcombe():
    fig = projects.share_change(80, 100, 95, 100)
    assert fig.before == 0.8 and fig.after == 0.95
    assert fig.difference.value == pytest.approx(0.15)
    assert fig.significant
    assert not projects.share_change(8, 10, 9, 10).significant
