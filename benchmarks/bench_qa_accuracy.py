"""How well the built-in indicators find the behaviours the demo generator wrote.

The demo generator (kefu/demo) writes good and bad service on purpose and, with
`labels=True`, records which behaviours it put in each conversation. This script scores
demo conversations with the default engine and prints, per indicator, precision and recall
against those labels. The labels are the generator's intent, not a human QA judgement;
the figures show whether the rules catch what they are meant to catch in Chinese
customer-service text like the demo's.

    .venv/bin/python benchmarks/bench_qa_accuracy.py [--conversations 5000] [--seed 11]
"""

from __future__ import annotations

import argparse
import sys
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kefu.demo.core.generator import generate
from kefu.interactions.core.native import ConversationRecord, parse_object
from kefu.qa.core.defaults import default_engine

# generator label → the indicator(s) meant to catch it
LABEL_TO_INDICATOR = {
    "missing_greeting": "missing_greeting",
    "missing_closing": "missing_closing",
    "no_confirmation": "no_need_confirmation",
    "taboo": "forbidden_phrase",
    "shirking": "shirking",
    "overpromise": "overpromise",
    "perfunctory": "perfunctory_reply",
    "mechanical_soothing": "mechanical_soothing",
    "slow_reply": "slow_response_60s",
    "slow_first_reply": "slow_first_response",
    "agent_pii": "agent_pii_leak",
    "asks_secret": "asks_for_secret",
    "long_silence": "long_silence",
    "interrupt": "interrupt",
    "angry": "anger",
    "repeat_question": "customer_repeat_3",
    "no_reply": "no_agent_reply",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    engine = default_engine()
    counts = {label: [0, 0, 0] for label in LABEL_TO_INDICATOR}  # true pos, false pos, false neg
    total = 0
    for obj in generate(args.seed, conversations=args.conversations, labels=True):
        record = parse_object(obj, tz)
        if not isinstance(record, ConversationRecord):
            continue
        total += 1
        labels = set(obj.get("demo_labels", ()))
        fired = {h.indicator for h in engine.score(record).hits}
        for label, indicator in LABEL_TO_INDICATOR.items():
            meant = (indicator,) if isinstance(indicator, str) else indicator
            expected, got = label in labels, bool(fired.intersection(meant))
            if expected and got:
                counts[label][0] += 1
            elif got:
                counts[label][1] += 1
            elif expected:
                counts[label][2] += 1
    print(f"{total:,} demo conversations (seed {args.seed})")
    print(f"{'label → indicator':52s} {'labelled':>8s} {'precision':>9s} {'recall':>7s}")
    for label, (tp, fp, fn) in counts.items():
        precision = f"{tp / (tp + fp):.3f}" if tp + fp else "—"
        recall = f"{tp / (tp + fn):.3f}" if tp + fn else "—"
        meant = LABEL_TO_INDICATOR[label]
        name = f"{label} → {meant if isinstance(meant, str) else ' or '.join(meant)}"
        print(f"{name:52s} {tp + fn:8d} {precision:>9s} {recall:>7s}")


if __name__ == "__main__":
    main()
