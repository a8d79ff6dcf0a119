"""The knowledge demo's month progress (kefu.knowledge.demo._month_index): a request dated
in a month after the last one created (the large demo: conversations closed on New Year's
Day) counts as the last month instead of failing the whole `kefu demo`."""

from kefu.knowledge.demo import _month_index

MONTHS = ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05"]


def test_the_first_and_last_months_are_0_and_1():
    assert _month_index("2024-01", MONTHS) == 0.0
    assert _month_index("2024-03", MONTHS) == 0.5
    assert _month_index("2024-05", MONTHS) == 1.0


def test_months_outside_the_data_count_as_the_nearest_end():
    assert _month_index("2025-01", MONTHS) == 1.0
    assert _month_index("2023-12", MONTHS) == 0.0


def test_a_single_month_is_the_last():
    assert _month_index("2024-07", ["2024-06"]) == 1.0
