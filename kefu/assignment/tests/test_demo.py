"""The routing part of `kefu demo`: switched on at the generator's date, with its two
rules, written through the audited actions; a second run changes nothing."""

from __future__ import annotations

from datetime import date

from kefu.assignment.demo import seed_demo
from kefu.assignment.models import RoutingRule, RoutingSettings
from kefu.audit.models import AuditLog
from kefu.customers.models import Tag, TagGroup


def test_the_demo_switches_routing_on_at_the_date_with_its_rules(personas):
    high_value = Tag.objects.create(
        group=TagGroup.objects.create(name="价值"), name="高价值", kind="manual"
    )
    assert seed_demo(date(2024, 9, 1), manager_username="mia")["rules"] == 2
    settings = RoutingSettings.current()
    assert settings.enabled and settings.enabled_since == date(2024, 9, 1)
    rules = list(RoutingRule.objects.order_by("position"))
    assert [r.risk_labels for r in rules] == [["high"], []]
    assert rules[0].tiers[0] == "senior" and list(rules[1].tags.all()) == [high_value]
    events = AuditLog.objects.count()
    assert seed_demo(date(2024, 9, 1), manager_username="mia")["rules"] == 0
    assert AuditLog.objects.count() == events  # nothing written again


def test_without_the_manager_nothing_is_switched_on(db):
    assert seed_demo(date(2024, 9, 1), manager_username="nobody") == {"rules": 0}
    assert not RoutingSettings.current().enabled
