"""REST API v1 of the analyses (mounted under /api/v1/ by kefu/api.py next to the
improvement router): 5-Why records, fishbone diagrams and case retrospectives — list
(the list pages' FilterSet), one, create, update — and a retrospective's Excel export.

Reads start from `kefu.accounts.access` (supervisors and the department roles; agents
403 on lists, 404 on one); linked conversations are listed only when the caller may see
them. Writes go through `kefu.improvement.actions_analysis` (MANAGE_IMPROVEMENT; its
refusals are answered 403/404/422 by kefu/api.py). Schema names carry the `Analysis`,
`FiveWhy`, `Fishbone` or `Retrospective` prefix (ninja names components by class)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from kefu.accounts import access
from kefu.improvement import actions_analysis, selectors
from kefu.improvement.actions_analysis import MAX_SECTION
from kefu.improvement.choices import CauseKind, FishboneCategory
from kefu.improvement.filtersets_analysis import AnalysisFilterSet
from kefu.improvement.models import TaxonomyNode
from kefu.improvement.selectors_analysis import (
    FISHBONE,
    FIVE_WHY,
    KINDS,
    RETROSPECTIVE,
    analyses,
    linked_conversations,
)
from kefu.interactions.models import Conversation
from kefu.lib.downloads import xlsx_response
from kefu.lib.errors import NotAllowed
from kefu.lib.localtime import configured_tz
from kefu.lib.schemas import ErrorOut, ErrorsOut, RowId, Text

router = Router(tags=["improvement"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorsOut | ErrorOut}
MAX_LIMIT = 500


class ImprovementAnalysisQuery(Schema):
    """Mirrors `kefu.improvement.filtersets_analysis.AnalysisFilterSet`."""

    problem: Text | None = None
    kind: CauseKind | None = Field(None, description="the root cause's kind")
    q: Text | None = Field(None, description="the title contains")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)


class ImprovementAnalysisIn(Schema):
    title: str = Field(min_length=1, max_length=200)
    problem: str = Field(max_length=100)
    root_cause_id: RowId | None = Field(None, description="a root cause of the problem")
    conversations: list[Text] = Field(
        default_factory=list, max_length=100, description="conversation ids (external)"
    )


class FiveWhyIn(ImprovementAnalysisIn):
    whys: list[str] = Field(min_length=1, max_length=5, description="why 1 … why 5")


class FishboneIn(ImprovementAnalysisIn):
    causes: dict[FishboneCategory, list[str]] = Field(
        description="category → causes", max_length=len(FishboneCategory.values)
    )


class RetrospectiveIn(ImprovementAnalysisIn):
    background: str = Field("", max_length=MAX_SECTION)
    description: str = Field("", max_length=MAX_SECTION)
    handling: str = Field("", max_length=MAX_SECTION)
    result: str = Field("", max_length=MAX_SECTION)


class ImprovementAnalysisOut(Schema):
    id: int
    title: str
    problem: str
    root_cause_id: int | None
    root_cause: str | None
    root_cause_kind: str | None
    created_at: datetime
    created_by: str | None
    conversations: list[str] = Field(description="the linked ones the caller may see")


class FiveWhyOut(ImprovementAnalysisOut):
    whys: list[str]


class FishboneOut(ImprovementAnalysisOut):
    causes: dict[str, list[str]]


class RetrospectiveOut(ImprovementAnalysisOut):
    background: str
    description: str
    handling: str
    result: str


def _require_reader(request: HttpRequest) -> None:
    if not selectors.sees_projects(request.user):
        raise NotAllowed(_("analyses are for supervisors and the department roles"))


def _out(
    request: HttpRequest, analysis, key: str, conversations: list[str] | None = None
) -> dict[str, Any]:
    """One analysis; `conversations`: its linked ones the caller sees (read when None)."""
    cause = analysis.root_cause
    if conversations is None:
        conversations = sorted(c.external_id for c in linked_conversations(analysis, request.user))
    out: dict[str, Any] = {
        "id": analysis.pk,
        "title": analysis.title,
        "problem": analysis.problem,
        "root_cause_id": cause.pk if cause else None,
        "root_cause": cause.name if cause else None,
        "root_cause_kind": cause.kind if cause else None,
        "created_at": analysis.created_at.astimezone(configured_tz()),
        "created_by": analysis.created_by.username if analysis.created_by else None,
        "conversations": conversations,
    }
    if key == FIVE_WHY:
        out["whys"] = list(analysis.whys)
    elif key == FISHBONE:
        out["causes"] = {k: list(v) for k, v in analysis.causes.items()}
    else:
        for name in actions_analysis.RETRO_SECTIONS:
            out[name] = getattr(analysis, name)
    return out


def _list(request: HttpRequest, key: str, q: ImprovementAnalysisQuery) -> list[dict[str, Any]]:
    _require_reader(request)
    data = q.model_dump(exclude_none=True, exclude={"limit"})
    filterset = AnalysisFilterSet(data, analyses(request.user, KINDS[key]))
    if filterset.errors:  # the schema refuses these first: a safety net
        raise ValidationError(
            [
                {"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
                for name, m in filterset.errors.items()
            ]
        )
    rows = list(
        filterset.qs.prefetch_related(
            Prefetch("conversations", queryset=Conversation.objects.only("pk", "external_id"))
        ).order_by("-created_at", "-pk")[: q.limit]
    )
    # the linked conversations the caller sees: one query for the page, not one per row
    linked = {c.pk for a in rows for c in a.conversations.all()}
    visible = set(
        access.conversations_visible_to(request.user)
        .filter(pk__in=linked)
        .values_list("pk", flat=True)
    )
    return [
        _out(
            request,
            a,
            key,
            sorted(c.external_id for c in a.conversations.all() if c.pk in visible),
        )
        for a in rows
    ]


def _one(request: HttpRequest, key: str, analysis_id: int):
    _require_reader(request)
    return get_object_or_404(analyses(request.user, KINDS[key]), pk=analysis_id)


def _data(body: ImprovementAnalysisIn) -> dict[str, Any]:
    data = body.model_dump(exclude={"root_cause_id"})
    data["root_cause"] = (
        get_object_or_404(TaxonomyNode, pk=body.root_cause_id, level="cause")
        if body.root_cause_id
        else None
    )
    return data


def _fishbone_data(body: FishboneIn) -> dict[str, Any]:
    data = _data(body)
    data["causes"] = {str(k): v for k, v in body.causes.items()}  # checked by the action
    return data


# --- 5-Why --------------------------------------------------------------------------------------
@router.get("/improvement/five-whys", response={200: list[FiveWhyOut], **ERRORS})
def list_five_whys(
    request: HttpRequest, q: Query[ImprovementAnalysisQuery]
) -> list[dict[str, Any]]:
    """5-Why records the caller may read, newest first."""
    return _list(request, FIVE_WHY, q)


@router.post("/improvement/five-whys", response={201: FiveWhyOut, **ERRORS})
def create_five_why(request: HttpRequest, body: FiveWhyIn) -> Status:
    """A 5-Why record (QA specialists, managers): one to five answers, each asking about
    the previous one; the root cause must be one of the problem's."""
    analysis = actions_analysis.save_five_why(_data(body), user=request.user)
    return Status(201, _out(request, analysis, FIVE_WHY))


