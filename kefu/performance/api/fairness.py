"""/api/v1/performance/fairness/{cycle_id}: a cycle's bias checks (raw and adjusted gaps
by team, shift, main channel and tenure) and, for managers, the rater flags. Supervisors
get the checks over their teams' reviews."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from ninja import Field, Router, Schema

from kefu.accounts.access import restrict
from kefu.accounts.roles import VIEW_ALL_PERFORMANCE
from kefu.lib.errors import NotAllowed
from kefu.lib.schemas import ErrorOut, RowId
from kefu.performance import wording
from kefu.performance.core import bias
from kefu.performance.models import AgentScore, BarsRating, Cycle
from kefu.performance.selectors.fairness import agent_factors, rater_report
from kefu.performance.views.fairness import may_read

router = Router(tags=["performance"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class FairnessEffectOut(Schema):
    gap: float = Field(description="points, the group minus the reference group")
    low: float
    high: float
    p_value: float


class FairnessGapOut(Schema):
    factor: Literal["team", "shift", "channel", "tenure"]
    level: str
    reference: str
    agents: int
    mean: float | None
    raw: FairnessEffectOut | None
    adjusted: FairnessEffectOut | None = Field(description="all four factors together")
    verdict: Literal["remains", "hidden", "explained", "none", "too_few"]
    sentence: str


class FairnessRaterOut(Schema):
    rater: str = Field(description="username")
    ratings: int
    mean_gap: float | None = Field(description="rating points − evidence points")
    low: float | None
    high: float | None
    flagged: bool
    direction: Literal["lenient", "harsh"] | None


class FairnessOut(Schema):
    cycle: int
    name: str
    scope: Literal["department", "teams"]
    agents: int = Field(description="reviews in the model")
    left_out: int
    formula: str
    r_squared: float | None
    summary: str
    gaps: list[FairnessGapOut]
    rater_threshold: float | None = None
    raters: list[FairnessRaterOut] | None = Field(None, description="managers only")


def _effect(effect: bias.Effect | None) -> dict | None:
    if effect is None:
        return None
    return {
        "gap": effect.estimate, "low": effect.low, "high": effect.high, "p_value": effect.p_value,
    }  # fmt: skip


@router.get("/performance/fairness/{cycle_id}", response={200: FairnessOut, **ERRORS})
def fairness(request: HttpRequest, cycle_id: RowId):
    """The bias checks of the cycle over the reviews the caller may see."""
    user = request.user
    if not may_read(user):
        raise NotAllowed(
            gettext_noop("Only managers and supervisors may read the fairness checks.")
        )
    cycle = get_object_or_404(restrict(Cycle.objects.all(), user), pk=cycle_id)
    full = user.has_perm(VIEW_ALL_PERFORMANCE)
    report = bias.check(agent_factors(cycle, restrict(AgentScore.objects.all(), user)))
    out: dict = {
        "cycle": cycle.pk,
        "name": cycle.name,
        "scope": "department" if full else "teams",
        "agents": report.n,
        "left_out": report.left_out,
        "formula": report.formula,
        "r_squared": report.r_squared,
        "summary": wording.summary(report),
        "gaps": [
            {
                "factor": g.factor,
                "level": g.level,
                "reference": g.reference,
                "agents": g.n,
                "mean": g.mean,
                "raw": _effect(g.raw),
                "adjusted": _effect(g.adjusted),
                "verdict": g.verdict,
                "sentence": wording.gap_sentence(g),
            }
            for g in report.gaps
        ],
    }
    if full:
        raters = rater_report(cycle, restrict(BarsRating.objects.all(), user))
        out["rater_threshold"] = raters.threshold
        out["raters"] = [
            {
                "rater": row.rater.get_username() if row.rater else "",
                "ratings": row.gap.gap.n,
                "mean_gap": row.gap.gap.value,
                "low": row.gap.gap.low,
                "high": row.gap.gap.high,
                "flagged": row.gap.flagged,
                "direction": row.gap.direction,
            }
            for row in raters.rows
        ]
    return out
