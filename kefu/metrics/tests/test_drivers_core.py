"""The shift-share decomposition: contributions add up to the change exactly, and split
into what groups did (performance) and how their weights moved (mix)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.metrics.core.drivers import decomposable, decompose


def nps(promoters: int, detractors: int, answered: int) -> dict:
    return {"nps_promoters": promoters, "nps_detractors": detractors, "nps_n": answered}


def test_a_team_that_improved_drives_the_nps_rise():
    before = {"A": nps(40, 20, 100), "B": nps(30, 30, 100)}  # +20, 0 → NPS 10
    after = {"A": nps(40, 20, 100), "B": nps(50, 10, 100)}  # +20, +40 → NPS 30
    drivers = decompose("nps", before, after)
    assert (drivers.before, drivers.after, drivers.change) == (10.0, 30.0, 20.0)
    top = drivers.contributions[0]
    assert top.group == "B" and top.performance == pytest.approx(20.0) and top.mix == 0
    assert drivers.contributions[1].total == pytest.approx(0.0)


def test_a_mix_shift_toward_a_better_channel_is_mix_not_performance():
    before = {"chat": {"fcr_rate": 0, "first_contact_resolved": 80, "resolved": 100},
              "email": {"first_contact_resolved": 40, "resolved": 100}}  # fmt: skip
    after = {"chat": {"first_contact_resolved": 240, "resolved": 300},
             "email": {"first_contact_resolved": 40, "resolved": 100}}  # fmt: skip
    drivers = decompose("fcr_rate", before, after)
    assert drivers.change == pytest.approx(0.7 - 0.6)
    assert all(c.performance == pytest.approx(0) for c in drivers.contributions)
    assert sum(c.mix for c in drivers.contributions) == pytest.approx(0.1)
    chat = next(c for c in drivers.contributions if c.group == "chat")
    assert chat.mix > 0 and chat.weight_after == 0.75


def test_a_group_new_in_the_second_period_counts_by_its_weight():
    drivers = decompose(
        "csat_satisfied_rate",
        {"A": {"csat_satisfied": 5, "csat_n": 10}},
        {"A": {"csat_satisfied": 5, "csat_n": 10}, "B": {"csat_satisfied": 10, "csat_n": 10}},
    )
    assert drivers.change == pytest.approx(0.25)
    assert sum(c.total for c in drivers.contributions) == pytest.approx(0.25)
    assert drivers.contributions[0].group == "B" and drivers.contributions[0].before is None


def test_percentiles_cannot_be_decomposed():
    assert not decomposable("frt_p90_s")
    with pytest.raises(ValueError):
        decompose("frt_p90_s", {}, {})


group = st.fixed_dictionaries(
    {"first_contact_resolved": st.integers(0, 50), "extra": st.integers(0, 50)}
).map(lambda d: {"first_contact_resolved": d["first_contact_resolved"],
                 "resolved": d["first_contact_resolved"] + d["extra"]})  # fmt: skip
periods = st.dictionaries(st.sampled_from("abcdef"), group, min_size=1, max_size=6)


@given(periods, periods)
def test_the_contributions_add_up_to_the_change(before, after):
    drivers = decompose("fcr_rate", before, after)
    if drivers.change is None:
        return
    assert sum(c.total for c in drivers.contributions) == pytest.approx(drivers.change, abs=1e-9)
