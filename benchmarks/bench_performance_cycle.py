"""Target: computing a quarterly review cycle for 127 agents over a year of data ≤ 5 s.

What is timed is `kefu.performance.actions.cycles.compute` on 2024-Q4 of the demo (every
agent's figures from the KPI facts, QA results, training, reviews, ratings and 360
answers; intervals, shrinkage, points; the reviews written): one warm-up, then five
measured rounds. Beside it, in the same run, the peer it is built on: the KPI figures
by agent for the same quarter (kefu.metrics.selectors.grouped, what the dashboards read),
and the annual cycle.

    .venv/bin/python benchmarks/bench_performance_cycle.py [--size default] [--db PATH]

The database is the demo of `--size` (built once into var/bench-<size>.sqlite3).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from _common import open_large_database, verdict

TARGET_S = 5.0
ROUNDS = 5


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="default")
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    open_large_database(args.size, args.db)

    from kefu.accounts.access import ALL
    from kefu.interactions.models import Conversation
    from kefu.metrics.selectors import Scope, grouped
    from kefu.performance.actions.cycles import agents_in, compute, create_cycle
    from kefu.performance.choices import CycleStatus
    from kefu.performance.models import Cycle

    def cycle_of(kind: str, start: date) -> Cycle:
        cycle = Cycle.objects.filter(kind=kind, start=start).first() or create_cycle(
            None, kind, start
        )
        Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.OPEN)
        cycle.refresh_from_db()
        return cycle

    quarter = cycle_of("quarter", date(2024, 10, 1))
    year = cycle_of("year", date(2024, 1, 1))
    agents = len(agents_in(quarter))
    in_quarter = Conversation.objects.filter(
        created_at__date__gte=quarter.start, created_at__date__lte=quarter.end
    ).count()
    print(f"{Conversation.objects.count():,} conversations; {in_quarter:,} in {quarter.name}; "
          f"{agents} agents reviewed")  # fmt: skip
    scope = Scope(quarter.start, quarter.end, ALL)
    compute(quarter)  # warm-up
    rounds = [timed(lambda: compute(quarter)) for _ in range(ROUNDS)]
    peer = [timed(lambda: grouped(scope, "agent")) for _ in range(ROUNDS)]
    annual = [timed(lambda: compute(year)) for _ in range(2)]
    median = statistics.median(rounds)
    print(f"quarterly cycle: median {median:.2f} s, max {max(rounds):.2f} s ({ROUNDS} rounds)")
    print(f"peer, KPI figures by agent for the quarter: median {statistics.median(peer):.2f} s")
    print(f"annual cycle: median {statistics.median(annual):.2f} s")
    print(f"quarterly cycle ≤ {TARGET_S:.0f} s: {verdict(max(rounds) <= TARGET_S)}")


if __name__ == "__main__":
    main()
