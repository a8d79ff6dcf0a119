"""Target: a year of figures by agent on 1,000,000 conversations, `kefu metrics` ≤ 2 s (SQLite).

Builds (once) a SQLite database with `kefu demo --size large` (its KPI facts and daily
roll-ups are written by the import hook; an older database gets `kefu metrics_rebuild`),
then times the command as a user runs it (a fresh process: start-up included) and the
query alone in-process, for `--by agent` and the other groupings.

    .venv/bin/python benchmarks/bench_metrics.py [--size large] [--rounds 5]
"""

from __future__ import annotations

import argparse
import subprocess
import time

from _common import (
    KEFU,
    add_database_arguments,
    open_large_database,
    summary,
    verdict,
)

TARGET_S = 2.0
YEAR = ("--from", "2024-01-01", "--to", "2024-12-31")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--rounds", type=int, default=5)
    add_database_arguments(parser)
    args = parser.parse_args()
    env = open_large_database(args.size, args.db, database_url=args.database_url)

    from kefu.interactions.models import Conversation
    from kefu.metrics.models import DailyKpi
    from kefu.metrics.selectors import Scope, figures

    print(f"conversations: {Conversation.objects.count():,}, daily roll-up rows: "
          f"{DailyKpi.objects.count():,}")  # fmt: skip

    # The command as a user runs it: a new process each time, start-up included.
    command = [str(KEFU), "metrics", *YEAR, "--by", "agent", "--format", "json"]
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)  # warm the cache
    walls = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        walls.append((time.perf_counter() - started) * 1000)
    startup = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        subprocess.run(
            [str(KEFU), "help", "metrics"], env=env, check=True, stdout=subprocess.DEVNULL
        )
        startup.append((time.perf_counter() - started) * 1000)

    print(f"`kefu {' '.join(command[1:])}`: {summary(walls)}")
    print(f"  of which process start-up (`kefu help metrics`): {summary(startup)}")
    from datetime import date

    year = Scope(date(2024, 1, 1), date(2024, 12, 31))
    for by in ("agent", "team", "channel", "month", None, "segment"):
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            figures(year, by)
            times.append((time.perf_counter() - started) * 1000)
        print(f"in-process figures(year, by={by}): {summary(times)}")
    worst = max(walls) / 1000
    print(
        f"target: year by agent ≤ {TARGET_S} s → worst {worst:.2f} s {verdict(worst <= TARGET_S)}"
    )


if __name__ == "__main__":
    main()
