"""The customers part of `kefu demo`: every demo customer scored as of the end of the
demo year, and a few tag groups and tags (value, lifecycle, preference) with their rule
tags set. Running it again changes nothing but the computation time."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from kefu.customers import refresh
from kefu.customers.choices import TagKind
from kefu.customers.core import tags as tag_rules
from kefu.customers.models import Tag, TagGroup
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
    return {
        "customers": total,
        "tags_created": tags,
        "labels": dict(counts),
        "share_high": counts["high"] / total if total else 0.0,
    }
