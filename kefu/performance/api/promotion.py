"""/api/v1/performance/promotion…: the promotion pool: figures (certified, reserve pool,
conversion), each candidate's criteria, adding to the reserve pool and recording an
entry's outcome. Managers manage; supervisors read their teams; agents their own."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema, Status

from kefu.accounts.access import CHANGE, own_agent_id, restrict, supervised_team_ids
from kefu.accounts.models import Agent
from kefu.accounts.roles import VIEW_ALL_PERFORMANCE
from kefu.lib.errors import NotAllowed
from kefu.lib.schemas import ErrorOut, RowId
from kefu.performance.actions import promotion as actions
from kefu.performance.actions._checks import require_manager
from kefu.performance.auditing import audit_views
from kefu.performance.models import PoolEntry
from kefu.performance.selectors import promotion as selectors
from kefu.performance.views.promotion import visible_agents

router = Router(tags=["performance"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class PromotionFiguresOut(Schema):
    certified: int = Field(description="agents holding a valid certificate today")
    reserve: int = Field(description="entries in the reserve pool now")
    promoted: int
    withdrawn: int
    conversion: float | None = Field(description="promoted ÷ (promoted + withdrawn)")


class PromotionRulesOut(Schema):
    min_score: float
    cycles: int
    min_feedback: float
    no_fatal_months: int
    requires_certificate: bool


class PromotionCandidateOut(Schema):
    agent: str = Field(description="agent id")
    name: str
    team: str | None
    criteria: dict[str, bool | None] = Field(
        description="certificate, score, feedback, no_fatal: met (null: not required)"
    )
    recent_scores: list[float | None] = Field(description="newest quarterly cycle first")
    feedback: float | None
    feedback_raters: int
    fatal_hits: int
    eligible: bool
    in_pool: bool


class PromotionOut(Schema):
    rules: PromotionRulesOut
    figures: PromotionFiguresOut | None = Field(None, description="managers and supervisors")
    candidates: list[PromotionCandidateOut]


class PromotionEntryOut(Schema):
    id: int
    agent: str
    added_on: date
    status: str
    promoted_on: date | None
    note: str


class PromotionAddIn(Schema):
    note: str = Field("", max_length=actions.MAX_NOTE)


class PromotionDecideIn(Schema):
    outcome: Literal["promoted", "withdrawn"]
    note: str = Field("", max_length=actions.MAX_NOTE)


def _entry(e: PoolEntry) -> dict:
    return {
        "id": e.pk, "agent": e.agent.external_id, "added_on": e.added_on, "status": e.status,
        "promoted_on": e.promoted_on, "note": e.note,
    }  # fmt: skip


@router.get("/performance/promotion", response={200: PromotionOut, **ERRORS})
def promotion(request: HttpRequest):
    """The criteria and the candidates the caller may see (an agent: themself)."""
    user = request.user
    lists = user.has_perm(VIEW_ALL_PERFORMANCE) or bool(supervised_team_ids(user))
    own = own_agent_id(user)
    if not lists and own is None:
        raise NotAllowed(
            gettext_noop("Only agents, supervisors and managers have a promotion pool.")
        )
    agents = visible_agents(user) if lists else Agent.objects.filter(pk=own)
    standings = selectors.standings(selectors.considered(agents))
    out: dict = {"rules": asdict(selectors.rules()), "candidates": []}
    if lists:
        audit_views(request, [s.agent.pk for s in standings], "promotion")
        f = selectors.pool_figures(agents, restrict(PoolEntry.objects.all(), user))
        out["figures"] = {
            "certified": f.certified, "reserve": f.reserve, "promoted": f.promoted,
            "withdrawn": f.withdrawn, "conversion": f.conversion,
        }  # fmt: skip
    for s in standings:
        out["candidates"].append(
            {
                "agent": s.agent.external_id,
                "name": s.agent.name,
                "team": s.agent.team.name if s.agent.team else None,
                "criteria": {c.code: c.met for c in s.checks},
                "recent_scores": list(s.evidence.recent_scores),
                "feedback": s.evidence.feedback,
                "feedback_raters": s.evidence.feedback_raters,
                "fatal_hits": s.evidence.fatal_hits,
                "eligible": s.eligible,
                "in_pool": s.entry is not None,
            }
        )
    return out


@router.post(
    "/performance/promotion/agents/{agent_id}", response={201: PromotionEntryOut, **ERRORS}
)
def add(request: HttpRequest, agent_id: RowId, payload: PromotionAddIn):
    """Add the agent to the reserve pool (a note is required when a criterion is not met)."""
    require_manager(request.user)
    agent = get_object_or_404(visible_agents(request.user), pk=agent_id)
    entry = actions.add(agent, user=request.user, note=payload.note, request=request)
    return Status(201, _entry(entry))


@router.post(
    "/performance/promotion/entries/{entry_id}", response={200: PromotionEntryOut, **ERRORS}
)
def decide(request: HttpRequest, entry_id: RowId, payload: PromotionDecideIn):
    """Record the outcome of a reserve pool entry: promoted or withdrawn."""
    require_manager(request.user)
    entry = get_object_or_404(restrict(PoolEntry.objects.all(), request.user, CHANGE), pk=entry_id)
    entry = actions.decide(
        entry, payload.outcome, user=request.user, note=payload.note, request=request
    )
    return _entry(entry)
