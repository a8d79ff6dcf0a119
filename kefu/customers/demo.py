"""The customers part of `kefu demo`: every demo customer scored as of the end of the
demo year and as of the first day of each month (monthly labels), a few tag groups and
tags (value, lifecycle, preference) with their rule tags set, and one win-back campaign.
Running it again changes nothing but the computation time."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from kefu.customers import actions, refresh
from kefu.customers.choices import TagKind, WinbackGroup, WinbackOutcome
from kefu.customers.core import tags as tag_rules
from kefu.customers.core import winback
from kefu.customers.models import CustomerTag, Tag, TagGroup, WinbackCampaign, WinbackMember
from kefu.interactions.models import Conversation
from kefu.qa import scoring as qa_scoring
from kefu.qa.models import PendingQa

SCORE_ALL_UP_TO = 120_000  # beyond this the risk's negative emotion waits for QA's worker

GROUPS = (
    ("价值", "消费与价值", [
        ("高价值", TagKind.RULE, [{"kind": "spend_at_least", "amount": 1500, "days": 365}],
         "近 12 个月成交金额不低于 1500 元"),
        ("企业客户", TagKind.RULE, [{"kind": "segment", "segment": "enterprise"}], ""),
    ]),
    ("生命周期", "联系频率与流失", [
        ("可能流失", TagKind.RULE, [{"kind": "no_contact_for", "days": 90, "contacts": 2}],
         "联系过至少 2 次，之后 90 天没有联系"),
        ("活跃", TagKind.RULE, [{"kind": "contacts_at_least", "count": 2, "days": 30}],
         "30 天内联系至少 2 次"),
    ]),
    ("服务风险", "事前预警", [
        ("高敏感", TagKind.RULE, [{"kind": "risk_label", "label": "high"}], "风险标签为高"),
        ("近期投诉", TagKind.RULE, [{"kind": "complaints_at_least", "count": 1, "days": 90}],
         "90 天内投诉至少 1 次"),
    ]),
    ("偏好", "坐席手工标注", [
        ("偏好电话回访", TagKind.MANUAL, [], ""),
        ("需要耐心解释", TagKind.MANUAL, [], ""),
        ("VIP 专属坐席", TagKind.MANUAL, [], ""),
    ]),
)  # fmt: skip


@transaction.atomic
def _ensure_tags() -> int:
    created = 0
    for position, (name, description, tags) in enumerate(GROUPS):
        group, _ = TagGroup.objects.get_or_create(
            name=name, defaults={"description": description, "position": position}
        )
        for tag_name, kind, rule, tag_description in tags:
            _, made = Tag.objects.get_or_create(
                group=group,
                name=tag_name,
                defaults={
                    "kind": kind,
                    "rule": tag_rules.check_rule(rule) if rule else [],
                    "description": tag_description,
                },
            )
            created += made
    return created


def seed_demo(seed: int = 42) -> dict[str, Any]:
    """Tags, then every customer's risk (as of the end of the newest contact's day);
    returns the labels' counts and the share labelled high."""
    if not Conversation.objects.exists():
        return {"customers": 0}
    if PendingQa.objects.count() <= SCORE_ALL_UP_TO:
        qa_scoring.score_pending()  # the negative-emotion factor reads automatic QA
    tags = _ensure_tags()
    counts = refresh.refresh_all()
    total = sum(counts.values())
    # every customer's label as of each month's first day (the routing effect report's
    # label at arrival for the year before routing decisions existed): ~7 s on the demo
    months = refresh.snapshot_due()
    refresh.snapshot_months(months)
    campaign = _ensure_campaign(seed)
    return {
        "customers": total,
        "tags_created": tags,
        "labels": dict(counts),
        "share_high": counts["high"] / total if total else 0.0,
        "label_months": len(months),
        "winback_members": campaign.members.count() if campaign else 0,
    }


DEMO_CAMPAIGN = "高价值客户回访（演示）"
CAMPAIGN_DAYS_BEFORE_END = 60  # starts 60 days before the data's end: a closed 30-day window
# The demo's recorded outcomes for the contact group (a share of each, by a hash).
DEMO_OUTCOMES = (
    (0.30, WinbackOutcome.REACHED),
    (0.55, WinbackOutcome.NOT_REACHED),
    (0.65, WinbackOutcome.DECLINED),
    (0.75, WinbackOutcome.WON_BACK),
)


@transaction.atomic
def _ensure_campaign(seed: int) -> WinbackCampaign | None:
    """One campaign over the customers tagged 高价值, started 60 days before the newest
    conversation (so its 30-day window is over), with outcomes recorded for three in four
    contact members. The demo's customers got no real outreach: both groups come back
    alike, and the page says the lift is not distinguishable."""
    existing = WinbackCampaign.objects.filter(name=DEMO_CAMPAIGN).first()
    if existing is not None:
        return existing
    tag = Tag.objects.filter(group__name="价值", name="高价值").select_related("group").first()
    last = Conversation.objects.order_by("-created_at").values_list("created_at", flat=True).first()
    if tag is None or last is None:
        return None
    customer_ids = list(CustomerTag.objects.filter(tag=tag).values_list("customer_id", flat=True))
    campaign = actions.build_campaign(
        name=DEMO_CAMPAIGN,
        description="近 12 个月成交金额不低于 1500 元的客户，电话回访（演示数据：未真实外呼）",
        tags=[tag],
        customer_ids=customer_ids,
        starts_on=timezone.localtime(last).date() - timedelta(days=CAMPAIGN_DAYS_BEFORE_END),
        window_days=winback.DEFAULT_WINDOW_DAYS,
        control_share=winback.DEFAULT_CONTROL_SHARE,
    )
    recorded = []
    at = timezone.localtime(last) - timedelta(days=CAMPAIGN_DAYS_BEFORE_END - 3)
    for member in campaign.members.filter(group=WinbackGroup.CONTACT):
        point = winback.split_point(seed, -member.customer_id)  # another hash than the split
        outcome = next((o for bound, o in DEMO_OUTCOMES if point < bound), None)
        if outcome is not None:
            member.outcome, member.outcome_at = outcome, at
            recorded.append(member)
    WinbackMember.objects.bulk_update(recorded, ["outcome", "outcome_at"], batch_size=1000)
    return campaign
