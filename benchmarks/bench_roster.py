"""Target: a week's roster for 127 agents in ≤ 30 s (OR-Tools CP-SAT).

The requirement is a week of the demo's shape (time of day, weekday) per channel through
our Erlang C, sized so that most of the 127 agents are needed; agents have the demo's
mix of tiers, one or two channel skills, two fixed days off for a fifth of them, 32–40 h
a week. The script times `core.roster.solve` end to end (model building included) and
checks the roster against every hard constraint.

    .venv/bin/python benchmarks/bench_roster.py [--agents 127] [--time-limit 25]
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import numpy as np
from _common import ROOT, verdict

sys.path.insert(0, str(ROOT))

from kefu.demo.core.trends import HOUR_WEIGHTS, WEEKDAY
from kefu.workforce.core.erlang import required_many
from kefu.workforce.core.roster import RosterAgent, RosterProblem, ShiftTemplate, solve, violations

TARGET_S = 30.0
CHANNELS = {"chat": (0.6, 3), "phone": (0.3, 1), "email": (0.1, 1)}  # share, concurrency
TIERS = ["new"] * 15 + ["regular"] * 60 + ["senior"] * 35 + ["lead"] * 10 + ["expert"] * 7


def templates() -> list[ShiftTemplate]:
    nine_hours = [("early", 12), ("day", 16), ("mid", 20), ("late", 26), ("evening", 30)]
    out = [ShiftTemplate(k, s, 18, 2, 6, 10) for k, s in nine_hours]
    out.append(ShiftTemplate("night", 44, 18, 2, 6, 10))  # 22:00 → 07:00
    out.append(ShiftTemplate("part", 38, 8))  # 19:00 → 23:00 evening peak, no break
    return out


def requirement(total_per_interval: float) -> dict[str, list[int]]:
    shape = np.repeat(np.asarray(HOUR_WEIGHTS), 2) / np.mean(HOUR_WEIGHTS)
    week = np.concatenate([shape * WEEKDAY[d] for d in range(7)])
    out = {}
    for channel, (share, k) in CHANNELS.items():
        volume = np.round(week * total_per_interval * share)
        aht, target = (
            (600, 30) if channel == "chat" else (240, 20) if channel == "phone" else (900, 1800)
        )
        result = required_many(
            volume, interval_s=1800, aht_s=aht, target_s=target, sl_target=0.8,
            shrinkage=0.15, max_occupancy=0.85, concurrency=k,
        )  # fmt: skip
        out[channel] = [int(v) for v in result["positions"]]
    return out


def agents(count: int, seed: int = 3) -> list[RosterAgent]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        first = rng.choices(list(CHANNELS), weights=[4, 3, 3])[0]
        skills = {first}
        if rng.random() < 0.4:
            skills.add(rng.choice(list(CHANNELS)))
        days_off = frozenset(rng.sample(range(7), 2)) if rng.random() < 0.2 else frozenset()
        out.append(
            RosterAgent(
                key=f"A{i:04d}",
                skills=frozenset(skills),
                tier=TIERS[i % len(TIERS)],
                min_hours=32,
                max_hours=40,
                days_off=days_off,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=127)
    parser.add_argument("--volume", type=float, default=70, help="contacts per average interval")
    # The app's default (setting KEFU_WFM_ROSTER_TIME_LIMIT_S); the core takes it as given.
    parser.add_argument("--time-limit", type=float, default=25.0)
    args = parser.parse_args()
    need = requirement(args.volume)
    hours = sum(sum(v) for v in need.values()) / 2
    problem = RosterProblem(
        requirement=need,
        agents=agents(args.agents),
        templates=templates(),
        time_limit_s=args.time_limit,
    )
    print(f"{args.agents} agents, {len(problem.templates)} shift templates, "
          f"{len(need)} channels; requirement {hours:,.0f} agent-hours "
          f"(≈ {hours / 40:.0f} full-time agents without breaks)")  # fmt: skip
    started = time.perf_counter()
    result = solve(problem)
    wall = time.perf_counter() - started
    broken = violations(problem, result.shifts)
    short = sum(sum(v) for v in result.gap.values()) / 2
    stages = ", ".join(f"{k} {v}" for k, v in result.stages.items())
    print(
        f"status {result.status} ({stages}); {result.agents_used} agents used, "
        f"{len(result.shifts)} shifts; "
        f"gap {short:.1f} agent-hours in {result.short_intervals} channel-intervals"
    )
    print(f"hard-constraint violations: {len(broken)}")
    for line in broken[:10]:
        print("  ", line)
    print(f"wall time {wall:.1f} s")
    ok = result.status in ("optimal", "feasible") and not broken and wall <= TARGET_S
    print(f"{verdict(ok)} (target: a week's roster for {args.agents} agents in ≤ {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()
