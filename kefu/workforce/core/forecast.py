"""Contact volume per interval, the way workforce tools forecast it: the volume of each
day, then its distribution over the day.

1. Daily volume: a Poisson regression (statsmodels GLM, log link) on daily totals,
       log E[day] = level + day of week + trend · weeks + Σ event uplifts,
   so weekly rhythm, growth and special days (双11, 618, holidays) are multiplicative,
   as contact volume is. An event's uplift is a coefficient (learnt when the history
   holds a day of it and no uplift was entered, e.g. last year's 双11) or the uplift a
   planner entered (used as is: an offset, not fitted).
2. Intraday profile: the share of each interval in its day, per day type (weekday,
   Saturday, Sunday), from the last `PROFILE_WEEKS` weeks without special days.

For Poisson counts this is the separable model log E[interval] = day effect + time of
day effect per day type, whose fitted shares are the observed ones; fitting daily totals
instead of 17,520 intervals makes it take milliseconds, not seconds.

The history ends where the data ends: a day after the last conversation is unknown, not
a day without contacts. The model forecasts any day after the history (the daily model
takes dates), so a planned week two weeks after the data is simply a longer horizon.

Accuracy is measured by a back-test: fit on the history before the last `holdout_days`,
forecast them, compare. MAPE is given on daily totals and on intervals with at least
`MAPE_MIN_COUNT` contacts (MAPE of tiny counts measures Poisson noise, not the model);
WAPE (Σ|error| / Σ actual) covers every interval. Beside it, the benchmark every
forecast must beat: the seasonal-naive forecast (each interval = the same weekday and
interval of the last week of history), its WAPE over the same days, and MASE (our mean
absolute error over the naive's in-sample one-week-ahead error). `noise_wape` is the
WAPE a perfect forecast would still have from Poisson chance alone (with about one
contact per interval it is ~75 %): a high interval WAPE is only a problem above it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

MAPE_MIN_COUNT = 5
MIN_HISTORY_DAYS = 14
DEFAULT_WINDOW_DAYS = 371
PROFILE_WEEKS = 8  # a year and a week: last year's same events are in it


@dataclass(frozen=True, slots=True)
class Event:
    """A special day or run of days (inclusive); uplift None = learn it from history."""

    name: str
    start: date
    end: date
    uplift: float | None = None
    channel: str = ""  # "" = every channel

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass
class Forecast:
    index: pd.DatetimeIndex  # interval starts (local time)
    values: np.ndarray  # expected contacts per interval
    uplifts: dict[str, float] = field(default_factory=dict)  # applied, by event name
    learnt: dict[str, bool] = field(default_factory=dict)  # learnt (True) or entered
    trend_per_week: float = 1.0  # multiplicative growth per week

    def series(self) -> pd.Series:
        import pandas as pd  # loaded on first use: ~0.2 s

        return pd.Series(self.values, index=self.index)


@dataclass
class Backtest:
    forecast: pd.Series
    actual: pd.Series
    mape_daily: float | None
    mape_interval: float | None
    wape: float | None
    wape_daily: float | None = None  # on daily totals
    naive_wape: float | None = None  # the seasonal-naive forecast's, same days
    mase: float | None = None
    noise_wape: float | None = None  # a perfect forecast's expected WAPE (Poisson chance)

    @property
    def beats_naive(self) -> bool | None:
        """Our error below the seasonal-naive forecast's on the held-out days."""
        if self.wape is None or self.naive_wape is None:
            return None
        return self.wape < self.naive_wape


def _events_for(events: Sequence[Event], channel: str) -> list[Event]:
    return [e for e in events if not e.channel or e.channel == channel]


def _daily_design(days: pd.DatetimeIndex, origin: pd.Timestamp, names, events):
    """Columns: level, Tuesday…Sunday, trend (weeks), one per learnt event; and the
    offset of the entered uplifts."""
    import pandas as pd  # loaded on first use: ~0.2 s

    n = len(days)
    weekday = days.day_of_week.to_numpy()
    columns = [np.ones(n)] + [(weekday == d).astype(float) for d in range(1, 7)]
    columns.append(((days - origin) / pd.Timedelta(days=7)).to_numpy(dtype=float))
    as_dates = days.date
    learnt = np.zeros((n, len(names)))
    offset = np.zeros(n)
    for e in events:
        mask = np.fromiter((e.covers(d) for d in as_dates), bool, n)
        if e.uplift is not None:
            offset[mask] += math.log(e.uplift)
        elif e.name in names:
            learnt[mask, names.index(e.name)] = 1.0
    return np.hstack([np.column_stack(columns), learnt]), offset


