"""/api/v1/performance/…: cycles, their reviews (ranked, with intervals), an agent's
breakdown and the conversations behind a figure; scorecard templates.

Reviews are seen as on the pages: agents their own, supervisors their teams', managers
all; outside: 404. Managers open and compute cycles. Opening another person's review is
audited.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError

from kefu.accounts.access import conversations_visible_to, restrict
from kefu.accounts.choices import Tier
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.performance.actions import cycles as actions
from kefu.performance.auditing import audit_view
from kefu.performance.choices import CycleKind
from kefu.performance.models import AgentScore, Cycle, Template
from kefu.performance.selectors import cycles as selectors
from kefu.performance.sources import evidence, source

router = Router(tags=["performance"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT = 200


class PerformanceCycleOut(Schema):
    id: int
    name: str
    kind: str
    start: date
    end: date
    status: str
    computed_at: datetime | None


class CycleIn(Schema):
    kind: Literal[tuple(CycleKind.values)]  # type: ignore[valid-type]
    start: date = Field(description="the first day of the month, quarter or year")
    name: str = Field("", max_length=100)


class AgentReviewOut(Schema):
    agent: str
    agent_id: int
    name: str
    team: str | None
    score: float | None
    score_low: float | None
    score_high: float | None
    calibrated_score: float | None
    rank: int | None = Field(description="shared by agents whose 95 % intervals overlap")
    not_distinguishable_from: int = Field(description="how many others share the rank")
    dimensions: dict[str, float]


class ReviewLineOut(Schema):
    source: str
    label: str
    dimension: str
    weight: float
    value: float | None
    shrunk: float | None = Field(description="the value scored, moved towards the team mean")
    n: int
    low: float | None
    high: float | None
    points: float | None
    points_low: float | None
    points_high: float | None
    factor: float


class AgentReviewDetail(AgentReviewOut):
    cycle: PerformanceCycleOut
    template: str
    lines: list[ReviewLineOut]


class ScoreQuery(Schema):
    """Mirrors `kefu.performance.selectors.cycles.ScoreFilterSet`."""

    team: RowId | None = None
    tier: Literal[tuple(Tier.values)] | None = None  # type: ignore[valid-type]
    q: Text | None = Field(None, max_length=50, description="agent name or id contains")


class IndicatorOut(Schema):
    dimension: str
    source: str
    label: str
    weight: float
    mapping: str
    floor: float | None
    target: float | None
    bands: list[Any]


class TemplateOut(Schema):
    id: int
    family: str
    version: int
    name: str
    tier: str
    indicators: list[IndicatorOut]


def _cycle(request: HttpRequest, cycle_id: int) -> Cycle:
    return get_object_or_404(selectors.cycles_visible_to(request.user), pk=cycle_id)


def _review_out(score: AgentScore, rank: int | None, group_size: int) -> dict[str, Any]:
    return {
        "agent": score.agent.external_id, "agent_id": score.agent_id, "name": score.agent.name,
        "team": score.team.name if score.team else None, "score": score.score,
        "score_low": score.score_low, "score_high": score.score_high,
        "calibrated_score": score.calibrated_score, "rank": rank or None,
        "not_distinguishable_from": max(0, group_size - 1),
        "dimensions": {k: v for k, v in score.dimensions.items() if isinstance(v, float | int)},
    }  # fmt: skip


@router.get("/performance/cycles", response={200: list[PerformanceCycleOut], **ERRORS})
def list_cycles(request: HttpRequest) -> Any:
    return list(selectors.cycles_visible_to(request.user))


@router.post(
    "/performance/cycles", response={201: PerformanceCycleOut, **ERRORS}, summary="Open a cycle"
)
def create_cycle(request: HttpRequest, payload: CycleIn) -> Any:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise HttpError(403, "Only managers open review cycles.")
    return Status(
        201, actions.create_cycle(request.user, payload.kind, payload.start, payload.name)
    )


@router.post(
    "/performance/cycles/{int:cycle_id}/compute",
    response={200: dict[str, int], **ERRORS},
    summary="Compute (or recompute) the cycle's reviews",
)
def compute_cycle(request: HttpRequest, cycle_id: RowId) -> Any:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise HttpError(403, "Only managers compute review cycles.")
    return {"reviews": actions.compute(_cycle(request, cycle_id), request.user)}


@router.get(
    "/performance/cycles/{int:cycle_id}/reviews", response={200: list[AgentReviewOut], **ERRORS}
)
def list_reviews(request: HttpRequest, cycle_id: RowId, q: Query[ScoreQuery]) -> Any:
    """The cycle's reviews in the caller's scope, ranked (agents whose intervals overlap
    share a rank)."""
    cycle = _cycle(request, cycle_id)
    filterset = selectors.ScoreFilterSet(
        q.model_dump(exclude_none=True),
        selectors.scores_visible_to(request.user).filter(cycle=cycle),
    )
    if filterset.errors:
        raise ValidationError(
            [{"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
             for name, m in filterset.errors.items()]
        )  # fmt: skip
    ranked = selectors.ranking(list(filterset.qs))
    return [_review_out(r.score, r.rank, r.group_size) for r in ranked[:LIMIT]]


def _score(request: HttpRequest, cycle_id: int, agent_id: int) -> AgentScore:
    return get_object_or_404(
        selectors.scores_visible_to(request.user).select_related("template"),
        cycle_id=cycle_id,
        agent_id=agent_id,
    )


@router.get(
    "/performance/cycles/{int:cycle_id}/reviews/{int:agent_id}",
    response={200: AgentReviewDetail, **ERRORS},
)
def review_detail(request: HttpRequest, cycle_id: RowId, agent_id: RowId) -> Any:
    """An agent's review: each figure as measured, its interval and count, the value
    scored (after shrinkage), its points and weight."""
    score = _score(request, cycle_id, agent_id)
    audit_view(request, agent_id, "review")
    team = list(selectors.scores_visible_to(request.user).filter(cycle_id=cycle_id))
    rank = next((r for r in selectors.ranking(team) if r.score.pk == score.pk), None)
    lines = []
    for entry in score.details:
        definition = source(entry["source"])
        lines.append({**entry, "label": str(definition.label) if definition else entry["source"]})
    return {
        **_review_out(score, rank.rank if rank else None, rank.group_size if rank else 0),
        "cycle": score.cycle,
        "template": str(score.template),
        "lines": lines,
    }


@router.get(
    "/performance/cycles/{int:cycle_id}/reviews/{int:agent_id}/figures/{key}/conversations",
    response={200: list[str], **ERRORS},
)
def figure_conversations(request: HttpRequest, cycle_id: RowId, agent_id: RowId, key: Text) -> Any:
    """The external ids of the conversations behind one figure of a review (newest
    first, at most 200), as far as the caller may see them."""
    score = _score(request, cycle_id, agent_id)
    if key not in {entry["source"] for entry in score.details}:
        raise HttpError(404, "Not a figure of this review.")
    audit_view(request, agent_id, "evidence")
    cycle = score.cycle
    behind = evidence(key, agent_id, cycle.start, cycle.end, cycle)
    visible = conversations_visible_to(request.user).filter(pk__in=behind.values("pk"))
    return list(visible.order_by("-created_at").values_list("external_id", flat=True)[:LIMIT])


@router.get("/performance/templates", response={200: list[TemplateOut], **ERRORS})
def list_templates(request: HttpRequest) -> Any:
    templates = restrict(Template.objects.prefetch_related("indicators"), request.user)
    out = []
    for template in templates:
        indicators = []
        for line in template.indicators.all():
            definition = source(line.source)
            indicators.append(
                {
                    "dimension": line.dimension,
                    "source": line.source,
                    "label": str(definition.label) if definition else line.source,
                    "weight": line.weight,
                    "mapping": line.mapping,
                    "floor": line.floor,
                    "target": line.target,
                    "bands": line.bands,
                }
            )
        out.append(
            {
                "id": template.pk,
                "family": template.family,
                "version": template.version,
                "name": template.name,
                "tier": template.tier,
                "indicators": indicators,
            }
        )
    return out
