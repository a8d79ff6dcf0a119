"""/api/v1/performance/feedback…: 360-degree feedback.

A rater reads and answers only their own requests (another's: 404). Supervisors (their
teams) and managers ask raters, one at a time or a round for a team. What may be read
about an agent — by the agent, their supervisors, managers — is the aggregate behind the
anonymity threshold (below it: how many answered, nothing else); reading another
person's aggregate is audited.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts.access import restrict
from kefu.accounts.models import Agent, Team
from kefu.lib.schemas import RowId, Text
from kefu.performance.actions import feedback as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.api._methods import ERRORS, do
from kefu.performance.apps import REVIEWS
from kefu.performance.auditing import audit_view
from kefu.performance.choices import CycleStatus
from kefu.performance.models import Cycle, FeedbackRequest, PerformanceSettings
from kefu.performance.selectors import feedback as selectors

router = Router(tags=["performance"])


class RequestOut(Schema):
    id: int
    cycle: int
    agent: str = Field(description="agent id of the person rated")
    agent_name: str
    relation: str
    answers: dict[str, int] = Field(description="your answers, dimension → 1–5")
    comment: str
    submitted_at: datetime | None


class AnswerIn(Schema):
    answers: dict[str, int] = Field(
        description="empathy, collaboration, knowledge_sharing, innovation → 1–5"
    )
    comment: str = Field("", max_length=2000)


class RequestIn(Schema):
    cycle: RowId
    agent: Text = Field(description="agent id")
    rater: Text = Field(description="the rater's user name")
    relation: str = Field(description="self, peer, supervisor or other_team")


class RoundIn(Schema):
    cycle: RowId
    team: RowId


class RoundOut(Schema):
    created: int


class SummaryOut(Schema):
    cycle: int
    agent: str
    raters: int = Field(description="raters who answered (self-assessment not counted)")
    shown: bool = Field(description="at least `threshold` raters answered")
    threshold: int
    means: dict[str, float] = Field(description="per dimension, 1–5; empty unless shown")
    overall: float | None
    comments: list[str] = Field(description="without names or relations; empty unless shown")


def _mine(request: HttpRequest):
    return restrict(FeedbackRequest.objects.all(), request.user).select_related("agent")


def _out(row: FeedbackRequest) -> dict:
    return {
        "id": row.pk,
        "cycle": row.cycle_id,
        "agent": row.agent.external_id,
        "agent_name": row.agent.name,
        "relation": row.relation,
        "answers": row.answers or {},
        "comment": row.comment,
        "submitted_at": row.submitted_at,
    }


@router.get("/performance/feedback", response={200: list[RequestOut], **ERRORS})
def list_requests(request: HttpRequest):
    """Your own requests as a rater (pending and answered)."""
    return [_out(r) for r in _mine(request).order_by("-cycle__start", "pk")]


@router.get("/performance/feedback/{int:feedback_id}", response={200: RequestOut, **ERRORS})
def get_request(request: HttpRequest, feedback_id: RowId):
    return _out(get_object_or_404(_mine(request), pk=feedback_id))


@router.post("/performance/feedback/{int:feedback_id}/answer", response={200: RequestOut, **ERRORS})
def answer_request(request: HttpRequest, feedback_id: RowId, payload: AnswerIn):
    """Answer your request (final once submitted: 409 after)."""
    row = get_object_or_404(_mine(request), pk=feedback_id)
    return _out(do(actions.answer, row, payload.answers, payload.comment, user=request.user))


def _open_cycle(request: HttpRequest, pk: int) -> Cycle:
    return get_object_or_404(
        restrict(Cycle.objects.exclude(status=CycleStatus.CLOSED), request.user), pk=pk
    )


@router.post("/performance/feedback", response={201: RequestOut, **ERRORS})
def create_request(request: HttpRequest, payload: RequestIn):
    """Ask one rater about one agent (supervisors: their teams; managers: anyone)."""
    if not may_appraise(request.user):
        raise HttpError(403, _("You may not appraise this agent."))
    cycle = _open_cycle(request, payload.cycle)
    agent = get_object_or_404(appraisable(request.user), external_id=payload.agent)
    rater = get_user_model().objects.filter(username=payload.rater, is_active=True).first()
    if rater is None:
        raise HttpError(422, _("The rater has no active log-in."))
    row = do(actions.request_feedback, cycle, agent, rater, payload.relation, user=request.user)
    return Status(201, _out(FeedbackRequest.objects.select_related("agent").get(pk=row.pk)))


@router.post("/performance/feedback/rounds", response={201: RoundOut, **ERRORS})
def send_round(request: HttpRequest, payload: RoundIn):
    """The default round for a team (self, 3 peers, a supervisor, 1 other-team rater)."""
    if not may_appraise(request.user):
        raise HttpError(403, _("You may not ask for feedback about this team."))
    cycle = _open_cycle(request, payload.cycle)
    team = get_object_or_404(restrict(Team.objects.all(), request.user), pk=payload.team)
    made = do(actions.send_round, cycle, team, user=request.user)
    return Status(201, {"created": len(made)})


@router.get(
    "/performance/feedback/summary/{int:cycle_id}/{int:agent_id}",
    response={200: SummaryOut, **ERRORS},
)
def get_summary(request: HttpRequest, cycle_id: RowId, agent_id: RowId):
    """What may be shown about an agent in a cycle (the agent, supervisors, managers)."""
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user), pk=cycle_id)
    agent = get_object_or_404(restrict(Agent.objects.all(), request.user, REVIEWS), pk=agent_id)
    audit_view(request, agent, "feedback")
    aggregate = selectors.summary(cycle, agent.pk).aggregate
    return {
        "cycle": cycle.pk,
        "agent": agent.external_id,
        "raters": aggregate.raters,
        "shown": aggregate.shown,
        "threshold": PerformanceSettings.current().anonymity_threshold,
        "means": aggregate.means,
        "overall": aggregate.overall,
        "comments": list(aggregate.comments),
    }
