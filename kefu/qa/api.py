"""REST API v1: automatic QA results (mounted under /api/v1/ by kefu/api.py).

- `GET /qa/results`: the current results the caller may see, newest day first, with the
  results page's filters (the same `ResultFilterForm`, so a filter means the same on both;
  an invalid value is refused 422 here, shown beside its field on the page), keyset-paged.
- `GET /qa/conversations/{conversation_id}/results`: a conversation's results (current
  first, earlier scorecard versions after), each with its items and hits, and the
  judgements of its hits (docs/qa-feedback.md).

Reads go through the scoped selectors (`kefu.qa.selectors`): agents see their own,
supervisors their teams', QA / trainers / managers / admins everything; a conversation
outside the scope is 404. Evidence is stored masked. Schema names start with `Qa`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import StringConstraints

from kefu.accounts.access import conversations_visible_to
from kefu.lib.schemas import Day, ErrorOut, RowId, Text
from kefu.qa import dashboards, feedback
from kefu.qa.forms import ResultFilterForm
from kefu.qa.models import QaResult
from kefu.qa.selectors import hits_visible_to, results_visible_to

router = Router(tags=["qa"])

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
MAX_PAGE = 200


class QaHitOut(Schema):
    indicator: str
    severity: str
    type: str
    messages: list[str]
    evidence: str
    occurrences: int
    feedback: str | None = Field(
        None, description="correct, pending, confirmed or rejected (docs/qa-feedback.md)"
    )


class QaItemOut(Schema):
    item: str
    section: str
    points: float
    fatal: bool
    indicators: list[str]


class QaResultOut(Schema):
    id: int
    conversation: str
    scorecard: str
    scorecard_version: int
    is_current: bool
    score: float
    passed: bool
    fatal: bool
    agent: str | None
    team: str | None
    day: date
    scored_at: datetime
    hits: list[QaHitOut]
    items: list[QaItemOut] | None = None


class QaResultPage(Schema):
    items: list[QaResultOut]
    next: str | None = Field(None, description="pass as `after` for the next (older) page")


class QaConversationResultsOut(Schema):
    conversation: str
    results: list[QaResultOut]
    confirmed_false_positives: list[str] = Field(
        description="indicators whose hits a QA specialist confirmed wrong (left out)"
    )


class QaResultFilters(Schema):
    """The results page's filters (`kefu.qa.forms.ResultFilterForm`)."""

    date_from: Day | None = Field(None, alias="from", description="conversation day, from")
    date_to: Day | None = Field(None, alias="to", description="conversation day, to")
    band: Text | None = Field(None, description="score band: lt60, 60-79, 80-89, ge90")
    outcome: Text | None = Field(None, description="passed or failed")
    fatal: Text | None = Field(None, description="yes or no")
    indicator: Text | None = Field(None, description="an indicator (rule) id")
    severity: Text | None = Field(None, description="minor, normal or severe (of a hit)")
    type: Text | None = Field(None, description="a problem type (of a hit)")
    team: RowId | None = Field(None, description="team id")
    agent: RowId | None = Field(None, description="agent id")
    after: Annotated[str, StringConstraints(pattern=r"^\d{8}_\d{1,18}$")] | None = Field(
        None, description="cursor: the `next` of the previous page"
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE)

    model_config = {"populate_by_name": True}

    PAGING: ClassVar[tuple[str, ...]] = ("after", "limit")


def _hit(hit, judged: dict) -> dict[str, Any]:
    found = judged.get(hit.indicator)
    return {
        "indicator": hit.indicator,
        "severity": hit.severity,
        "type": hit.type,
        "messages": list(hit.messages),
        "evidence": hit.evidence,
        "occurrences": hit.occurrences,
        "feedback": found.status if found is not None else None,
    }


def _result(result: QaResult, hits, judged: dict, *, items: bool) -> dict[str, Any]:
    version = result.scorecard_version
    return {
        "id": result.pk,
        "conversation": result.conversation.external_id,
        "scorecard": version.scorecard.slug,
        "scorecard_version": version.number,
        "is_current": result.is_current,
        "score": result.score,
        "passed": result.passed,
        "fatal": result.fatal,
        "agent": result.agent.external_id if result.agent else None,
        "team": result.team.name if result.team else None,
        "day": result.day,
        "scored_at": result.scored_at,
        "hits": [_hit(h, judged) for h in hits],
        "items": list(result.items) if items else None,
    }


@router.get("/qa/results", response={200: QaResultPage, **ERRORS})
def list_results(request: HttpRequest, filters: Query[QaResultFilters]) -> dict[str, Any]:
    """Current QA results the caller may see, newest day first, filtered, keyset-paged."""
    data = filters.model_dump(exclude_none=True, exclude=set(QaResultFilters.PAGING))
    data = {("from" if k == "date_from" else "to" if k == "date_to" else k): v
            for k, v in data.items()}  # fmt: skip
    lang = dashboards.language()
    names = dashboards.indicator_names(lang)
    form = ResultFilterForm(
        {k: str(v) for k, v in data.items()},
        request.user,
        indicators=dashboards.indicator_choices(names),
        lang=lang,
    )
    if form.errors:
        raise ValidationError(
            [{"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
             for name, m in form.errors.items()]
        )  # fmt: skip
    chosen = form.data_ok
    narrowed = dashboards.narrowing(
        request.user, agent=chosen.get("agent"), team=chosen.get("team")
    )
    page, _matching = dashboards.result_page(
        form,
        dashboards.current_rows(results_visible_to(request.user), narrowed),
        dashboards.current_rows(hits_visible_to(request.user), narrowed),
        after=filters.after,
        before=None,
        size=filters.limit,
    )
    ids = [r.pk for r in page.items]
    rows = (
        QaResult.objects.filter(pk__in=ids)
        .select_related("scorecard_version__scorecard", "agent", "team", "conversation")
        .prefetch_related("hits")
        .defer("items")
        .in_bulk()
    )
    items = [
        _result(rows[pk], sorted(rows[pk].hits.all(), key=lambda h: h.pk), {}, items=False)
        for pk in ids
        if pk in rows
    ]
    return {"items": items, "next": page.next_cursor}


@router.get(
    "/qa/conversations/{conversation_id}/results",
    response={200: QaConversationResultsOut, **ERRORS},
)
def conversation_results(request: HttpRequest, conversation_id: str) -> dict[str, Any]:
    """A conversation's automatic results (current first), with items, hits and the
    judgements of its hits."""
    if "\x00" in conversation_id:
        raise Http404
    conversation = get_object_or_404(
        conversations_visible_to(request.user), external_id=conversation_id
    )
    results = list(
        results_visible_to(request.user, current=False)
        .filter(conversation=conversation)
        .select_related("scorecard_version__scorecard", "agent", "team", "conversation")
        .prefetch_related("hits")
        .order_by("-is_current", "-scored_at", "-pk")
    )
    judged = feedback.for_conversation(conversation)
    return {
        "conversation": conversation.external_id,
        "results": [
            _result(r, sorted(r.hits.all(), key=lambda h: h.pk), judged, items=True)
            for r in results
        ],
        "confirmed_false_positives": sorted(
            k for k, f in judged.items() if f.status == "confirmed"
        ),
    }