def _regular(history: pd.Series, freq: str) -> pd.Series:
    import pandas as pd  # loaded on first use: ~0.2 s

    history = history.sort_index()
    full = pd.date_range(history.index[0], history.index[-1], freq=freq)
    return history.reindex(full, fill_value=0).astype(float)


def _day_type(weekday: np.ndarray) -> np.ndarray:
    return np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))


def _profiles(history: pd.Series, per_day: int, special: set[date]) -> np.ndarray:
    """Share of each interval in its day, per day type (rows: weekday, Sat, Sun)."""
    import pandas as pd  # loaded on first use: ~0.2 s

    recent = history[history.index >= history.index[-1] - pd.Timedelta(weeks=PROFILE_WEEKS)]
    ordinary = np.fromiter((d not in special for d in recent.index.date), bool, len(recent))
    if ordinary.sum() >= per_day:
        recent = recent[ordinary]
    slot = (recent.index.hour * 60 + recent.index.minute) // (1440 // per_day)
    kinds = _day_type(recent.index.day_of_week.to_numpy())
    table = np.zeros((3, per_day))
    np.add.at(table, (kinds, slot.to_numpy()), recent.to_numpy())
    overall = table.sum(axis=0)
    overall = overall / overall.sum() if overall.sum() else np.full(per_day, 1 / per_day)
    shares = np.empty_like(table)
    for k in range(3):
        # A day type with little data leans on the overall shape.
        total = table[k].sum()
        weight = min(1.0, total / (20 * per_day))
        own = table[k] / total if total else overall
        shares[k] = weight * own + (1 - weight) * overall
    return shares


