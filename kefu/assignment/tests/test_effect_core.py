"""The effect report's core: rates by month and group from the KPI statistics, the
switch month counted in neither period, the difference in differences."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.assignment.core.effect import (
    AFTER,
    BEFORE,
    HIGH,
    OTHERS,
    SWITCH,
    UNKNOWN,
    combined_interval,
    default_span,
    effect,
    period_of,
)
from kefu.core.intervals import newcombe, wilson
from kefu.metrics.core import kpis


def stats(conversations: int, complaints: int = 0, escalated: int = 0) -> dict:
    s = kpis.add_stats([])
    s.update(conversations=conversations, complaints=complaints, escalated=escalated)
    return s


def test_the_switch_month_is_counted_in_neither_period():
    since = date(2024, 6, 15)
    assert period_of(date(2024, 5, 1), since) == BEFORE
    assert period_of(date(2024, 6, 1), since) == SWITCH
    assert period_of(date(2024, 7, 1), since) == AFTER
    assert period_of(date(2024, 6, 1), date(2024, 6, 1)) == AFTER  # on the first: after
    assert period_of(date(2030, 1, 1), None) == BEFORE  # never switched on


def test_it_computes_the_contract_rates_by_month_and_group():
    rows = [
        (date(2024, 5, 1), HIGH, stats(10, complaints=4, escalated=2)),
        (date(2024, 5, 1), HIGH, stats(10, complaints=0, escalated=0)),  # added up
        (date(2024, 5, 1), OTHERS, stats(100, complaints=5, escalated=10)),
        (date(2024, 6, 1), HIGH, stats(10, complaints=1, escalated=1)),
        (date(2024, 7, 1), HIGH, stats(20, complaints=2, escalated=1)),
        (date(2024, 7, 1), OTHERS, stats(100, complaints=4, escalated=10)),
    ]
    result = effect(rows, date(2024, 6, 10))
    may, june, july = result.months
    assert may.period == BEFORE and june.period == SWITCH and july.period == AFTER
    assert may.cells[HIGH].conversations == 20
    assert may.cells[HIGH].complaint_rate == pytest.approx(4 / 20)
    assert may.cells[HIGH].escalation_rate == pytest.approx(2 / 20)
    assert june.cells[OTHERS].conversations == 0
    assert june.cells[OTHERS].complaint_rate is None  # no conversation: no rate
    # the periods pool their months (June in neither)
    assert result.before[HIGH].complaint_rate == pytest.approx(0.2)
    assert result.after[HIGH].complaint_rate == pytest.approx(0.1)
    assert result.after[OTHERS].complaint_rate == pytest.approx(0.04)
    # (0.1 − 0.2) − (0.04 − 0.05) = −0.09
    assert result.did["complaint_rate"] == pytest.approx(-0.09)
    # escalations: (0.05 − 0.1) − (0.1 − 0.1) = −0.05
    assert result.did["escalation_rate"] == pytest.approx(-0.05)


def test_the_rates_are_the_kpi_contracts():
    # the same statistics through the KPI core's own finishing formula
    s = stats(8, complaints=3, escalated=5)
    figures = kpis.finalize(s, {})
    cell = effect([(date(2024, 1, 1), HIGH, s)], None).months[0].cells[HIGH]
    assert (cell.complaint_rate, cell.escalation_rate) == (
        figures["complaint_rate"],
        figures["escalation_rate"],
    )


def test_no_after_period_gives_no_difference():
    result = effect([(date(2024, 1, 1), HIGH, stats(5, 1))], None)
    assert result.did == {"complaint_rate": None, "escalation_rate": None}
    assert result.after[HIGH].conversations == 0


def test_conversations_without_a_label_at_arrival_are_counted_in_no_rate():
    rows = [
        (date(2024, 5, 1), HIGH, stats(10, complaints=2)),
        (date(2024, 5, 1), UNKNOWN, stats(7, complaints=7, escalated=7)),
        (date(2024, 6, 1), UNKNOWN, stats(3, complaints=3)),
        (date(2024, 7, 1), UNKNOWN, stats(4)),
    ]
    result = effect(rows, date(2024, 6, 10))
    may, june, july = result.months
    assert (may.unknown, june.unknown, july.unknown) == (7, 3, 4)
    assert may.cells[HIGH].complaint_rate == pytest.approx(0.2)  # the 7 are not in it
    assert may.cells[OTHERS].conversations == 0
    assert result.before[HIGH].conversations == 10
    assert result.unknown == {BEFORE: 7, SWITCH: 3, AFTER: 4}


def test_the_interval_of_two_rates_is_newcombes():
    # MOVER from Wilson intervals is Newcombe's hybrid score interval for k1/n1 − k2/n2
    ours = combined_interval([(12, 80, +1), (30, 95, -1)])
    theirs = newcombe(12, 80, 30, 95)
    assert (ours.value, ours.low, ours.high) == pytest.approx(
        (theirs.value, theirs.low, theirs.high)
    )


def test_the_difference_in_differences_has_its_interval():
    rows = [
        (date(2024, 1, 1), HIGH, stats(200, complaints=30, escalated=28)),
        (date(2024, 1, 1), OTHERS, stats(2000, complaints=100, escalated=102)),
        (date(2024, 3, 1), HIGH, stats(150, complaints=6, escalated=6)),
        (date(2024, 3, 1), OTHERS, stats(1800, complaints=63, escalated=72)),
    ]
    result = effect(rows, date(2024, 2, 1))
    interval = result.did_interval["complaint_rate"]
    # (6/150 − 30/200) − (63/1800 − 100/2000) = −0.11 + 0.015 = −0.095
    assert interval.value == pytest.approx(-0.095)
    assert interval.value == pytest.approx(result.did["complaint_rate"])
    # the limits: the square root of the four rates' squared distances to the limits
    # that move the sum down (resp. up); high after and others before count +, the others −
    parts = [(wilson(6, 150), +1), (wilson(30, 200), -1), (wilson(63, 1800), -1),
             (wilson(100, 2000), +1)]  # fmt: skip
    down = sum(((e.value - e.low) if s > 0 else (e.high - e.value)) ** 2 for e, s in parts)
    up = sum(((e.high - e.value) if s > 0 else (e.value - e.low)) ** 2 for e, s in parts)
    assert interval.low == pytest.approx(-0.095 - down**0.5)
    assert interval.high == pytest.approx(-0.095 + up**0.5)
    # at these sizes it is close to the Wald interval, ±1.96 √Σ p(1 − p)/n ≈ ±0.060
    wald = 1.96 * sum(k / n * (1 - k / n) / n for k, n in
                      ((6, 150), (30, 200), (63, 1800), (100, 2000))) ** 0.5  # fmt: skip
    assert interval.low == pytest.approx(-0.095 - wald, abs=0.005)
    assert interval.high == pytest.approx(-0.095 + wald, abs=0.005)
    assert interval.n == 150
    # no conversation in a cell: no interval
    empty = effect(rows[:2], date(2024, 2, 1)).did_interval["complaint_rate"]
    assert empty.value is None and empty.low is None


def test_the_default_span_is_a_year_before_the_switch_month_to_today():
    assert default_span(date(2024, 9, 1), date(2025, 1, 5)) == (date(2023, 9, 1), date(2025, 1, 5))
    assert default_span(None, date(2025, 1, 5)) == (date(2024, 1, 1), date(2025, 1, 5))


def test_it_refuses_an_unknown_group():
    with pytest.raises(ValueError):
        effect([(date(2024, 1, 1), "vip", stats(1))], None)
