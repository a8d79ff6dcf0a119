"""Forecast: a seasonal synthetic history is back-tested with a low MAPE; special days
are learnt from history or taken as entered."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from kefu.workforce.core.forecast import Event, backtest, forecast


def synthetic(seed: int = 1, start="2023-01-02", end="2024-12-29 23:30") -> tuple:
    rng = np.random.default_rng(seed)
    idx = pd.date_range(start, end, freq="30min")
    hour = np.asarray(idx.hour + idx.minute / 60)
    shape = np.sin(np.pi * hour / 24) ** 2 * 30 + 0.5
    weekly = np.where(idx.day_of_week >= 5, 0.7, 1.0)
    trend = 1 + 0.2 * np.arange(len(idx)) / len(idx)
    days = idx.normalize()
    peak = np.where((idx.month == 11) & (idx.day == 11), 3.0, 1.0)
    lam = shape * weekly * trend * peak
    return pd.Series(rng.poisson(lam).astype(float), index=idx), lam, days


def test_the_backtest_of_seasonal_data_has_a_low_mape():
    history, _lam, _ = synthetic()
    result = backtest(history, holdout_days=14)
    assert result.mape_daily < 0.05
    assert result.wape < 0.25  # Poisson noise on ~15 contacts per interval
    assert result.mape_interval < 0.3


def test_it_learns_a_special_day_from_last_year():
    history, lam, _ = synthetic()
    events = [Event("双11", date(y, 11, 11), date(y, 11, 11)) for y in (2023, 2024)]
    result = forecast(history, datetime(2024, 11, 11), 48, events=events)
    assert result.learnt["双11"] is True
    assert result.uplifts["双11"] == pytest.approx(3.0, rel=0.1)
    truth = lam[np.asarray(history.index.normalize() == pd.Timestamp("2024-11-11"))].sum()
    assert result.values.sum() == pytest.approx(truth, rel=0.08)


def test_an_entered_uplift_is_used_as_is():
    history, _lam, _ = synthetic()
    plain = forecast(history, datetime(2024, 12, 2), 48)
    boosted = forecast(
        history,
        datetime(2024, 12, 2),
        48,
        events=[Event("sale", date(2024, 12, 2), date(2024, 12, 2), 2.0)],
    )
    assert boosted.values.sum() == pytest.approx(2 * plain.values.sum(), rel=1e-6)
    assert boosted.learnt["sale"] is False


def test_it_uses_only_the_history_before_the_start():
    history, _lam, _ = synthetic()
    a = forecast(history, datetime(2024, 6, 3), 336)
    b = forecast(history[history.index < "2024-06-03"], datetime(2024, 6, 3), 336)
    assert np.allclose(a.values, b.values)


def test_a_short_history_falls_back_to_the_mean_shape():
    idx = pd.date_range("2024-01-01", periods=48 * 3, freq="30min")
    history = pd.Series(np.tile(np.arange(48, dtype=float), 3), index=idx)
    result = forecast(history, datetime(2024, 1, 4), 48)
    assert result.values.sum() == pytest.approx(history.iloc[:48].sum())
    assert forecast(pd.Series(dtype=float), datetime(2024, 1, 4), 48).values.sum() == 0
