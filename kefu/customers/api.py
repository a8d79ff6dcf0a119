"""REST API v1 of the customers domain (mounted under /api/v1/ by kefu/api.py, before the
interactions router so that `/customers/{id}/risk` and `/customers/{id}/tags` are not read
as customer ids): risk, the customer list by risk and tags, tags and their assignment,
win-back campaigns (figures per group, lift, members, outcomes).

Every read starts from `kefu.accounts.access`; a customer outside the caller's scope is
404. The reasons' values and the score are masked (null) unless the caller may see
personal data; unmasked reads are audited. Writes go through `kefu.customers.actions`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError

from kefu.accounts import access
from kefu.customers import actions, selectors
from kefu.customers.choices import RiskLabel, WinbackGroup, WinbackOutcome
from kefu.customers.core import winback
from kefu.customers.filtersets import CustomerFilterSet
from kefu.customers.models import CustomerTag, Tag, TagGroup, WinbackCampaign, WinbackMember
from kefu.customers.presenters import reason_lines
from kefu.lib.localtime import configured_tz
from kefu.lib.schemas import Day, ErrorOut, ErrorsOut, RowId, Text

router = Router(tags=["customers"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorsOut | ErrorOut}
MAX_LIMIT = 500

LabelName = Literal[tuple(RiskLabel.values)]  # type: ignore[valid-type]


class TagRef(Schema):
    id: int
    group: str
    name: str
    kind: Literal["manual", "rule"]


class ReasonOut(Schema):
    code: str = Field(description="the factor (docs/customers.md)")
    text: str = Field(description="the reason in the request's language; values masked: *")
    points: int | None = Field(description="null when masked")
    values: dict[str, Any] | None = Field(description="the customer's values; null when masked")
    settings: dict[str, Any] = Field(description="the window and threshold it was measured with")


class RiskOut(Schema):
    customer: str
    label: LabelName
    score: int | None = Field(description="null when masked")
    masked: bool
    stored: bool = Field(description="false: not scored yet, computed for this answer")
    as_of: datetime
    computed_at: datetime
    reasons: list[ReasonOut]
    contacts: int
    last_contact_at: datetime | None
    preferred_channel: str
    preferred_hour: int | None
    last_complaint_at: datetime | None
    last_complaint_category: list[str]
    tags: list[TagRef]


def _tag_ref(tag: Tag) -> dict[str, Any]:
    return {"id": tag.pk, "group": tag.group.name, "name": tag.name, "kind": tag.kind}


def _local(value: datetime | None) -> datetime | None:
    return value.astimezone(configured_tz()) if value is not None else None


@router.get("/customers/{path:customer_id}/risk", response={200: RiskOut, **ERRORS})
def get_risk(request: HttpRequest, customer_id: Text) -> dict[str, Any]:
    """The customer's risk label, score and reasons (each a code, a sentence, its points,
    the customer's values and the settings), the history card's profile and tags."""
    customer = get_object_or_404(access.customers_visible_to(request.user), external_id=customer_id)
    card = selectors.card(request.user, customer)
    risk = card.risk
    unmasked = access.can_view_personal_data(request.user)
    actions.record_reasons_viewed(request, customer, risk.reasons)
    lines = reason_lines(risk.reasons, unmasked)
    reasons = [
        {
            "code": stored["code"],
            "text": line["text"],
            "points": line["points"],
            "values": stored.get("values") if unmasked else None,
            "settings": stored.get("settings") or {},
        }
        for stored, line in zip(risk.reasons, lines, strict=True)
    ]
    return {
        "customer": customer.external_id,
        "label": risk.label,
        "score": risk.score if unmasked else None,
        "masked": not unmasked,
        "stored": card.stored,
        "as_of": _local(risk.as_of),
        "computed_at": _local(risk.computed_at),
        "reasons": reasons,
        "contacts": risk.contacts,
        "last_contact_at": _local(risk.last_contact_at),
        "preferred_channel": risk.preferred_channel,
        "preferred_hour": risk.preferred_hour,
        "last_complaint_at": _local(risk.last_complaint_at),
        "last_complaint_category": list(risk.last_complaint_category or []),
        "tags": [_tag_ref(link.tag) for link in card.links],
    }


# --- the customer list --------------------------------------------------------------------
class CustomerQuery(Schema):
    """Mirrors `kefu.customers.filtersets.CustomerFilterSet`, plus paging."""

    label: LabelName | None = None
    tag: list[RowId] | None = Field(None, description="tag ids: customers carrying all of them")
    segment: Text | None = None
    customer: Text | None = Field(None, description="a customer id")
    after: Text | None = Field(None, description="page: the `next` of the previous answer")
    limit: int = Field(100, ge=1, le=MAX_LIMIT)

    PAGING: ClassVar[frozenset[str]] = frozenset({"after", "limit"})


class CustomerRow(Schema):
    id: str
    segment: str
    label: LabelName
    score: int | None = Field(description="null when masked")
    contacts: int
    last_contact_at: datetime | None
    tags: list[TagRef]


class CustomerPage(Schema):
    items: list[CustomerRow]
    next: str | None = Field(description="pass as `after` for the next page; null at the end")


@router.get("/customers", response={200: CustomerPage, **ERRORS})
def list_customers(request: HttpRequest, q: Query[CustomerQuery]) -> dict[str, Any]:
    """Customers the caller sees, highest risk first, filtered by label, tags (all of
    them: "high value" + "likely to churn"), segment or id."""
    data = q.model_dump(exclude_none=True, exclude=set(q.PAGING))
    filterset = CustomerFilterSet(data, selectors.risk_rows(request.user), user=request.user)
    if filterset.errors:
        if set(filterset.errors) == {"tag"}:  # a tag the caller cannot see: nothing matches
            return {"items": [], "next": None}
        raise ValidationError(
            [{"loc": ["query", name], "msg": "; ".join(m), "type": "value_error"}
             for name, m in filterset.errors.items()]
        )  # fmt: skip
    page = selectors.score_page(filterset.qs, q.after, None, q.limit)
    unmasked = access.can_view_personal_data(request.user)
    return {
        "items": [
            {
                "id": row.customer.external_id,
                "segment": row.customer.segment,
                "label": row.label,
                "score": row.score if unmasked else None,
                "contacts": row.contacts,
                "last_contact_at": _local(row.last_contact_at),
                "tags": [_tag_ref(link.tag) for link in row.customer.tag_links.all()],
            }
            for row in page.items
        ],
        "next": page.next_cursor,
    }


# --- tags --------------------------------------------------------------------------------
class TagOut(TagRef):
    rule: list[dict[str, Any]]
    description: str


class TagIn(Schema):
    group: Text = Field(description="the group's name (created if new)")
    name: Text
    kind: Literal["manual", "rule"] = "manual"
    rule: list[dict[str, Any]] = Field(
        default_factory=list, description="conditions (docs/customers.md), all must hold"
    )
    description: Text = Field("", max_length=200)


def _tag_out(tag: Tag) -> dict[str, Any]:
    return _tag_ref(tag) | {"rule": tag.rule or [], "description": tag.description}


@router.get("/customer-tags", response={200: list[TagOut], **ERRORS})
def list_tags(request: HttpRequest) -> list[dict[str, Any]]:
    """Every tag, by group."""
    tags = access.restrict(Tag.objects.select_related("group"), request.user)
    return [_tag_out(t) for t in tags]


@router.post("/customer-tags", response={201: TagOut, **ERRORS})
def create_tag(request: HttpRequest, payload: TagIn) -> Status:
    """A manual or rule tag (managers of the risk index)."""
    group = TagGroup.objects.filter(name=payload.group.strip()).first() or actions.create_group(
        payload.group, user=request.user
    )
    tag = actions.create_tag(
        group, payload.name, payload.kind, payload.rule, payload.description, user=request.user
    )
    return Status(201, _tag_out(tag))


class AssignIn(Schema):
    tag: RowId = Field(description="a manual tag's id")


@router.post("/customers/{path:customer_id}/tags", response={200: TagRef, 201: TagRef, **ERRORS})
def assign_tag(request: HttpRequest, customer_id: Text, payload: AssignIn) -> Status:
    """Put a manual tag on a customer the caller sees (201; 200 if it was there)."""
    before = CustomerTag.objects.filter(
        customer__external_id=customer_id, tag_id=payload.tag
    ).exists()
    link = actions.add_tag(request.user, customer_id, payload.tag)
    return Status(200 if before else 201, _tag_ref(link.tag))


@router.delete("/customers/{path:customer_id}/tags/{tag_id}", response={204: None, **ERRORS})
def remove_tag(request: HttpRequest, customer_id: Text, tag_id: RowId) -> Status:
    """Take a manual tag off a customer the caller sees."""
    actions.remove_tag(request.user, customer_id, tag_id)
    return Status(204, None)


# --- win-back campaigns ----------------------------------------------------------------------
GroupName = Literal[tuple(WinbackGroup.values)]  # type: ignore[valid-type]
OutcomeName = Literal[tuple(WinbackOutcome.values)]  # type: ignore[valid-type]
VERDICTS = (
    winback.NO_CONTROL, winback.NO_CONTACT, winback.TOO_FEW, winback.NOT_DISTINGUISHABLE,
    winback.HIGHER, winback.LOWER,
)  # fmt: skip


class CampaignOut(Schema):
    id: int
    name: str
    description: str
    tags: list[dict[str, Any]] = Field(description="the tag filter when it was created")
    starts_on: date
    window_days: int
    control_share: float


class RateOut(Schema):
    members: int
    came_back: int
    rate: float | None
    low: float | None = Field(description="95 % Wilson interval")
    high: float | None


class LiftOut(Schema):
    difference: float | None = Field(description="contact rate − control rate")
    low: float | None = Field(description="95 % interval (Newcombe)")
    high: float | None
    relative: float | None = Field(description="contact ÷ control − 1; null if control is 0")
    verdict: Literal[tuple(VERDICTS)] = Field(  # type: ignore[valid-type]
        description="`not_distinguishable` whenever the interval holds 0; `too_few` when a "
        "group has fewer than 10 members; `higher` / `lower` when it lies above / below 0"
    )
    small_control: bool


class MemberOut(Schema):
    id: int
    customer: str
    group: GroupName
    agent: str | None
    outcome: OutcomeName
    note: str
    outcome_at: datetime | None


class CampaignDetailOut(CampaignOut):
    window_open: bool = Field(description="the window has not ended yet: figures so far")
    contact: RateOut
    control: RateOut
    lift: LiftOut
    outcomes: dict[str, int] = Field(description="recorded outcomes of the contact group")
    members: list[MemberOut] = Field(description="the members the caller sees")


class CampaignIn(Schema):
    name: Text
    description: Text = Field("", max_length=300)
    tags: list[RowId] = Field(description="tag ids: customers carrying all of them")
    starts_on: Day
    window_days: int | None = Field(None, ge=1, le=365, description="default: the setting (30)")
    control_share: float | None = Field(
        None, ge=0, le=0.5, description="default: the setting (0.10)"
    )


class OutcomeIn(Schema):
    outcome: OutcomeName
    note: Text = Field("", max_length=500)


def _campaign_out(c: WinbackCampaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "description": c.description,
        "tags": c.criteria,
        "starts_on": c.starts_on,
        "window_days": c.window_days,
        "control_share": c.control_share,
    }


def _rate(counts: dict[str, int], estimate: Any) -> dict[str, Any]:
    return counts | {"rate": estimate.value, "low": estimate.low, "high": estimate.high}


@router.get("/winback", response={200: list[CampaignOut], **ERRORS})
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    """Win-back campaigns the caller sees (managers of the risk index: all; others: those
    holding a member assigned to them or their teams)."""
    return [_campaign_out(c) for c in selectors.campaigns_visible_to(request.user)]


@router.post("/winback", response={201: CampaignDetailOut, **ERRORS})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    """A campaign from a tag filter, split into contact and control (managers)."""
    campaign = actions.create_campaign(
        user=request.user,
        name=payload.name,
        description=payload.description,
        tag_ids=payload.tags,
        starts_on=payload.starts_on,
        window_days=payload.window_days,
        control_share=payload.control_share,
    )
    return Status(201, _campaign_detail(request, campaign))


def _member_out(m: WinbackMember) -> dict[str, Any]:
    return {
        "id": m.pk,
        "customer": m.customer.external_id,
        "group": m.group,
        "agent": m.agent.external_id if m.agent else None,
        "outcome": m.outcome,
        "note": m.note,
        "outcome_at": _local(m.outcome_at),
    }


def _campaign_detail(request: HttpRequest, campaign: WinbackCampaign) -> dict[str, Any]:
    figures = selectors.campaign_figures(campaign)
    c = figures.comparison
    members = [_member_out(m) for m in selectors.members_visible_to(request.user, campaign)]
    return _campaign_out(campaign) | {
        "window_open": figures.window_open,
        "contact": _rate(figures.counts[WinbackGroup.CONTACT], c.contact),
        "control": _rate(figures.counts[WinbackGroup.CONTROL], c.control),
        "lift": {
            "difference": c.difference.value,
            "low": c.difference.low,
            "high": c.difference.high,
            "relative": c.relative,
            "verdict": c.verdict,
            "small_control": c.small_control,
        },
        "outcomes": figures.outcomes,
        "members": members,
    }


@router.get("/winback/{campaign_id}", response={200: CampaignDetailOut, **ERRORS})
def get_campaign(request: HttpRequest, campaign_id: RowId) -> dict[str, Any]:
    """Come-back rate per group with its interval, the lift, and the members one sees."""
    campaign = get_object_or_404(selectors.campaigns_visible_to(request.user), pk=campaign_id)
    return _campaign_detail(request, campaign)


@router.put("/winback/members/{member_id}/outcome", response={200: MemberOut, **ERRORS})
def put_outcome(request: HttpRequest, member_id: RowId, payload: OutcomeIn) -> dict[str, Any]:
    """Record the outcome of contacting a member of the contact group (409 for a control
    member)."""
    return _member_out(
        actions.record_outcome(request.user, member_id, payload.outcome, payload.note)
    )
