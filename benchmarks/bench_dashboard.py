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
import time
from pathlib import Path

from _common import (
    open_large_database,
    percentile,
    summary,
    verdict,
)

TARGET_P95_MS = 200.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    open_large_database(args.size, args.db)

    from django.test import Client

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
    clients: dict[str, Client] = {}
    for username in {user for user, _ in (overview | others).values()}:
        client = Client()
        client.login(username=username, password="kefu2024")
        clients[username] = client

    results: dict[str, list[float]] = {}
    for name, (user, path) in (overview | others).items():
        client = clients[user]
        response = client.get(path, follow=True)  # warm-up (and check)
        assert response.status_code == 200, (path, response.status_code)
        path = response.request["PATH_INFO"] + (
            "?" + response.request["QUERY_STRING"] if response.request["QUERY_STRING"] else ""
        )
        timings = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[name] = timings
        print(f"{name:34s} {summary(timings)}")

    main_page = [t for name in overview for t in results[name]]
    p95 = percentile(main_page, 95)
    print(f"overview overall: {summary(main_page)}")
    ok = verdict(p95 <= TARGET_P95_MS)
    print(f"overview p95 = {p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms): {ok}")


if __name__ == "__main__":
    main()
