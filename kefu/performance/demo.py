"""The performance part of `kefu demo`: the year's review cycles (twelve months, four
quarters, the year), behaviour ratings with evidence, a 360-degree round per quarter,
interviews and plans (demo_methods), every cycle computed from the evidence, then the
calibration meeting and the reserve pool (demo_fair). Past cycles are closed; the last
quarter is in calibration. Running it again changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from kefu.performance import demo_fair, demo_methods
from kefu.performance.actions.cycles import compute, create_cycle
from kefu.performance.choices import CycleKind, CycleStatus
from kefu.performance.models import AgentScore, Cycle

YEAR = 2024


def _cycles() -> list[Cycle]:
    wanted = [(CycleKind.MONTH, date(YEAR, month, 1)) for month in range(1, 13)]
    wanted += [(CycleKind.QUARTER, date(YEAR, month, 1)) for month in (1, 4, 7, 10)]
    wanted += [(CycleKind.YEAR, date(YEAR, 1, 1))]
    out = []
    for kind, start in wanted:
        cycle = Cycle.objects.filter(kind=kind, start=start).first()
        out.append(cycle or create_cycle(None, kind, start))
    return out


def seed_demo(seed: int) -> dict[str, Any]:
    cycles = _cycles()
    # ratings, 360-degree answers, interviews, plans: evidence the reviews read
    demo_methods.demo(seed, cycles)
    for cycle in cycles:
        if cycle.status != CycleStatus.CLOSED:
            compute(cycle)
    # the calibration meeting's adjustments and the reserve pool read the reviews
    demo_fair.demo(seed, cycles)
    last_quarter = max((c for c in cycles if c.kind == CycleKind.QUARTER), key=lambda c: c.start)
    for cycle in cycles:
        status = CycleStatus.CALIBRATING if cycle == last_quarter else CycleStatus.CLOSED
        if cycle.kind == CycleKind.YEAR or (
            cycle.kind == CycleKind.MONTH and cycle.start.month == 12
        ):
            status = CycleStatus.OPEN
        if cycle.status != status:
            cycle.status = status
            cycle.save(update_fields=["status"])
    return {
        "cycles": len(cycles),
        "reviews": AgentScore.objects.filter(cycle__in=cycles).count(),
    }
