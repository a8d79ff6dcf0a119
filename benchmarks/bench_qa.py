"""Targets of the automatic QA engine (pure Python, one core):

- throughput with all 32 built-in indicators on demo conversations ≥ 2,000 conversations/s
  (the average message count is printed with it);
- incremental evaluation of one new message p99 ≤ 1 ms.

    .venv/bin/python benchmarks/bench_qa.py [--conversations 5000] [--seed 7]

Demo conversations come from the deterministic generator (no database); parsing them is
not timed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kefu.demo.core.generator import generate
from kefu.interactions.core.native import ConversationRecord, parse_object
from kefu.qa.core.defaults import default_engine

TARGET_PER_S = 2000
TARGET_P99_MS = 1.0


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    import zoneinfo

    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    records = [
        r
        for r in (
            parse_object(obj, tz) for obj in generate(args.seed, conversations=args.conversations)
        )
        if isinstance(r, ConversationRecord)
    ]
    messages = sum(len(r.messages) for r in records)
    engine = default_engine()
    average = messages / len(records)
    print(
        f"{len(records):,} demo conversations, {average:.1f} messages on average, "
        f"{len(engine.indicators)} indicators"
    )

    for r in records[:200]:  # warm caches (lexicon automaton, sentiment lexicon)
        engine.score(r)
    gc.collect()
    runs = []
    hits = 0
    for _ in range(3):
        started = time.perf_counter()
        for r in records:
            hits += len(engine.score(r).hits)
        runs.append(len(records) / (time.perf_counter() - started))
    best, median = max(runs), statistics.median(runs)
    ok = "PASS" if median >= TARGET_PER_S else "FAIL"
    per_conversation = hits / 3 / len(records)
    print(
        f"batch: {median:,.0f} conversations/s median of 3 (best {best:,.0f}), "
        f"{per_conversation:.1f} hits per conversation; target ≥ {TARGET_PER_S:,}: {ok}"
    )

    timings = []
    for r in records[:2000]:
        session = engine.session(_header(r))
        for message in r.messages:
            started = time.perf_counter()
            session.add(message)
            timings.append((time.perf_counter() - started) * 1000)
    p50, p99, worst = percentile(timings, 50), percentile(timings, 99), max(timings)
    ok = "PASS" if p99 <= TARGET_P99_MS else "FAIL"
    print(
        f"incremental: {len(timings):,} messages, p50 {p50:.3f} ms, p99 {p99:.3f} ms, "
        f"max {worst:.2f} ms; target p99 ≤ {TARGET_P99_MS} ms: {ok}"
    )


def _header(record: ConversationRecord) -> ConversationRecord:
    from dataclasses import replace

    return replace(record, messages=[])


if __name__ == "__main__":
    main()
