"""REST API v1 for human QA: /api/v1/reviews…

The same selectors and actions as the pages: reads are scoped (outside the scope: 404),
writes are refused by the actions with 403 / 409 / 422 and `{"detail": …}`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError, ValidationError
from pydantic import field_validator

from kefu.accounts.access import conversations_visible_to
from kefu.accounts.roles import MANAGE_SAMPLING, VIEW_QA_EFFICIENCY
from kefu.core import periods
from kefu.interactions.schemas import PeriodQuery
from kefu.lib.schemas import Day, ErrorOut, RowId, Text
from kefu.reviews import actions, pages
from kefu.reviews.choices import AppealStatus, Kind, ReviewStatus
from kefu.reviews.core import scoring
from kefu.reviews.filtersets import ReviewFilterSet
from kefu.reviews.models import Appeal, Review
from kefu.reviews.selectors import (
    appeals_visible_to,
    plans_visible_to,
    reviews_visible_to,
    sessions_visible_to,
)

router = Router(tags=["reviews"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}
LIMIT = 200
MAX_COMMENT = 10_000
MAX_NAME = 200
MAX_SECONDS = 86_400  # one save reports at most a day of work


class ItemIn(Schema):
    applies: bool = False
    points: float | None = Field(
        None, allow_inf_nan=False, description="0 … the item's cap; default its points"
    )
    comment: str = Field("", max_length=MAX_COMMENT)


class ScoreIn(Schema):
    items: dict[str, ItemIn] = Field(default_factory=dict, description="item id → value")
    comment: str = Field("", max_length=MAX_COMMENT)
    coaching: str = Field("", max_length=MAX_COMMENT)
    submit: bool = True
    seconds: int = Field(
        0, ge=0, le=MAX_SECONDS, description="time spent on this review since the last save"
    )


class ReviewOut(Schema):
    id: int
    kind: str
    status: str
    conversation: str
    agent: str | None
    team: str | None
    reviewer: str | None
    plan: int | None
    scorecard: str
    due_at: datetime | None
    submitted_at: datetime | None
    score: float | None
    passed: bool | None
    fatal: bool
    automatic_score: float | None


class ItemRow(Schema):
    item: str
    section: str
    automatic: float | None
    manual: float | None
    agree: bool
    comment: str = ""


class ReviewDetail(ReviewOut):
    items: list[ItemRow]
    comment: str
    coaching: str
    scenario: str
    revisions: list[dict[str, Any]]
    appeals: list[dict[str, Any]]
    appeal_deadline: datetime | None


def _out(r: Review) -> dict:
    return {
        "id": r.pk,
        "kind": r.kind,
        "status": r.status,
        "conversation": r.conversation.external_id,
        "agent": r.agent.external_id if r.agent else None,
        "team": r.team.name if r.team else None,
        "reviewer": r.reviewer.get_username() if r.reviewer else None,
        "plan": r.plan_id,
        "scorecard": f"{r.scorecard_version.scorecard.slug} v{r.scorecard_version.number}",
        "due_at": r.due_at,
        "submitted_at": r.submitted_at,
        "score": r.score,
        "passed": r.passed,
        "fatal": r.fatal,
        "automatic_score": r.auto_result.score if r.auto_result else None,
    }


def _review(user, review_id: RowId) -> Review:
    qs = reviews_visible_to(user).select_related(
        "conversation", "agent", "team", "reviewer", "scorecard_version__scorecard", "auto_result"
    )
    return get_object_or_404(qs, pk=review_id)


def _appeal_out(a: Appeal) -> dict:
    return {
        "id": a.pk,
        "review": a.review_id,
        "item": a.item,
        "status": a.status,
        "reason": a.reason,
        "decision_reason": a.decision_reason,
        "points_before": a.points_before,
        "points_after": a.points_after,
        "score_before": a.score_before,
        "score_after": a.score_after,
        "created_at": a.created_at,
        "decided_at": a.decided_at,
        "events": [
            {
                "status": e.status,
                "by": e.by.get_username() if e.by else None,
                "note": e.note,
                "at": e.at,
            }
            for e in a.events.select_related("by")
        ],
    }


def _detail(user, review: Review) -> dict:
    card = actions.scorecard_of(review.scorecard_version)
    auto = review.auto_result
    comments = {e["item"]: e.get("comment", "") for e in review.items}
    rows = scoring.compare(card, auto.items if auto else None, review.items)
    return _out(review) | {
        "items": [
            {
                "item": d.item,
                "section": d.section,
                "automatic": d.automatic,
                "manual": d.manual,
                "agree": d.agree,
                "comment": comments.get(d.item, ""),
            }
            for d in rows
        ],
        "comment": review.comment,
        "coaching": review.coaching,
        "scenario": review.scenario,
        "revisions": [
            {
                "number": v.number,
                "cause": v.cause,
                "score": v.score,
                "passed": v.passed,
                "appeal": v.appeal_id,
                "at": v.created_at,
            }
            for v in review.revisions.all()
        ],
        "appeals": [_appeal_out(a) for a in review.appeals.all()],
        "appeal_deadline": actions.appeal_deadline(review),
    }


class ReviewQuery(Schema):
    """Mirrors `kefu.reviews.filtersets.ReviewFilterSet`, plus the page parameter."""

    status: Literal[tuple(ReviewStatus.values)] | None = None  # type: ignore[valid-type]
    kind: Literal[tuple(Kind.values)] | None = None  # type: ignore[valid-type]
    month: Text | None = Field(
        None, description="YYYY-MM: reviews sampled for that month or submitted in it"
    )
    mine: bool = Field(False, description="only reviews assigned to me")
    before_id: RowId | None = Field(None, description="page: reviews with a smaller id")

    PAGING: ClassVar[frozenset[str]] = frozenset({"before_id"})

    @field_validator("month")
    @classmethod
    def _a_month(cls, value: str | None) -> str | None:
        if value is not None and periods.parse_month(value, timezone.localdate()) is None:
            raise ValueError(_("must be a month (YYYY-MM)"))
        return value


@router.get("/reviews", response={200: list[ReviewOut], **ERRORS})
def list_reviews(request: HttpRequest, q: Query[ReviewQuery]):
    """Reviews in the caller's scope, newest first (200 a page; page on with before_id)."""
    filterset = ReviewFilterSet(
        q.model_dump(exclude_none=True, exclude=set(q.PAGING)),
        reviews_visible_to(request.user).select_related(
            "conversation", "agent", "team", "reviewer", "scorecard_version__scorecard",
            "auto_result",
        ),
        user=request.user,
    )  # fmt: skip
    if filterset.errors:  # the schema refuses these first: a safety net
        raise ValidationError(
            [{"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
             for name, m in filterset.errors.items()]
        )  # fmt: skip
    qs = filterset.qs
    if q.before_id:
        qs = qs.filter(pk__lt=q.before_id)
    return [_out(r) for r in qs.order_by("-pk")[:LIMIT]]


class NewReviewIn(Schema):
    conversation: Text
    kind: Literal["manual", "mystery"] = "manual"
    scenario: str = Field("", max_length=MAX_COMMENT)
    shopper: str = Field("", max_length=MAX_NAME)


@router.post("/reviews", response={201: ReviewDetail, **ERRORS})
def create_review(request: HttpRequest, payload: NewReviewIn):
    """Review a conversation outside a plan, or record a mystery-shopper evaluation."""
    conversation = get_object_or_404(
        conversations_visible_to(request.user), external_id=payload.conversation
    )
    review = actions.create_review(
        conversation,
        by=request.user,
        kind=payload.kind,
        scenario=payload.scenario,
        shopper=payload.shopper,
    )
    return Status(201, _detail(request.user, _review(request.user, review.pk)))


@router.get("/reviews/{int:review_id}", response={200: ReviewDetail, **ERRORS})
def get_review(request: HttpRequest, review_id: RowId):
    return _detail(request.user, _review(request.user, review_id))


@router.post("/reviews/{int:review_id}/score", response={200: ReviewDetail, **ERRORS})
def score_review(request: HttpRequest, review_id: RowId, payload: ScoreIn):
    """Score a review (the assigned QA specialist): a draft, or submitted."""
    review = _review(request.user, review_id)
    actions.save_review(
        review,
        {k: v.model_dump() for k, v in payload.items.items()},
        user=request.user,
        comment=payload.comment,
        coaching=payload.coaching,
        submit=payload.submit,
        seconds=payload.seconds,
    )
    return _detail(request.user, _review(request.user, review_id))


class ReassignIn(Schema):
    reviewer: Text = Field(description="username of a QA specialist")


@router.post("/reviews/{int:review_id}/reassign", response={200: ReviewOut, **ERRORS})
def reassign(request: HttpRequest, review_id: RowId, payload: ReassignIn):
    review = _review(request.user, review_id)
    target = get_user_model().objects.filter(username=payload.reviewer, is_active=True).first()
    if target is None:
        raise HttpError(422, _("no such user"))
    actions.reassign(review, target, by=request.user)
    return _out(_review(request.user, review_id))


class BulkAssignIn(Schema):
    reviews: list[RowId] = Field(default_factory=list, max_length=500, description="review ids")
    reviewers: list[Text] = Field(
        default_factory=list,
        max_length=50,
        description="usernames of QA specialists: one takes every review, several share "
        "them evenly in turn",
    )


class SkippedOut(Schema):
    id: int
    reason: str


class BulkAssignOut(Schema):
    assigned: list[int]
    skipped: list[SkippedOut]


@router.post("/reviews/assign", response={200: BulkAssignOut, **ERRORS})
def bulk_assign(request: HttpRequest, payload: BulkAssignIn):
    """Assign many open reviews at once (each row on its own: a refused one is reported,
    the others assigned; a review already with the specialist is left as it is)."""
    if not request.user.has_perm(MANAGE_SAMPLING):
        raise HttpError(403, _("you may not do this"))
    names = list(dict.fromkeys(payload.reviewers))
    targets = list(get_user_model().objects.filter(username__in=names, is_active=True))
    if names and len(targets) != len(names):
        raise HttpError(422, _("no such user"))
    result = actions.bulk_assign(payload.reviews, targets, by=request.user)
    return {
        "assigned": result.assigned,
        "skipped": [{"id": k, "reason": _(v)} for k, v in result.skipped.items()],
    }


class AppealIn(Schema):
    item: Text
    reason: str = Field(max_length=MAX_COMMENT)


@router.post("/reviews/{int:review_id}/appeals", response={201: dict[str, Any], **ERRORS})
def file_appeal(request: HttpRequest, review_id: RowId, payload: AppealIn):
    """The agent reviewed appeals one item, within the appeal window."""
    review = _review(request.user, review_id)
    appeal = actions.file_appeal(review, payload.item, payload.reason, user=request.user)
    return Status(201, _appeal_out(appeal))


@router.get("/reviews/appeals", response={200: list[dict[str, Any]], **ERRORS})
def list_appeals(request: HttpRequest, status: Text | None = None):
    qs = appeals_visible_to(request.user)
    if status in AppealStatus.values:
        qs = qs.filter(status=status)
    return [_appeal_out(a) for a in qs.order_by("-pk")[:LIMIT]]


class DecisionIn(Schema):
    upheld: bool
    reason: str = Field(max_length=MAX_COMMENT)
    applies: bool = Field(False, description="upheld, but the item still applies with `points`")
    points: float | None = Field(None, allow_inf_nan=False)


@router.post("/reviews/appeals/{int:appeal_id}/decide", response={200: dict[str, Any], **ERRORS})
def decide_appeal(request: HttpRequest, appeal_id: RowId, payload: DecisionIn):
    """The supervisor of the agent's team upholds or rejects, with a reason."""
    appeal = get_object_or_404(appeals_visible_to(request.user), pk=appeal_id)
    appeal = actions.decide_appeal(
        appeal,
        upheld=payload.upheld,
        reason=payload.reason,
        user=request.user,
        applies=payload.applies,
        points=payload.points,
    )
    return _appeal_out(appeal)


@router.get("/reviews/plans", response={200: list[dict[str, Any]], **ERRORS})
def list_plans(request: HttpRequest):
    if not request.user.has_perm(MANAGE_SAMPLING):
        raise HttpError(403, _("you may not see sampling plans"))
    return [
        {
            "id": p.pk,
            "name": p.name,
            "method": p.method,
            "quota": p.quota,
            "quota_basis": p.quota_basis,
            "period": p.period,
            "strata": p.strata,
            "risk_weights": p.risk_weights,
            "seed": p.seed,
            "active": p.active,
        }
        for p in plans_visible_to(request.user)
    ]


class RunIn(Schema):
    current: bool = Field(
        False, description="the current period so far (default: the last complete one)"
    )
    today: Day | None = Field(None, description="the day the run counts from (default: today)")


@router.post("/reviews/plans/{int:plan_id}/run", response={200: dict[str, Any], **ERRORS})
def run_plan(request: HttpRequest, plan_id: RowId, payload: RunIn):
    if not request.user.has_perm(MANAGE_SAMPLING):
        raise HttpError(403, _("you may not run sampling plans"))
    plan = get_object_or_404(plans_visible_to(request.user), pk=plan_id)
    run = actions.run_plan(plan, user=request.user, current=payload.current, today=payload.today)
    return {
        "run": run.pk,
        "period": [run.period_start, run.period_end],
        "candidates": run.candidates,
        "sampled": run.sampled,
        "assigned": run.assigned,
        "factors": run.factors,
        "reviews": list(run.reviews.values_list("pk", flat=True)),
    }


@router.get("/reviews/calibrations/{int:session_id}", response={200: dict[str, Any], **ERRORS})
def get_session(request: HttpRequest, session_id: RowId):
    """A session: each conversation's scores (only those the caller may see: blind until
    they submit), and the agreement once the caller may see every score."""
    session = get_object_or_404(sessions_visible_to(request.user), pk=session_id)
    items = list(session.items.select_related("conversation", "session__scorecard_version"))
    view = pages.session_scores(session, request.user, items)
    out_items = [
        {
            "id": it.pk,
            "conversation": it.conversation.external_id,
            "agreed_score": it.agreed_score,
            "scores": [
                {"reviewer": s.reviewer.get_username(), "score": s.score, "items": s.items}
                for s in view.shown(it)
            ],
            "hidden": view.count(it) - len(view.shown(it)),
        }
        for it in items
    ]
    agreement = None
    result = view.agreement(pages.item_names(session.scorecard_version.definition, "en"))
    if result is not None:
        agreement = {
            "alpha_total": result["overall"],
            "alpha_total_level": result["overall_level"],
            "alpha_items": result["items_pooled"],
            "alpha_items_level": result["pooled_level"],
            "exact_total": result["exact_overall"],
            "per_item": [
                {"item": i["id"], "alpha": i["alpha"], "exact": i["exact"], "level": i["level"]}
                for i in result["per_item"]
            ],
            "deviations": [d.__dict__ for d in result["deviations"]],
        }
    return {
        "id": session.pk,
        "name": session.name,
        "status": session.status,
        "items": out_items,
        "agreement": agreement,
    }


class CalibrationIn(Schema):
    items: dict[str, ItemIn] = Field(default_factory=dict)
    comment: str = Field("", max_length=MAX_COMMENT)
    agreed: bool = Field(False, description="record the group's agreed score (facilitator)")


@router.post(
    "/reviews/calibrations/{int:session_id}/items/{int:item_id}/score",
    response={200: dict[str, Any], **ERRORS},
)
def score_calibration(
    request: HttpRequest, session_id: RowId, item_id: RowId, payload: CalibrationIn
):
    session = get_object_or_404(sessions_visible_to(request.user), pk=session_id)
    item = get_object_or_404(session.items.all(), pk=item_id)
    values = {k: v.model_dump() for k, v in payload.items.items()}
    if payload.agreed:
        item = actions.record_agreed(item, values, user=request.user, note=payload.comment)
        return {"agreed_score": item.agreed_score, "passed": item.agreed_passed}
    score = actions.submit_calibration(item, values, user=request.user, comment=payload.comment)
    return {"score": score.score, "passed": score.passed}


@router.get("/reviews/report", response={200: dict[str, Any], **ERRORS})
def report(request: HttpRequest, q: Query[PeriodQuery]):
    """The QA efficiency figures by month and by specialist (docs/qa-review.md; default:
    this year so far; at most `KEFU_MAX_PERIOD_DAYS`)."""
    if not request.user.has_perm(VIEW_QA_EFFICIENCY):
        raise HttpError(403, _("you may not see the QA efficiency report"))
    today = timezone.localdate()
    start, end = q.period(date(today.year, 1, 1), today)
    reviews = reviews_visible_to(request.user)
    users = get_user_model().objects.filter(pk__in=reviews.values("reviewer_id"))
    data = pages.report(reviews, start, end, {u.pk: u.get_username() for u in users})
    return {
        "from": start,
        "to": end,
        "total": data["total"],
        "months": data["months"],
        "reviewers": data["reviewers"],
    }
