"""Scoped reads shared by the pages and the API: the customer list's rows and pages, and
what the history card shows. Every read starts from `kefu.accounts.access`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from kefu.accounts import access
from kefu.bulk import where_in
from kefu.customers import refresh
from kefu.customers.choices import TagKind, WinbackGroup
from kefu.customers.core import winback
from kefu.customers.models import (
    CustomerRisk,
    CustomerTag,
    RiskSettings,
    Tag,
    WinbackCampaign,
    WinbackMember,
)
from kefu.interactions.choices import MessageRole
from kefu.interactions.models import Conversation, Customer, Message
from kefu.lib.localtime import configured_tz
from kefu.lib.paging import Cursor, KeysetPage, seek

RECENT = 5  # conversations on the card


def _encode(score: Any, pk: int) -> str:
    return f"{int(score)}_{pk}"


def _decode(raw: str | None) -> tuple[int, int] | None:
    score, sep, pk = (raw or "").partition("_")
    if not sep:
        return None
    try:
        value, key = int(score), int(pk)
    except ValueError:
        return None
    return (value, key) if abs(value) < 10**6 and 0 < key < 2**62 else None


SCORE_CURSOR = Cursor(_encode, _decode)


def risk_rows(user) -> QuerySet[CustomerRisk]:
    """The customer list's rows the user may see (one per scored customer), with the
    customer and their tags."""
    tags = Prefetch(
        "customer__tag_links",
        queryset=CustomerTag.objects.select_related("tag__group").order_by(
            "tag__group__position", "tag__name"
        ),
    )
    return (
        access.restrict(CustomerRisk.objects.all(), user)
        .select_related("customer")
        .prefetch_related(tags)
    )


def score_page(rows: QuerySet, after: str | None, before: str | None, size: int) -> KeysetPage:
    """Highest score first (then customer id), one keyset page."""
    return seek(
        rows,
        field="score",
        key="customer_id",
        after=after,
        before=before,
        size=size,
        cursor=SCORE_CURSOR,
        position=lambda r: (r.score, r.customer_id),
    )


@dataclass
class Card:
    """The history card of one customer as one user may see it."""

    customer: Customer
    risk: CustomerRisk
    stored: bool  # False: not scored yet, computed now (not stored: a read never writes)
    recent: list[Conversation] = field(default_factory=list)  # the user's visible ones
    links: list[CustomerTag] = field(default_factory=list)
    addable: list[Tag] = field(default_factory=list)  # manual tags the user may add
    may_tag: bool = False
    last_complaint_visible: bool = False


def card(user, customer: Customer) -> Card:
    stored = access.restrict(CustomerRisk.objects.all(), user).filter(customer=customer).first()
    is_stored = stored is not None
    if stored is None:
        history = refresh.histories([customer.pk]).get(customer.pk, [])
        stored, _scored = refresh.risk_row(
            customer.pk, history, refresh.default_as_of(), RiskSettings.current().weights()
        )
    visible = access.conversations_visible_to(user).filter(customer=customer)
    recent = list(
        visible.only(
            "external_id", "channel", "created_at", "category1", "category2", "complaint",
            "escalated", "status",
        ).order_by("-created_at", "-pk")[:RECENT]
    )  # fmt: skip
    links = list(
        access.restrict(CustomerTag.objects.all(), user)
        .filter(customer=customer)
        .select_related("tag__group")
        .order_by("tag__group__position", "tag__name")
    )
    may_tag = access.may_tag_customers(user)
    addable: list[Tag] = []
    if may_tag:
        addable = list(
            access.restrict(Tag.objects.all(), user)
            .filter(kind=TagKind.MANUAL)
            .exclude(pk__in=[link.tag_id for link in links])
            .select_related("group")
        )
    complaint = stored.last_complaint_conversation
    return Card(
        customer=customer,
        risk=stored,
        stored=is_stored,
        recent=recent,
        links=links,
        addable=addable,
        may_tag=may_tag,
        last_complaint_visible=bool(complaint and visible.filter(external_id=complaint).exists()),
    )


# --- win-back campaigns ----------------------------------------------------------------------
def campaigns_visible_to(user) -> QuerySet[WinbackCampaign]:
    return access.restrict(WinbackCampaign.objects.all(), user).select_related("created_by")


def members_visible_to(user, campaign: WinbackCampaign) -> QuerySet[WinbackMember]:
    return (
        access.restrict(WinbackMember.objects.all(), user)
        .filter(campaign=campaign)
        .select_related("customer", "agent", "agent__team")
        .order_by("group", "customer__external_id")
    )


@dataclass
class CampaignFigures:
    """A campaign's measured outcome (kefu.customers.core.winback)."""

    start: datetime  # local midnight of the start day
    end: datetime  # start + window
    observed_until: datetime  # min(end, now): the window may still be open
    window_open: bool
    counts: dict[str, dict[str, int]]  # group → {"members", "came_back"}
    comparison: winback.Comparison
    outcomes: dict[str, int]  # the contact group's recorded outcomes ("" = none yet)


