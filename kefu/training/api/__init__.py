"""REST API v1 for training: /api/v1/training/…, one module per area."""

from __future__ import annotations

from ninja import Router

from kefu.training.api import assignments, courses, exams, practice, records, sessions

router = Router(tags=["training"])
for module in (courses, sessions, exams, practice, assignments, records):
    router.add_router("", module.router)
