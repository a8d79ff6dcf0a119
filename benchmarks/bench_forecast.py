"""Target: the contact forecast beats the seasonal-naive forecast (each 30-minute interval
= the same weekday and interval a week earlier) on most channel-weeks of the demo year.

Uses the default demo (`kefu demo --seed 42`, built once; or `--db` a database of your
own, e.g. one built with KEFU_VAR_DIR=/tmp/wfm-demo). For every channel with staffing
parameters and every week from the 9th of the data to the last whole one, the week is
forecast from the history before it — as the staffing page does, with the special days
— and compared with what happened, interval by interval, beside the naive forecast
made from the same history. Horizon 1 plans the week right after the data (the
verdict); horizons 2 and 3 plan one and two weeks further (the data ends 1–2 weeks
before the planned week; the naive forecast then repeats the last week of data).

Per channel: WAPE (Σ|error| / Σ actual, over all its weeks) of ours and of the naive
forecast, MASE (our mean absolute error over the naive's in-sample one-week-ahead
error, averaged over the weeks), weeks won / lost (our WAPE lower / not lower that
week), the RMSE ratio (ours / naive: the error the mean forecast Erlang C needs is
judged by) and the noise floor (the WAPE a perfect forecast would have from Poisson
chance alone: with ~1 contact per interval no forecast does much better than ~75 %).
Then the staffing page's own back-test for the default week.

    .venv/bin/python benchmarks/bench_forecast.py [--size default] [--db PATH] [--weeks N]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from _common import open_large_database, verdict

HORIZONS = (1, 2, 3)
MIN_WEEKS = 12
WARMUP_WEEKS = 8  # weeks of history before the first week forecast


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--weeks", type=int, default=0, help="only the last N weeks (0: all)")
    args = parser.parse_args()
    open_large_database(args.size, args.db, kpi_facts=False)

    import pandas as pd

    from kefu.interactions.models import Conversation
    from kefu.workforce import selectors
    from kefu.workforce.core.forecast import (
        forecast,
        poisson_mean_abs_deviation,
        seasonal_naive,
    )

    events = selectors.events()
    week = selectors.default_week()
    last = selectors.data_end(week)
    print(f"conversations: {Conversation.objects.count():,}; data end {last}; "
          f"default week {week}")  # fmt: skip
    started = time.perf_counter()
    channels = sorted(selectors.parameters())
    total_won = total_lost = 0
    header = (f"{'channel':<7} {'h':>1} {'weeks':>5} {'WAPE':>7} {'naive':>7} {'MASE':>5} "
              f"{'won':>4} {'lost':>4} {'RMSE/naive':>10} {'noise':>6}")  # fmt: skip
    print(header)
    for channel in channels:
        history = selectors.history(channel, week, last=last)
        if history.empty:
            continue
        first = history.index[0].normalize()
        first += pd.Timedelta(days=(7 - first.day_of_week) % 7 + 7 * WARMUP_WEEKS)
        end = history.index[-1] + pd.Timedelta(minutes=selectors.INTERVAL_MIN)
        mondays = list(pd.date_range(first, end - pd.Timedelta(days=7), freq="7D"))
        if args.weeks:
            mondays = mondays[-args.weeks :]
        for h in HORIZONS:
            sums = {"ours": 0.0, "naive": 0.0, "actual": 0.0, "sq_ours": 0.0, "sq_naive": 0.0,
                    "noise": 0.0, "expected": 0.0}  # fmt: skip
            won = lost = 0
            mases = []
            for monday in mondays:
                past = history[history.index < monday - pd.Timedelta(days=7 * (h - 1))]
                actual = history.reindex(
                    pd.date_range(monday, periods=selectors.WEEK, freq="30min"), fill_value=0
                )
                ours = forecast(past, monday.to_pydatetime(), selectors.WEEK, events=events,
                                channel=channel).values  # fmt: skip
                naive = seasonal_naive(past, actual.index)
                if naive is None:
                    continue
                a = actual.to_numpy()
                e_ours, e_naive = np.abs(ours - a), np.abs(naive - a)
                sums["ours"] += e_ours.sum()
                sums["naive"] += e_naive.sum()
                sums["actual"] += a.sum()
                sums["sq_ours"] += ((ours - a) ** 2).sum()
                sums["sq_naive"] += ((naive - a) ** 2).sum()
                sums["noise"] += poisson_mean_abs_deviation(ours).sum()
                sums["expected"] += ours.sum()
                values = past.to_numpy()
                scale = np.abs(values[selectors.WEEK :] - values[: -selectors.WEEK]).mean()
                if scale:
                    mases.append(e_ours.mean() / scale)
                if e_ours.sum() < e_naive.sum():
                    won += 1
                else:
                    lost += 1
            if h == 1:
                total_won, total_lost = total_won + won, total_lost + lost
            actual_sum = sums["actual"] or 1.0
            print(
                f"{channel:<7} {h:>1} {won + lost:>5} {sums['ours'] / actual_sum:>7.1%} "
                f"{sums['naive'] / actual_sum:>7.1%} {np.mean(mases):>5.2f} {won:>4} {lost:>4} "
                f"{np.sqrt(sums['sq_ours'] / sums['sq_naive']):>10.2f} "
                f"{sums['noise'] / (sums['expected'] or 1):>6.1%}"
            )
    print(f"({time.perf_counter() - started:.0f} s)")

    print(f"\nthe staffing page's back-test (last {selectors.BACKTEST_DAYS} days of data), "
          f"week of {week}:")  # fmt: skip
    for channel, plan in selectors.week_plan(week).items():
        wape = "—" if plan.wape is None else f"{plan.wape:.1%}"
        naive = "—" if plan.naive_wape is None else f"{plan.naive_wape:.1%}"
        mase = "—" if plan.mase is None else f"{plan.mase:.2f}"
        daily = "—" if plan.wape_daily is None else f"{plan.wape_daily:.1%}"
        print(f"  {channel:<6} WAPE {wape} (naive {naive}), MASE {mase}, daily WAPE {daily}, "
              f"beats naive: {plan.beats_naive}, warnings: {plan.warnings or '—'}")  # fmt: skip

    weeks = total_won + total_lost
    share = total_won / weeks if weeks else 0.0
    ok = weeks >= MIN_WEEKS and share > 0.5
    print(f"\nhorizon 1: ours better on {total_won} of {weeks} channel-weeks ({share:.0%})")
    print(
        f"{verdict(ok)} (target: beats the seasonal-naive forecast on most channel-weeks, "
        f"over ≥ {MIN_WEEKS} weeks)"
    )


if __name__ == "__main__":
    main()