def came_back(campaign: WinbackCampaign, until: datetime | None = None) -> set[int]:
    """Members' customer ids with a conversation they started (orders are on
    conversations) created in [start, start + window) — up to `until` if earlier; the
    outreach is not coming back (`core.winback.started_by_customer`, docs/customers.md)."""
    start, end = campaign_window(campaign)
    end = min(end, until) if until is not None else end
    members = WinbackMember.objects.filter(campaign=campaign).values("customer_id")
    rows = list(
        Conversation.objects.filter(
            customer_id__in=members, created_at__gte=start, created_at__lt=end
        ).values_list(
            "pk", "customer_id", "created_at", "channel", "agent_id", "first_customer_at",
            "extra__direction",
        )
    )  # fmt: skip
    texts = [pk for pk, _c, _at, channel, *_rest in rows if channel != winback.PHONE]
    agent_first = set(
        where_in(Message.objects.order_by(), "conversation_id", texts)
        .filter(role=MessageRole.AGENT, at__lt=F("conversation__first_customer_at"))
        .values_list("conversation_id", flat=True)
    )
    tz = configured_tz()
    visits = [
        winback.Visit(
            customer_id=customer_id,
            day=created.astimezone(tz).date(),
            channel=channel,
            agent_id=agent_id,
            customer_wrote=first_customer is not None,
            agent_first=pk in agent_first,
            outbound=str(direction or "").strip().lower() == winback.OUTBOUND,
        )
        for pk, customer_id, created, channel, agent_id, first_customer, direction in rows
    ]
    outreaches = {
        customer_id: winback.Outreach(
            outcome_at.astimezone(tz).date(), frozenset(a for a in (agent, by) if a is not None)
        )
        for customer_id, agent, by, outcome_at in WinbackMember.objects.filter(
            campaign=campaign, group=WinbackGroup.CONTACT, outcome_at__isnull=False
        ).values_list("customer_id", "agent_id", "outcome_by__agent", "outcome_at")
    }
    return winback.came_back(visits, outreaches)


def campaign_window(campaign: WinbackCampaign) -> tuple[datetime, datetime]:
    start = datetime.combine(campaign.starts_on, time.min, tzinfo=configured_tz())
    return start, start + timedelta(days=campaign.window_days)


def campaign_figures(campaign: WinbackCampaign) -> CampaignFigures:
    """Per group: members and how many came back; the comparison; recorded outcomes.
    Department figures of the whole list, whatever part of it the user sees."""
    start, end = campaign_window(campaign)
    now = timezone.now()
    back = came_back(campaign, now)
    counts = {g: {"members": 0, "came_back": 0} for g in WinbackGroup.values}
    outcomes: Counter[str] = Counter()
    rows = WinbackMember.objects.filter(campaign=campaign).values_list(
        "customer_id", "group", "outcome"
    )
    for customer_id, group, outcome in rows:
        counts[group]["members"] += 1
        counts[group]["came_back"] += customer_id in back
        if group == WinbackGroup.CONTACT:
            outcomes[outcome] += 1
    contact, control = counts[WinbackGroup.CONTACT], counts[WinbackGroup.CONTROL]
    comparison = winback.compare(
        contact["came_back"], contact["members"], control["came_back"], control["members"]
    )
    return CampaignFigures(
        start=start,
        end=end,
        observed_until=min(end, now),
        window_open=now < end,
        counts=counts,
        comparison=comparison,
        outcomes=dict(outcomes),
    )
