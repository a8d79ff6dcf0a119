"""One unit per figure on every page: a handle time reads in minutes whether it is five
minutes or fifty, a first response in seconds whatever its size."""

from __future__ import annotations

import pytest

from kefu.metrics.core.formatting import format_change, format_value


@pytest.mark.parametrize(
    ("key", "value", "zh", "en"),
    [
        ("aht_s", 354.5, "5.9 分钟", "5.9 min"),
        ("aht_s", 1068.0, "17.8 分钟", "17.8 min"),
        ("resolution_time_mean_s", 90.0, "1.5 分钟", "1.5 min"),
        ("frt_mean_s", 29.3, "29.3 秒", "29.3 s"),
        ("frt_mean_s", 700.0, "700.0 秒", "700.0 s"),
        ("escalation_mean_min", 89.0, "89.0 分钟", "89.0 min"),
        ("fcr_rate", 0.785, "78.5%", "78.5%"),
    ],
)
def test_a_figure_keeps_its_unit_whatever_its_size(key, value, zh, en):
    assert format_value(key, value, "zh-hans") == zh
    assert format_value(key, value, "en") == en


def test_a_change_reads_in_the_figures_unit():
    assert format_change("aht_s", 300.0, 360.0) == "−1.0 min"
    assert format_change("frt_mean_s", 29.0, 31.5) == "−2.5 s"
    assert format_change("fcr_rate", 0.78, 0.75) == "+3.0 pp"
