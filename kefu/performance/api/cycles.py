"""/api/v1/performance/cycles…: cycles, their reviews and an agent's breakdown."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from kefu.accounts.access import restrict
from kefu.performance.models import Cycle

router = Router(tags=["performance"])


class CycleOut(Schema):
    id: int
    name: str
    kind: str
    start: date
    end: date
    status: str


@router.get("/performance/cycles", response=list[CycleOut])
def list_cycles(request: HttpRequest):
    return list(restrict(Cycle.objects.all(), request.user))
