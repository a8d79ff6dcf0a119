"""Target: conversation list page p95 ≤ 150 ms with 1,000,000 conversations (server time).

Builds (once) a SQLite database with `kefu demo --size large`, then requests the list
page through Django's test client as a manager, a supervisor and an agent, with and
without filters, and prints p50/p95 per scenario and overall.

    .venv/bin/python benchmarks/bench_list_page.py [--size large] [--rounds 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _common import ROOT, ensure_demo_database, percentile, setup_django, summary, verdict

TARGET_P95_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    db = args.db or ROOT / "var" / f"bench-{args.size}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    setup_django(ensure_demo_database(db, args.size))

    from django.test import Client

    from kefu.interactions.models import Conversation

    total = Conversation.objects.count()
    print(f"conversations in the database: {total:,}")
    scenarios = {
        "manager, no filter": ("manager", ""),
        "manager, page 5": ("manager", "?page=5"),
        "manager, channel=phone": ("manager", "?channel=phone"),
        "manager, complaint, May": ("manager", "?complaint=1&from=2024-05-01&to=2024-05-31"),
        "manager, search 退款": ("manager", "?q=%E9%80%80%E6%AC%BE"),
        "manager, category 售后 + search 物流": (
            "manager",
            "?category=%E5%94%AE%E5%90%8E&q=%E7%89%A9%E6%B5%81",
        ),
        "supervisor, no filter": ("supervisor", ""),
        "agent, no filter": ("agent", ""),
        "agent, search 发票": ("agent", "?q=%E5%8F%91%E7%A5%A8"),
    }
    clients: dict[str, Client] = {}
    for username in {user for user, _ in scenarios.values()}:
        client = Client()
        client.login(username=username, password="kefu2024")
        clients[username] = client

    everything: list[float] = []
    for name, (user, query) in scenarios.items():
        client = clients[user]
        url = "/conversations/" + query
        response = client.get(url)  # warm-up (and check)
        assert response.status_code == 200, (url, response.status_code)
        timings = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        everything.extend(timings)
        print(f"{name:45s} {summary(timings)}")
    p95 = percentile(everything, 95)
    print(f"overall: {summary(everything)}")
    ok = verdict(p95 <= TARGET_P95_MS)
    print(f"list page p95 = {p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms): {ok}")


if __name__ == "__main__":
    main()
