"""Target: the KPI overview dashboard p95 ≤ 200 ms on 1,000,000 conversations (server time).

Uses the same SQLite database as the other large benchmarks (`kefu demo --size large`,
built once; KPI facts rebuilt if missing) and requests the dashboards through Django's
test client as the demo manager, supervisor and agent: the overview with its default
period (the last 30 days with data), a whole quarter, a team filter; plus the other
dashboard pages, reported without a target.

    .venv/bin/python benchmarks/bench_dashboard.py [--size large] [--rounds 20]
"""

from __future__ import annotations

import argparse

from _common import (
    add_database_arguments,
    open_large_database,
    percentile,
    summary,
    time_pages,
    verdict,
)

TARGET_P95_MS = 200.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--rounds", type=int, default=20)
    add_database_arguments(parser)
    args = parser.parse_args()
    open_large_database(args.size, args.db, database_url=args.database_url)

    from kefu.interactions.models import Conversation

    print(f"conversations in the database: {Conversation.objects.count():,}")

    overview = {
        "manager, default period": ("manager", "/metrics/"),
        "manager, Q4 2024": ("manager", "/metrics/?from=2024-10-01&to=2024-12-31"),
        "manager, one team": ("manager", "/metrics/?team=1"),
        "supervisor, default period": ("supervisor", "/metrics/"),
        "agent, default period": ("agent", "/metrics/"),
    }
    others = {
        "manager, trends (12 months)": ("manager", "/metrics/trends/"),
        "manager, teams (FCR)": ("manager", "/metrics/teams/?kpi=fcr_rate"),
        "manager, team 1 agents": ("manager", "/metrics/teams/1/"),
        "manager, workload": ("manager", "/metrics/workload/"),
        "agent, own page": ("agent", "/metrics/me/"),
    }
    results = time_pages(overview | others, args.rounds)

    main_page = [t for name in overview for t in results[name]]
    p95 = percentile(main_page, 95)
    print(f"overview overall: {summary(main_page)}")
    ok = verdict(p95 <= TARGET_P95_MS)
    print(f"overview p95 = {p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms): {ok}")


if __name__ == "__main__":
    main()
