"""The routing part of `kefu demo`: routing switched on at the date the demo generator
switched it on (so the effect report compares the months before and after), and two
rules — high-sensitivity customers and high-value customers go to senior agents first,
then experts and team leads. Written through the actions as the demo manager; running it
again changes nothing."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model

from kefu.assignment import actions
from kefu.assignment.models import RoutingRule, RoutingSettings
from kefu.customers.models import Tag

RULES = (
    {
        "name": "高敏感客户优先资深坐席",
        "risk_labels": ["high"],
        "tiers": ["senior", "expert", "lead"],
    },
    {"name": "高价值客户优先资深坐席", "tag": "高价值", "tiers": ["senior", "lead"]},
)


def seed_demo(since: date, manager_username: str = "manager") -> dict[str, Any]:
    """Routing on since `since`, with the demo's rules (created once, by name)."""
    manager = get_user_model().objects.filter(username=manager_username).first()
    if manager is None:
        return {"rules": 0}
    current = RoutingSettings.current()
    if not (current.enabled and current.enabled_since == since):
        actions.save_settings({"enabled": True, "enabled_since": since}, user=manager)
    created = 0
    for rule in RULES:
        if RoutingRule.objects.filter(name=rule["name"]).exists():
            continue
        data = {k: v for k, v in rule.items() if k != "tag"}
        if "tag" in rule:
            tag = Tag.objects.filter(name=rule["tag"]).first()
            if tag is None:
                continue
            data["tags"] = [tag.pk]
        actions.save_rule(data, user=manager)
        created += 1
    return {"rules": created, "since": since.isoformat()}
