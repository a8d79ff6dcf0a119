"""Target: the 12-month QA problem dashboard p95 ≤ 200 ms on 1,000,000 scored
conversations (server time, no cache: the page reads the QA roll-ups).

Uses the large benchmark database with its QA results: run
`benchmarks/bench_qa_rescore.py --keep` once first (it scores all 1M and keeps them).
Requests go through Django's test client as the demo QA specialist (everything),
manager with a team filter, supervisor and agent; the per-agent summary and a period
with partial months (day rows at both edges) are reported too.

    .venv/bin/python benchmarks/bench_qa_dashboard.py [--size large] [--rounds 20]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import open_large_database, percentile, summary, time_pages, verdict

TARGET_P95_MS = 200.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", default="large")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    open_large_database(args.size, args.db, kpi_facts=False)

    from kefu.accounts.models import Agent
    from kefu.qa.models import QaResult, ResultRollup

    scored = QaResult.objects.filter(is_current=True).count()
    if not scored:
        sys.exit("no QA results: run benchmarks/bench_qa_rescore.py --keep first")
    print(f"current QA results: {scored:,}; result roll-up rows: {ResultRollup.objects.count():,}")
    agent = Agent.objects.get(user__username="agent")

    dashboard = {
        "qa specialist, 12 months": ("qa", "/qa/"),
        "qa specialist, one indicator": ("qa", "/qa/?indicator=no_need_confirmation"),
        "manager, one team": ("manager", f"/qa/?team={agent.team_id}"),
        "supervisor, 12 months": ("supervisor", "/qa/"),
        "agent, 12 months": ("agent", "/qa/"),
    }
    others = {
        "qa specialist, 2024-02-10…11-20": ("qa", "/qa/?from=2024-02-10&to=2024-11-20"),
        "agent summary, 12 months": ("agent", f"/qa/agents/{agent.pk}/"),
    }
    results = time_pages(dashboard | others, args.rounds)

    main_page = [t for name in dashboard for t in results[name]]
    p95 = percentile(main_page, 95)
    print(f"dashboard overall: {summary(main_page)}")
    ok = verdict(p95 <= TARGET_P95_MS)
    print(f"dashboard p95 = {p95:.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms): {ok}")


if __name__ == "__main__":
    main()
