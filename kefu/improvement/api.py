"""REST API v1 of complaint root cause (mounted under /api/v1/ by kefu/api.py): the
taxonomy (read, new version), the month's Top-N, classifications (list, correct),
projects (list, create, one with its before/after figures).

Reads start from `kefu.accounts.access` (classifications like their conversations;
projects for supervisors and the department roles); writes go through
`kefu.improvement.actions`, whose refusals are answered 403/404/422 by kefu/api.py.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import field_validator

from kefu.accounts import access
from kefu.core import periods
from kefu.improvement import actions, selectors, tasks
from kefu.improvement.choices import CauseKind, ProjectStatus, Source
from kefu.improvement.filtersets import ClassificationFilterSet
from kefu.improvement.models import Classification, ClassifierModel, TaxonomyNode
from kefu.lib.errors import NotAllowed
from kefu.lib.localtime import configured_tz
from kefu.lib.paging import keyset_page
from kefu.lib.schemas import Day, ErrorOut, ErrorsOut, RowId, Text

router = Router(tags=["improvement"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorsOut | ErrorOut}
MAX_LIMIT = 500


class MonthQuery(Schema):
    month: Text | None = Field(None, description="YYYY-MM")

    @field_validator("month")
    @classmethod
    def _a_month(cls, value: str | None) -> str | None:
        if value is not None and periods.parse_month(value, timezone.localdate()) is None:
            raise ValueError(_("must be a month (YYYY-MM)"))
        return value


# --- taxonomy -------------------------------------------------------------------------------
class CauseIn(Schema):
    cause: str = Field(max_length=100)
    kind: Literal[tuple(CauseKind.values)] = "other"  # type: ignore[valid-type]


class ProblemIn(Schema):
    problem: str = Field(max_length=100)
    causes: list[CauseIn] = Field(default_factory=list, max_length=100)


class SceneIn(Schema):
    scene: str = Field(max_length=100)
    problems: list[ProblemIn] = Field(default_factory=list, max_length=500)


class TaxonomyOut(Schema):
    version: int | None
    scenes: list[SceneIn]


class TaxonomyIn(Schema):
    scenes: list[SceneIn] = Field(max_length=200)
    note: str = Field("", max_length=200)


@router.get("/improvement/taxonomy", response={200: TaxonomyOut, **ERRORS})
def get_taxonomy(request: HttpRequest) -> dict[str, Any]:
    """The current taxonomy: scenes → problems → root causes with their kinds."""
    version = selectors.current_version()
    return {
        "version": version.number if version else None,
        "scenes": selectors.taxonomy_of(version).as_data(),
    }


@router.put("/improvement/taxonomy", response={200: TaxonomyOut, **ERRORS})
def put_taxonomy(request: HttpRequest, body: TaxonomyIn) -> dict[str, Any]:
    """Save a new version (QA specialists, managers); the old versions stay."""
    version = actions.save_taxonomy(
        [s.model_dump() for s in body.scenes], note=body.note, user=request.user
    )
    return {"version": version.number, "scenes": selectors.taxonomy_of(version).as_data()}


# --- Pareto ---------------------------------------------------------------------------------
class ParetoQuery(MonthQuery):
    """`month`: default the latest with complaints."""

    top: int = Field(5, ge=1, le=50)


class ParetoRowOut(Schema):
    rank: int
    problem: str
    count: int
    share: float
    cumulative: float
    previous: int
    change: int
    relative_change: float | None


class ParetoOut(Schema):
    month: str | None
    total: int
    previous_total: int
    others: int
    rows: list[ParetoRowOut]


@router.get("/improvement/pareto", response={200: ParetoOut, **ERRORS})
def get_pareto(request: HttpRequest, q: Query[ParetoQuery]) -> dict[str, Any]:
    """The month's Top-N problems among the complaints the caller may see
    (docs/improvement.md: share, cumulative share, change against the previous month)."""
    if q.month:
        bounds = periods.parse_month(q.month, timezone.localdate())
        month: date | None = bounds[0] if bounds else None
    else:
        month = selectors.latest_month(request.user)
    if month is None:
        return {"month": None, "total": 0, "previous_total": 0, "others": 0, "rows": []}
    table = selectors.pareto(request.user, month, q.top)
    return {
        "month": f"{month:%Y-%m}",
        "total": table.total,
        "previous_total": table.previous_total,
        "others": table.others,
        "rows": [row.__dict__ for row in table.rows],
    }


# --- classifications ------------------------------------------------------------------------
class ClassificationQuery(MonthQuery):
    """Mirrors `kefu.improvement.filtersets.ClassificationFilterSet`, plus paging;
    `month`: conversations created in it."""

    problem: Text | None = None
    scene: Text | None = None
    source: Literal[tuple(Source.values)] | None = None  # type: ignore[valid-type]
    review: bool | None = Field(None, description="true: only those waiting for review")
    complaint: bool | None = None
    after: Text | None = Field(None, description="page: the `next` of the previous answer")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)

    PAGING: ClassVar[frozenset[str]] = frozenset({"after", "limit"})


class ClassificationOut(Schema):
    conversation: str
    created_at: datetime
    complaint: bool
    scene: str
    problem: str
    confidence: float | None
    source: str
    needs_review: bool


class ClassificationPage(Schema):
    items: list[ClassificationOut]
    next: str | None


def _classification_out(row: Classification) -> dict[str, Any]:
    return {
        "conversation": row.conversation.external_id,
        "created_at": row.created_at.astimezone(configured_tz()),
        "complaint": row.complaint,
        "scene": row.scene,
        "problem": row.problem,
        "confidence": row.confidence,
        "source": row.source,
        "needs_review": row.needs_review,
    }


@router.get("/improvement/classifications", response={200: ClassificationPage, **ERRORS})
def list_classifications(request: HttpRequest, q: Query[ClassificationQuery]) -> dict[str, Any]:
    """Classified conversations in the caller's scope, newest first."""
    data = q.model_dump(exclude_none=True, exclude=set(q.PAGING))
    filterset = ClassificationFilterSet(
        {k: str(v).lower() if isinstance(v, bool) else v for k, v in data.items()},
        access.restrict(Classification.objects.select_related("conversation"), request.user),
    )
    if filterset.errors:  # the schema refuses these first: a safety net
        raise ValidationError(
            [
                {"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
                for name, m in filterset.errors.items()
            ]
        )
    page = keyset_page(filterset.qs, after=q.after, size=q.limit)
    return {"items": [_classification_out(r) for r in page.items], "next": page.next_cursor}


class CorrectionIn(Schema):
    problem: str = Field(max_length=100)


@router.put(
    "/improvement/classifications/{conversation_id}", response={200: ClassificationOut, **ERRORS}
)
def put_classification(
    request: HttpRequest, conversation_id: Text, body: CorrectionIn
) -> dict[str, Any]:
    """A person's classification of a conversation (QA specialists, managers): the scene
    follows the problem in the current taxonomy; it leaves the review queue."""
    conversation = get_object_or_404(
        access.conversations_visible_to(request.user), external_id=conversation_id
    )
    row = actions.correct(conversation.pk, body.problem, user=request.user)
    row.conversation = conversation
    return _classification_out(row)


# --- projects -------------------------------------------------------------------------------
class ProjectIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    problem: str = Field(max_length=100)
    root_cause_id: RowId | None = Field(None, description="a root cause of the problem")
    status: Literal[tuple(ProjectStatus.values)] = ProjectStatus.PLANNED  # type: ignore[valid-type]
    start: Day
    end: Day | None = None
    note: str = Field("", max_length=5000)


class RateChangeOut(Schema):
    before_events: int
    before_exposure: int
    after_events: int
    after_exposure: int
    before_rate: float | None = Field(description="per 1,000 conversations")
    after_rate: float | None
    change: float | None = Field(description="after ÷ before − 1")
    ratio_low: float | None = Field(description="95 % interval of after ÷ before")
    ratio_high: float | None
    p_value: float | None = Field(description="exact conditional test of two Poisson rates")


class ShareChangeOut(Schema):
    before_hits: int
    before_n: int
    after_hits: int
    after_n: int
    before: float | None
    after: float | None
    difference: float | None
    difference_low: float | None
    difference_high: float | None


class ProjectOut(Schema):
    id: int
    title: str
    owner: str
    problem: str
    root_cause: str | None
    root_cause_kind: str | None
    status: str
    start: date
    end: date | None
    note: str


class ProjectFiguresOut(Schema):
    before_from: date
    before_until: date
    after_from: date
    after_until: date
    complaints: RateChangeOut
    repeats: RateChangeOut
    inquiries: RateChangeOut
    csat: ShareChangeOut


class ProjectDetailOut(ProjectOut):
    figures: ProjectFiguresOut


def _project_out(project) -> dict[str, Any]:
    cause = project.root_cause
    return {
        "id": project.pk,
        "title": project.title,
        "owner": project.owner.username,
        "problem": project.problem,
        "root_cause": cause.name if cause else None,
        "root_cause_kind": cause.kind if cause else None,
        "status": project.status,
        "start": project.start,
        "end": project.end,
        "note": project.note,
    }


def _require_project_reader(request: HttpRequest) -> None:
    if not selectors.sees_projects(request.user):
        raise NotAllowed(_("projects are for supervisors and the department roles"))


@router.get("/improvement/projects", response={200: list[ProjectOut], **ERRORS})
def list_projects(request: HttpRequest) -> list[dict[str, Any]]:
    _require_project_reader(request)
    return [_project_out(p) for p in selectors.projects(request.user)[:MAX_LIMIT]]


@router.post("/improvement/projects", response={201: ProjectOut, **ERRORS})
def create_project(request: HttpRequest, body: ProjectIn) -> Status:
    """Start a project (QA specialists, managers); a marker on the KPI trends follows."""
    data = body.model_dump(exclude={"root_cause_id"})
    data["root_cause"] = (
        get_object_or_404(TaxonomyNode, pk=body.root_cause_id, level="cause")
        if body.root_cause_id
        else None
    )
    project = actions.create_project(data, user=request.user)
    return Status(201, _project_out(project))


@router.get("/improvement/projects/{project_id}", response={200: ProjectDetailOut, **ERRORS})
def get_project(request: HttpRequest, project_id: RowId) -> dict[str, Any]:
    """One project with its before/after figures (docs/improvement.md)."""
    _require_project_reader(request)
    project = get_object_or_404(selectors.projects(request.user), pk=project_id)
    figures = selectors.project_figures(project, timezone.localdate())
    w = figures["windows"]
    csat = figures["csat"]
    return {
        **_project_out(project),
        "figures": {
            "before_from": w.before_from,
            "before_until": w.before_until,
            "after_from": w.after_from,
            "after_until": w.after_until,
            "complaints": figures["complaints"].__dict__,
            "repeats": figures["repeats"].__dict__,
            "inquiries": figures["inquiries"].__dict__,
            "csat": {
                "before_hits": csat.before_hits,
                "before_n": csat.before_n,
                "after_hits": csat.after_hits,
                "after_n": csat.after_n,
                "before": csat.before,
                "after": csat.after,
                "difference": csat.difference.value,
                "difference_low": csat.difference.low,
                "difference_high": csat.difference.high,
            },
        },
    }


class ClassifierOut(Schema):
    id: int
    created_at: datetime
    created_by: str | None
    examples: int = Field(description="labelled complaints it learnt from")
    corrections: int = Field(description="of them, classified by people")
    report: dict[str, Any] = Field(
        description="cross-validated and held-out-by-time accuracy and macro-F1 per level "
        "beside the baselines, thresholds, per problem (docs/classification.md)"
    )


class ClassifierStateOut(Schema):
    active: ClassifierOut | None
    classifications: dict[str, int] = Field(description="total, auto, review, human")


@router.get("/improvement/classifier", response={200: ClassifierStateOut, **ERRORS})
def get_classifier(request: HttpRequest) -> dict[str, Any]:
    """The classifier in use and its measured figures."""
    _require_project_reader(request)
    row = ClassifierModel.objects.defer("blob").select_related("created_by").filter(active=True)
    active = row.first()
    return {
        "active": None
        if active is None
        else {
            "id": active.pk,
            "created_at": active.created_at,
            "created_by": active.created_by.username if active.created_by else None,
            "examples": active.examples,
            "corrections": active.corrections,
            "report": active.report,
        },
        "classifications": selectors.classification_counts(),
    }


@router.post("/improvement/classifier/train", response={202: ErrorOut, **ERRORS})
def train_classifier(request: HttpRequest) -> Status:
    """Train a new classifier from today's labels (people's corrections first) in the
    background, then label every automatic classification again (QA specialists,
    managers). Poll GET /improvement/classifier."""
    if not access.manages_improvement(request.user):
        raise NotAllowed(_("this needs the permission to manage complaint analysis"))
    tasks.retrain.enqueue(request.user.pk)
    return Status(202, {"detail": _("training queued")})
