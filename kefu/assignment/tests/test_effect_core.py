"""The effect report's core: rates by month and group from the KPI statistics, the
switch month counted in neither period, the difference in differences."""

from __future__ import annotations

from datetime import date

import pytest

from kefu.assignment.core.effect import AFTER, BEFORE, HIGH, OTHERS, SWITCH, effect, period_of
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


def test_it_refuses_an_unknown_group():
    with pytest.raises(ValueError):
        effect([(date(2024, 1, 1), "vip", stats(1))], None)