@router.get("/improvement/five-whys/{analysis_id}", response={200: FiveWhyOut, **ERRORS})
def get_five_why(request: HttpRequest, analysis_id: RowId) -> dict[str, Any]:
    return _out(request, _one(request, FIVE_WHY, analysis_id), FIVE_WHY)


@router.put("/improvement/five-whys/{analysis_id}", response={200: FiveWhyOut, **ERRORS})
def update_five_why(request: HttpRequest, analysis_id: RowId, body: FiveWhyIn) -> dict[str, Any]:
    analysis = _one(request, FIVE_WHY, analysis_id)
    analysis = actions_analysis.save_five_why(_data(body), user=request.user, analysis=analysis)
    return _out(request, analysis, FIVE_WHY)


# --- fishbone -----------------------------------------------------------------------------------
@router.get("/improvement/fishbones", response={200: list[FishboneOut], **ERRORS})
def list_fishbones(
    request: HttpRequest, q: Query[ImprovementAnalysisQuery]
) -> list[dict[str, Any]]:
    """Fishbone diagrams the caller may read, newest first."""
    return _list(request, FISHBONE, q)


@router.post("/improvement/fishbones", response={201: FishboneOut, **ERRORS})
def create_fishbone(request: HttpRequest, body: FishboneIn) -> Status:
    """A fishbone (QA specialists, managers): causes under the six categories (people,
    system, product, process, environment, measurement)."""
    analysis = actions_analysis.save_fishbone(_fishbone_data(body), user=request.user)
    return Status(201, _out(request, analysis, FISHBONE))


