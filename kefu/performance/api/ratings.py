"""/api/v1/performance/ratings…, /api/v1/performance/scales…: behaviourally anchored
ratings and their scales.

Ratings are seen as the access layer says (the agent their own, supervisors their teams',
managers all); reading another person's ratings is audited. Supervisors rate their
teams' agents, managers anyone (403 for a user who rates nobody, 404 for an agent
outside their scope), with at least one conversation of the agent in the cycle as
evidence. Managers change the scales.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts.access import conversations_visible_to, restrict
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.schemas import RowId, Text
from kefu.performance.actions import ratings as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.api._methods import ERRORS, do
from kefu.performance.auditing import audit_view
from kefu.performance.choices import CycleStatus
from kefu.performance.models import BarsRating, BarsScale, Cycle

router = Router(tags=["performance"])
LIMIT = 500


class LevelOut(Schema):
    level: int
    anchor: str


class ScaleOut(Schema):
    id: int
    code: str
    name: str
    description: str
    levels: list[LevelOut]
    evidence_source: str
    active: bool


class ScaleIn(Schema):
    name: Text
    description: str = Field("", max_length=4000)
    anchors: list[str] = Field(description="one anchor per level, the lowest first (2–7)")
    evidence_source: str = Field("", max_length=48)
    active: bool = True


class RatingOut(Schema):
    id: int
    cycle: int
    agent: str = Field(description="agent id")
    agent_name: str
    scale: str
    scale_name: str
    level: int
    anchor: str
    comment: str
    rater: str
    blind: bool
    evidence: list[str] = Field(description="conversation ids")
    updated_at: datetime


class RatingIn(Schema):
    cycle: RowId
    agent: Text = Field(description="agent id")
    scale: Text = Field(description="scale code, e.g. attitude")
    level: int = Field(ge=1, le=7)
    evidence: list[Text] = Field(description="conversation ids (≥ 1) of the agent in the cycle")
    comment: str = Field("", max_length=2000)
    blind: bool = False


class RatingQuery(Schema):
    cycle: RowId | None = None
    agent: Text | None = Field(None, description="agent id")


def _out(r: BarsRating, evidence: list[str]) -> dict:
    return {
        "id": r.pk,
        "cycle": r.cycle_id,
        "agent": r.agent.external_id,
        "agent_name": r.agent.name,
        "scale": r.scale.code,
        "scale_name": r.scale.name,
        "level": r.level,
        "anchor": next((lv["anchor"] for lv in r.scale.levels if lv["level"] == r.level), ""),
        "comment": r.comment,
        "rater": r.rater.get_username(),
        "blind": r.blind,
        "evidence": evidence,
        "updated_at": r.updated_at,
    }


def _ratings(request: HttpRequest):
    return restrict(BarsRating.objects.all(), request.user).select_related(
        "agent", "scale", "rater"
    )


def _many(request: HttpRequest, rows: list[BarsRating]) -> list[dict]:
    evidence = actions.evidence_of(rows)
    for agent in {r.agent for r in rows}:
        audit_view(request, agent, "ratings")
    return [_out(r, [c.external_id for c in evidence.get(r.pk, [])]) for r in rows]


@router.get("/performance/ratings", response={200: list[RatingOut], **ERRORS})
def list_ratings(request: HttpRequest, q: Query[RatingQuery]):
    """The ratings the caller may see (500 newest)."""
    qs = _ratings(request)
    if q.cycle:
        qs = qs.filter(cycle_id=q.cycle)
    if q.agent:
        qs = qs.filter(agent__external_id=q.agent)
    return _many(request, list(qs.order_by("-updated_at", "-pk")[:LIMIT]))


@router.get("/performance/ratings/{int:rating_id}", response={200: RatingOut, **ERRORS})
def get_rating(request: HttpRequest, rating_id: RowId):
    return _many(request, [get_object_or_404(_ratings(request), pk=rating_id)])[0]


@router.post("/performance/ratings", response={201: RatingOut, **ERRORS})
def create_rating(request: HttpRequest, payload: RatingIn):
    """Rate (or re-rate) one behaviour of an agent in an open cycle, with evidence."""
    if not may_appraise(request.user):
        raise HttpError(403, _("You may not appraise this agent."))
    cycle = get_object_or_404(
        restrict(Cycle.objects.exclude(status=CycleStatus.CLOSED), request.user), pk=payload.cycle
    )
    agent = get_object_or_404(appraisable(request.user), external_id=payload.agent)
    scale = get_object_or_404(BarsScale.objects.all(), code=payload.scale)
    ids = dict(
        conversations_visible_to(request.user)
        .filter(external_id__in=payload.evidence)
        .values_list("external_id", "pk")
    )
    missing = [e for e in payload.evidence if e not in ids]
    if missing:
        raise HttpError(422, _(actions.NOT_EVIDENCE))
    rating = do(
        actions.rate, cycle=cycle, agent=agent, scale=scale, level=payload.level,
        evidence=list(ids.values()), user=request.user, comment=payload.comment,
        blind=payload.blind,
    )  # fmt: skip
    rating = _ratings(request).get(pk=rating.pk)
    return Status(201, _many(request, [rating])[0])


# --- scales ---------------------------------------------------------------------------------
@router.get("/performance/scales", response={200: list[ScaleOut], **ERRORS})
def list_scales(request: HttpRequest):
    return list(restrict(BarsScale.objects.all(), request.user))


@router.put("/performance/scales/{int:scale_id}", response={200: ScaleOut, **ERRORS})
def update_scale(request: HttpRequest, scale_id: RowId, payload: ScaleIn):
    """Change a scale's name, anchors (levels), figure compared with, use (managers)."""
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise HttpError(403, _("Only managers may change the behaviour scales."))
    scale = get_object_or_404(BarsScale.objects.all(), pk=scale_id)
    return do(actions.save_scale, payload.dict(), user=request.user, scale=scale)
