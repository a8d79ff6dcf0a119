from datetime import UTC, datetime, timedelta

import pytest

from kefu.sla import selectors
from kefu.sla.core.business_time import Calendar, parse_hours
from kefu.sla.core.policies import BUSINESS, Policy, choose, over
from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy


def test_the_most_specific_policy_wins():
    chat = Policy(1, 1, "chat", "chat", first_response_s=30)
    vip = Policy(2, 1, "vip", "chat", segment="vip", first_response_s=10)
    vip_refund = Policy(
        3, 1, "vip refund", "chat", segment="vip", category="退款", first_response_s=5
    )
    policies = [vip_refund, vip, chat]
    assert choose(policies, "chat") == chat
    assert choose(policies, "chat", segment="vip") == vip
    assert choose(policies, "chat", segment="vip", category="退款") == vip_refund
    assert choose(policies, "chat", segment="regular", category="退款") == chat
    assert choose(policies, "email") is None


def test_over_is_strict_and_unknown_without_a_value():
    assert over(31, 30) is True
    assert over(30, 30) is False
    assert over(None, 30) is None
    assert over(31, None) is None


def test_a_business_policy_judges_business_time():
    office = Calendar(zone="UTC", weekly={d: parse_hours("09:00-18:00") for d in range(5)})
    policy = Policy(1, 1, "mail", "email", measure=BUSINESS, calendar=office)
    friday_evening = datetime(2024, 3, 1, 17, tzinfo=UTC)
    monday_morning = friday_evening + timedelta(days=2, hours=17)
    assert policy.elapsed(friday_evening, monday_morning) == 2 * 3600


@pytest.mark.django_db
def test_the_seeded_defaults():
    targets = {
        p.channel: (p.first_response_s, p.next_response_s) for p in selectors.active_policies()
    }
    assert targets == {
        "chat": (30.0, 60.0),
        "app": (30.0, 60.0),
        "phone": (20.0, None),
        "email": (86400.0, 86400.0),
    }
    assert Holiday.objects.filter(first__year=2025).count() == 6
    office = selectors.calendar(BusinessCalendar.objects.get(name="工作日 09:00–18:00"))
    assert datetime(2025, 1, 28).date() in office.holidays
    assert datetime(2025, 1, 26).date() in office.workdays
    assert SlaPolicy.objects.filter(active=True).count() == 4
