"""REST API v1 for performance: /api/v1/performance/…, one module per area."""

from __future__ import annotations

from ninja import Router

from kefu.performance.api import calibration, cycles, fairness, promotion

router = Router(tags=["performance"])
for module in (cycles, fairness, calibration, promotion):
    router.add_router("", module.router)
