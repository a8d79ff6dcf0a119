"""Erlang C: the textbook example, pyworkforce on a grid, and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.workforce.core.erlang import evaluate, evaluate_many, required, required_many

TEXTBOOK = {"interval_s": 1800, "aht_s": 180, "target_s": 20, "sl_target": 0.8}


def test_it_matches_the_textbook_example():
    # Call Centre Helper, "Erlang C formula – made simple with an easy worked example":
    # 100 calls in 30 min, AHT 180 s, 80 % in 20 s → 10 Erlangs, 14 agents, SL 88.8 %,
    # Pw 17.4 %, ASA 7.8 s, occupancy 71.4 %; 30 % shrinkage → 20 agents.
    result = required(100, shrinkage=0.3, **TEXTBOOK)
    assert result.intensity == pytest.approx(10.0)
    assert result.raw_positions == 14
    assert result.positions == 20
    assert result.service_level == pytest.approx(0.8884, abs=1e-4)
    assert result.waiting_probability == pytest.approx(0.1741, abs=1e-4)
    assert result.asa_s == pytest.approx(7.84, abs=0.01)
    assert result.occupancy == pytest.approx(0.7143, abs=1e-4)


@pytest.mark.parametrize(
    ("agents", "pw", "sl"),
    [(11, 0.6821, 0.3896), (12, 0.4494, 0.6402), (13, 0.2853, 0.7956), (14, 0.1741, 0.8884)],
)
def test_it_matches_the_textbook_table(agents, pw, sl):
    result = evaluate(agents, 100, interval_s=1800, aht_s=180, target_s=20)
    assert result["waiting_probability"] == pytest.approx(pw, abs=1e-4)
    assert result["service_level"] == pytest.approx(sl, abs=1e-4)


GRID = [
    (volume, aht, target, sl, shrink, occ)
    for volume in (1, 7, 30, 100, 333, 1200)
    for aht in (60, 180, 420)
    for target in (10, 20, 60)
    for sl in (0.7, 0.8, 0.95)
    for shrink in (0.0, 0.25)
    for occ in (0.85, 1.0)
]


def test_it_equals_pyworkforce_on_a_grid():
    from pyworkforce.queuing import ErlangC

    volumes = np.array([g[0] for g in GRID], dtype=float)
    ours = required_many(
        volumes,
        interval_s=1800,
        aht_s=np.array([g[1] for g in GRID], dtype=float),
        target_s=np.array([g[2] for g in GRID], dtype=float),
        sl_target=np.array([g[3] for g in GRID]),
        shrinkage=np.array([g[4] for g in GRID]),
        max_occupancy=np.array([g[5] for g in GRID]),
    )
    for i, (volume, aht, target, sl, shrink, occ) in enumerate(GRID):
        theirs = ErlangC(
            transactions=volume, aht=aht, asa=target, interval=1800, shrinkage=shrink
        ).required_positions(service_level=sl, max_occupancy=occ)
        assert ours["raw_positions"][i] == theirs["raw_positions"], GRID[i]
        assert ours["service_level"][i] == pytest.approx(theirs["service_level"], abs=1e-12)
        assert ours["waiting_probability"][i] == pytest.approx(
            theirs["waiting_probability"], abs=1e-12
        )
        assert ours["occupancy"][i] == pytest.approx(theirs["occupancy"], abs=1e-12)
        exact = math.ceil(round(theirs["raw_positions"] / (1 - shrink), 9))
        # pyworkforce's ceil(raw / (1 − s)) keeps float noise (21 / 0.7 → 31); ours is exact.
        assert ours["positions"][i] == exact
        assert theirs["positions"] in (exact, exact + 1)


def test_it_is_minimal_where_pyworkforce_overshoots():
    # pyworkforce starts its search at round(A + 1); with A = 0.6 and a long target one
    # agent already meets 80 %, and it answers 2.
    result = required(6, interval_s=1800, aht_s=180, target_s=3600, sl_target=0.8)
    assert result.raw_positions == 1
    assert result.service_level >= 0.8


def test_it_handles_chat_concurrency():
    single = required(300, interval_s=1800, aht_s=600, target_s=30, sl_target=0.8)
    triple = required(300, interval_s=1800, aht_s=600, target_s=30, sl_target=0.8, concurrency=3)
    assert triple.raw_positions == math.ceil(single.raw_positions / 3) or (
        triple.raw_positions * 3 >= single.raw_positions
    )
    assert triple.service_level >= 0.8
    assert triple.occupancy <= 1


def test_it_needs_nobody_without_contacts():
    result = required(0, **TEXTBOOK)
    assert (result.raw_positions, result.positions, result.service_level) == (0, 0, 1.0)


def test_it_meets_an_asa_cap():
    result = required(100, max_asa_s=5, **TEXTBOOK)
    assert result.asa_s <= 5
    assert result.raw_positions == 15


@pytest.mark.parametrize(
    "bad",
    [{"sl_target": 1.0}, {"sl_target": 0}, {"aht_s": 0}, {"shrinkage": 1.0}, {"interval_s": -1}],
)
def test_it_refuses_impossible_inputs(bad):
    with pytest.raises(ValueError):
        required(100, **(TEXTBOOK | bad))


def test_an_overloaded_interval_has_no_service():
    result = evaluate(9, 100, interval_s=1800, aht_s=180, target_s=20)
    assert result["service_level"] == 0 and result["asa_s"] == math.inf
    assert result["occupancy"] == 1


traffic = st.floats(min_value=0.1, max_value=400)
aht = st.floats(min_value=10, max_value=1200)
target = st.floats(min_value=0, max_value=600)


@settings(max_examples=200, deadline=None)
@given(volume=traffic, aht_s=aht, target_s=target, concurrency=st.integers(1, 4))
def test_more_agents_never_lower_the_service_level(volume, aht_s, target_s, concurrency):
    agents = np.arange(0, 60)
    result = evaluate_many(
        agents, volume, interval_s=1800, aht_s=aht_s, target_s=target_s, concurrency=concurrency
    )
    sl, asa, occupancy = result["service_level"], result["asa_s"], result["occupancy"]
    asa = np.where(np.isinf(asa), 1e300, asa)  # overloaded: unbounded wait
    assert np.all(np.diff(sl) >= -1e-12)
    assert np.all(np.diff(asa) <= 1e-9)
    assert np.all((occupancy >= 0) & (occupancy <= 1))
    assert np.all((sl >= 0) & (sl <= 1))


@settings(max_examples=200, deadline=None)
@given(
    volume=st.floats(min_value=0, max_value=2000),
    aht_s=aht,
    target_s=target,
    sl=st.floats(min_value=0.05, max_value=0.98),
    shrinkage=st.floats(min_value=0, max_value=0.6),
    occupancy=st.floats(min_value=0.5, max_value=1),
)
def test_the_requirement_meets_its_targets(volume, aht_s, target_s, sl, shrinkage, occupancy):
    result = required(
        volume,
        interval_s=1800,
        aht_s=aht_s,
        target_s=target_s,
        sl_target=sl,
        shrinkage=shrinkage,
        max_occupancy=occupancy,
    )
    assert result.service_level >= sl
    assert result.occupancy <= occupancy + 1e-9
    assert result.positions * (1 - shrinkage) >= result.raw_positions - 1e-9
    if result.raw_positions > 1:  # one agent fewer misses a target (minimal)
        fewer = evaluate(
            result.raw_positions - 1, volume, interval_s=1800, aht_s=aht_s, target_s=target_s
        )
        assert fewer["service_level"] < sl or fewer["occupancy"] > occupancy


def test_it_is_stable_for_big_traffic():
    result = required(60_000, interval_s=1800, aht_s=300, target_s=20, sl_target=0.9)
    assert 10_000 < result.raw_positions < 10_200
    assert math.isfinite(result.asa_s)


def _one_by_one(volume, aht, target, sl, occ, k, max_asa):
    """Servers of one interval by the plain textbook search (the reference of the
    vectorised one): n = 1, 2, … with 1/B(n) = 1 + n / A · 1/B(n − 1)."""
    a = volume / 1800 * aht
    if a == 0:
        return 0
    inv_b, n = 1.0, 0
    while True:
        n += 1
        inv_b = 1 + inv_b * n / a
        if n <= a or n % k:
            continue
        b = 1 / inv_b
        pw = n * b / (n - a * (1 - b))
        if 1 - pw * math.exp(-(n - a) * (target / aht)) >= sl and pw * aht / (n - a) <= max_asa:
            return max(n, math.ceil(a / occ / k - 1e-9) * k)


def test_it_equals_the_one_by_one_search_on_varied_inputs(monkeypatch):
    # Every input varies (so distinct rows are coded over several columns); a tiny
    # budget forces chunks and a tiny window forces the search past its first window.
    from kefu.workforce.core import erlang

    monkeypatch.setattr(erlang, "_BUDGET", 64)
    monkeypatch.setattr(erlang, "_WINDOW", 2)
    rng = np.random.default_rng(5)
    n = 400
    rows = {
        "volume": np.round(rng.gamma(1.0, 150, n)),
        "aht": rng.choice([60.0, 180.0, 600.0], n),
        "target": rng.choice([0.0, 20.0, 3600.0], n),
        "sl": rng.choice([0.5, 0.8, 0.99], n),
        "occ": rng.choice([0.7, 1.0], n),
        "k": rng.choice([1, 3], n),
        "max_asa": rng.choice([math.inf, 5.0], n),
    }
    ours = required_many(
        rows["volume"], interval_s=1800, aht_s=rows["aht"], target_s=rows["target"],
        sl_target=rows["sl"], max_occupancy=rows["occ"], concurrency=rows["k"],
        max_asa_s=rows["max_asa"],
    )  # fmt: skip
    for i in range(n):
        servers = _one_by_one(*(rows[key][i] for key in rows))
        assert ours["raw_positions"][i] == servers // rows["k"][i], i