@router.get("/improvement/fishbones/{analysis_id}", response={200: FishboneOut, **ERRORS})
def get_fishbone(request: HttpRequest, analysis_id: RowId) -> dict[str, Any]:
    return _out(request, _one(request, FISHBONE, analysis_id), FISHBONE)


@router.put("/improvement/fishbones/{analysis_id}", response={200: FishboneOut, **ERRORS})
def update_fishbone(request: HttpRequest, analysis_id: RowId, body: FishboneIn) -> dict[str, Any]:
    analysis = _one(request, FISHBONE, analysis_id)
    analysis = actions_analysis.save_fishbone(
        _fishbone_data(body), user=request.user, analysis=analysis
    )
    return _out(request, analysis, FISHBONE)


# --- case retrospectives ------------------------------------------------------------------------
@router.get("/improvement/retrospectives", response={200: list[RetrospectiveOut], **ERRORS})
def list_retrospectives(
    request: HttpRequest, q: Query[ImprovementAnalysisQuery]
) -> list[dict[str, Any]]:
    """Case retrospectives the caller may read, newest first."""
    return _list(request, RETROSPECTIVE, q)


@router.post("/improvement/retrospectives", response={201: RetrospectiveOut, **ERRORS})
def create_retrospective(request: HttpRequest, body: RetrospectiveIn) -> Status:
    """A case retrospective (QA specialists, managers): background, problem description,
    handling, result and impact."""
    analysis = actions_analysis.save_retrospective(_data(body), user=request.user)
    return Status(201, _out(request, analysis, RETROSPECTIVE))


@router.get("/improvement/retrospectives/{analysis_id}", response={200: RetrospectiveOut, **ERRORS})
def get_retrospective(request: HttpRequest, analysis_id: RowId) -> dict[str, Any]:
    return _out(request, _one(request, RETROSPECTIVE, analysis_id), RETROSPECTIVE)


@router.put("/improvement/retrospectives/{analysis_id}", response={200: RetrospectiveOut, **ERRORS})
def update_retrospective(
    request: HttpRequest, analysis_id: RowId, body: RetrospectiveIn
) -> dict[str, Any]:
    analysis = _one(request, RETROSPECTIVE, analysis_id)
    analysis = actions_analysis.save_retrospective(
        _data(body), user=request.user, analysis=analysis
    )
    return _out(request, analysis, RETROSPECTIVE)


@router.get(
    "/improvement/retrospectives/{analysis_id}/export.xlsx",
    response={200: None, **ERRORS},
    openapi_extra={
        "responses": {
            200: {
                "description": "the retrospective as an Excel workbook",
                "content": {
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}
                },
            }
        }
    },
)
def export_retrospective(request: HttpRequest, analysis_id: RowId) -> HttpResponse:
    """Sections on one sheet; the linked conversations the caller may see on another
    (time, channel, agent, the customer masked). Audited."""
    retrospective = _one(request, RETROSPECTIVE, analysis_id)
    content = actions_analysis.export_retrospective(
        retrospective, user=request.user, request=request
    )
    return xlsx_response(content, actions_analysis.retrospective_filename(retrospective))