def forecast(
    history: pd.Series,
    start: datetime,
    intervals: int,
    *,
    events: Sequence[Event] = (),
    channel: str = "",
    interval_minutes: int = 30,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Forecast:
    """Expected contacts for `intervals` intervals from `start` (a midnight), fitted on
    `history` (counts indexed by interval start, local time; only what precedes
    `start` is used)."""
    import pandas as pd  # loaded on first use: ~0.2 s

    freq = f"{interval_minutes}min"
    per_day = 1440 // interval_minutes
    index = pd.date_range(pd.Timestamp(start), periods=intervals, freq=freq)
    if not history.empty:
        history = history[history.index < index[0]]
    if history.empty or history.sum() == 0:
        return Forecast(index, np.zeros(intervals))
    history = _regular(history, freq)
    history = history[history.index >= index[0] - pd.Timedelta(days=window_days)]
    daily = history.resample("D").sum()
    # A day cut short at either end of the history would read as a quiet day.
    counts = history.resample("D").count()
    daily = daily[counts == per_day]
    events = _events_for(events, channel)
    special = {d for d in set(history.index.date) if any(e.covers(d) for e in events)}
    shares = _profiles(history, per_day, special)
    horizon_days = pd.date_range(index[0].normalize(), index[-1].normalize(), freq="D")
    if len(daily) < MIN_HISTORY_DAYS:
        level = np.full(len(horizon_days), daily.mean() if len(daily) else history.mean() * per_day)
        uplifts, learnt, trend = {}, {}, 1.0
    else:
        names = sorted(
            {
                e.name
                for e in events
                if e.uplift is None and any(e.covers(d) for d in daily.index.date)
            }
        )
        origin = daily.index[0]
        x, offset = _daily_design(daily.index, origin, names, events)
        import statsmodels.api as sm  # ~0.8 s to load: only when a forecast is fitted

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.GLM(daily.to_numpy(), x, family=sm.families.Poisson(), offset=offset).fit(
                method="IRLS", maxiter=100
            )
        params = np.asarray(fit.params)
        x_new, offset_new = _daily_design(horizon_days, origin, names, events)
        level = np.exp(np.clip(x_new @ params + offset_new, -50, 50))
        trend = float(math.exp(params[7]))
        uplifts = {name: float(math.exp(params[8 + i])) for i, name in enumerate(names)}
        learnt = dict.fromkeys(names, True)
    for e in events:
        if e.uplift is not None:
            uplifts[e.name], learnt[e.name] = float(e.uplift), False
    day_of = ((index.normalize() - horizon_days[0]) / pd.Timedelta(days=1)).to_numpy(dtype=int)
    slot = ((index.hour * 60 + index.minute) // interval_minutes).to_numpy()
    kinds = _day_type(index.day_of_week.to_numpy())
    values = level[day_of] * shares[kinds, slot]
    return Forecast(index, values, uplifts, learnt, trend)


def seasonal_naive(
    history: pd.Series, index: pd.DatetimeIndex, *, interval_minutes: int = 30
) -> np.ndarray | None:
    """Each interval of `index` = the same weekday and interval in the last week of
    `history` (None with less than a week of history)."""
    per_day = 1440 // interval_minutes
    per_week = 7 * per_day
    if history.empty:
        return None
    history = _regular(history, f"{interval_minutes}min")
    if len(history) < per_week:
        return None
    last = history.iloc[-per_week:]
    table = np.empty(per_week)
    table[_week_slot(last.index, interval_minutes)] = last.to_numpy()
    return table[_week_slot(index, interval_minutes)]


def _week_slot(index: pd.DatetimeIndex, interval_minutes: int) -> np.ndarray:
    per_day = 1440 // interval_minutes
    slot = (index.hour * 60 + index.minute) // interval_minutes
    return (index.day_of_week * per_day + slot).to_numpy()


def poisson_mean_abs_deviation(mean: np.ndarray) -> np.ndarray:
    """E|X − λ| for X ~ Poisson(λ): 2 e^(−λ) λ^(⌊λ⌋+1) / ⌊λ⌋! (0 for λ = 0)."""
    lam = np.asarray(mean, dtype=float)
    k = np.floor(lam)
    with np.errstate(divide="ignore"):
        log = math.log(2) - lam + (k + 1) * np.log(lam) - np.vectorize(math.lgamma)(k + 1)
    return np.where(lam > 0, np.exp(log), 0.0)


def mape(actual: np.ndarray, predicted: np.ndarray, min_actual: float = 1.0) -> float | None:
    mask = actual >= min_actual
    if not mask.any():
        return None
    return float(np.mean(np.abs(predicted[mask] - actual[mask]) / actual[mask]))


def backtest(
    history: pd.Series,
    *,
    holdout_days: int = 14,
    events: Sequence[Event] = (),
    channel: str = "",
    interval_minutes: int = 30,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Backtest | None:
    """Forecast the last `holdout_days` whole days from the days before them."""
    import pandas as pd  # loaded on first use: ~0.2 s

    freq = f"{interval_minutes}min"
    if history.empty:
        return None
    history = _regular(history, freq)
    last_day = history.index[-1].normalize()
    if history.index[-1] + pd.Timedelta(minutes=interval_minutes) < last_day + pd.Timedelta(days=1):
        last_day -= pd.Timedelta(days=1)  # the last day is incomplete: leave it out
    start = last_day - pd.Timedelta(days=holdout_days - 1)
    if (start - history.index[0]).days < MIN_HISTORY_DAYS:
        return None
    per_day = 1440 // interval_minutes
    result = forecast(
        history[history.index < start],
        start.to_pydatetime(),
        holdout_days * per_day,
        events=events,
        channel=channel,
        interval_minutes=interval_minutes,
        window_days=window_days,
    )
    predicted = result.series()
    actual = history.reindex(predicted.index, fill_value=0)
    daily_a = actual.groupby(actual.index.date).sum().to_numpy()
    daily_p = predicted.groupby(predicted.index.date).sum().to_numpy()
    total = actual.sum()
    errors = np.abs(predicted - actual).to_numpy()
    train = history[
        (history.index < start) & (history.index >= start - pd.Timedelta(days=window_days))
    ]
    naive = seasonal_naive(train, predicted.index, interval_minutes=interval_minutes)
    per_week = 7 * per_day
    in_sample = np.abs(train.to_numpy()[per_week:] - train.to_numpy()[:-per_week])
    scale = float(in_sample.mean()) if in_sample.size else 0.0
    expected = float(result.values.sum())
    return Backtest(
        forecast=predicted,
        actual=actual,
        mape_daily=mape(daily_a, daily_p),
        mape_interval=mape(actual.to_numpy(), predicted.to_numpy(), MAPE_MIN_COUNT),
        wape=float(errors.sum() / total) if total else None,
        wape_daily=float(np.abs(daily_p - daily_a).sum() / total) if total else None,
        naive_wape=(
            float(np.abs(naive - actual.to_numpy()).sum() / total)
            if total and naive is not None
            else None
        ),
        mase=float(errors.mean() / scale) if scale else None,
        noise_wape=(
            float(poisson_mean_abs_deviation(result.values).sum() / expected) if expected else None
        ),
    )


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())
