"""REST API v1 for performance: /api/v1/performance/…, one module per area."""

from __future__ import annotations

from ninja import Router

from kefu.performance.api import (
    calibration,
    cycles,
    fairness,
    feedback,
    interviews,
    plans,
    promotion,
    ratings,
)

router = Router(tags=["performance"])
for module in (
    cycles, ratings, feedback, interviews, plans, fairness, calibration, promotion,
):  # fmt: skip
    router.add_router("", module.router)
