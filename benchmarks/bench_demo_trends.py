"""Does the demo's QA pass rate follow the seeds' trend (85 % in January → 94 % in December)?

Generates the default demo (seed 42) in memory, scores every conversation with the QA
engine core and the default scorecard (as `kefu qa score` does, no database), and prints
the pass rate per month, the lapse labels' rates, and PASS/FAIL against the seeds.

    .venv/bin/python benchmarks/bench_demo_trends.py [--seed 42] [--size default]
                                                     [--conversations N]
"""

from __future__ import annotations

import argparse
import sys
import time
import zoneinfo
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kefu.demo.core.generator import generate
from kefu.interactions.core.native import ConversationRecord, parse_object
from kefu.qa.core.defaults import default_engine

# The seeds: AI QA compliance 85 % at the start of the year, 94 % at the end.
SEED_FIRST, SEED_LAST = 0.85, 0.94
TOLERANCE = 0.03  # January and December each within ±3 points of the seeds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--size", default="default")
    parser.add_argument("--conversations", type=int, default=None)
    args = parser.parse_args()
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    engine = default_engine()
    started = time.perf_counter()
    records = (
        generate(args.seed, conversations=args.conversations, labels=True)
        if args.conversations
        else generate(args.seed, args.size, labels=True)
    )
    passed: dict[int, list[bool]] = defaultdict(list)
    hits: dict[int, Counter] = defaultdict(Counter)
    for obj in records:
        if obj.get("type") != "conversation":
            continue
        record = parse_object(obj, tz)
        assert isinstance(record, ConversationRecord), record
        month = record.created_at.astimezone(tz).month
        result = engine.score(record)
        passed[month].append(result.passed)
        if not result.passed:
            hits[month].update(i.item for i in result.items if i.points < 0)
    elapsed = time.perf_counter() - started
    total = sum(len(v) for v in passed.values())
    print(f"seed {args.seed}: {total} conversations generated and scored in {elapsed:.0f} s")
    print("month  conversations  pass rate  most deducted items of failed conversations")
    rates = {}
    for month in sorted(passed):
        values = passed[month]
        rates[month] = sum(values) / len(values)
        top = ", ".join(f"{k} {v}" for k, v in hits[month].most_common(4))
        print(f"{month:5d}  {len(values):13d}  {rates[month]:8.1%}  {top}")
    first, last = rates[min(rates)], rates[max(rates)]
    ok = (
        abs(first - SEED_FIRST) <= TOLERANCE
        and abs(last - SEED_LAST) <= TOLERANCE
        and last - first >= 0.05
    )
    print(
        f"January {first:.1%} → December {last:.1%} (seeds {SEED_FIRST:.0%} → {SEED_LAST:.0%}, "
        f"±{TOLERANCE:.0%}): {'PASS' if ok else 'FAIL'}"
    )


if __name__ == "__main__":
    main()
