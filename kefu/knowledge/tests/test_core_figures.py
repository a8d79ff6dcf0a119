"""The knowledge figures' definitions (pure), with values computed by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kefu.knowledge.core import figures


def test_it_divides_linked_by_closed_and_has_no_rate_without_conversations():
    assert figures.link_rate(closed=4, linked=3) == 0.75
    assert figures.link_rate(closed=0, linked=0) is None


def test_the_reuse_rate_is_known_over_known_plus_new():
    assert figures.reuse_rate(reused=8, new=1) == pytest.approx(8 / 9)
    assert figures.reuse_rate(reused=0, new=2) == 0.0
    assert figures.reuse_rate(reused=0, new=0) is None


def test_the_healthy_band_is_kcs_sixty_to_eighty_percent():
    assert figures.in_band(0.6) and figures.in_band(0.8)
    assert figures.in_band(0.59) is False and figures.in_band(0.81) is False
    assert figures.in_band(None) is None


def test_freshness_is_median_and_mean_hours():
    start = datetime(2024, 5, 3, 2, 0, tzinfo=UTC)
    assert figures.hours(start, datetime(2024, 5, 4, 6, 30, tzinfo=UTC)) == 28.5
    fresh = figures.freshness([28, 2, 4, 10])
    assert (fresh.resolved, fresh.median_h, fresh.mean_h) == (4, 7.0, 11.0)
    assert fresh.meets_goal is False
    assert figures.freshness([3.5]).meets_goal is True
    assert figures.freshness([]) == figures.Freshness(0, None, None)


def test_freshness_by_month_lists_every_month_and_drops_others():
    rows = [("2024-01", 30.0), ("2024-01", 26.0), ("2024-03", 3.0), ("2023-12", 5.0)]
    months = figures.freshness_by_month(rows, ["2024-01", "2024-02", "2024-03"])
    assert list(months) == ["2024-01", "2024-02", "2024-03"]
    assert (months["2024-01"].median_h, months["2024-01"].mean_h) == (28.0, 28.0)
    assert months["2024-02"].median_h is None and months["2024-02"].resolved == 0
    assert months["2024-03"].median_h == 3.0


def test_an_article_is_overdue_after_its_review_day_only():
    dues = [date(2024, 5, 1), None, date(2024, 6, 1), date(2024, 5, 31)]
    assert figures.overdue(dues, on=date(2024, 6, 1)) == 2


def test_queries_not_found_are_normalised_grouped_and_ranked():
    assert figures.normalize_query("  退款　到账？？ ") == "退款 到账"
    assert figures.normalize_query("ＡＢＣ发票") == "abc发票"
    ranked = figures.not_found(["发票怎么开？", "发票怎么开", "物流丢件", "", "？？", "退款 到账!"])
    assert ranked == [("发票怎么开", 2), ("物流丢件", 1), ("退款 到账", 1)]
    assert figures.not_found(["a", "b", "b"], limit=1) == [("b", 2)]
