"""`frt_over_target_rate`: first responses judged against their channel's SLA policy,
next to the unchanged `frt_over_30s_rate`; each fact names the policy version."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest

from kefu.accounts.access import ALL
from kefu.metrics import facts
from kefu.metrics.core.kpis import Row, compute
from kefu.metrics.models import KpiFact
from kefu.metrics.selectors import Scope, figures
from kefu.sla import actions
from kefu.sla.models import BusinessCalendar, SlaPolicy

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 5, 6, 10, tzinfo=TZ)


def record(channel: str, reply_s: float, created: datetime = NOW, n: list = [0]) -> dict:  # noqa: B006
    n[0] += 1
    reply = created + timedelta(seconds=reply_s)
    return {
        "type": "conversation",
        "id": f"SLA{n[0]}",
        "channel": channel,
        "customer": {"id": f"U{n[0]}"},
        "agent": "A1",
        "created_at": created.isoformat(),
        "status": "open",
        "messages": [
            {"id": "m1", "role": "customer", "at": created.isoformat(), "text": "您好"},
            {"id": "m2", "role": "agent", "agent": "A1", "at": reply.isoformat(), "text": "您好"},
        ],
    }


def test_the_core_falls_back_to_30_s_without_a_policy():
    rows = [
        Row(customer="a", created_at=NOW, first_response_s=40),
        Row(customer="b", created_at=NOW, first_response_s=600, first_response_target_s=86400),
        Row(customer="c", created_at=NOW, first_response_s=25, first_response_target_s=20),
    ]
    out = compute(rows)
    assert out["frt_over_30s_rate"] == pytest.approx(2 / 3)
    assert out["frt_over_target_rate"] == pytest.approx(2 / 3)  # a (fallback) and c


@pytest.mark.django_db
def test_e_mail_is_judged_by_its_own_target(import_records):
    # given a chat answered in 40 s and an e-mail answered in 10 minutes
    import_records(record("chat", 40), record("email", 600), record("chat", 10))
    facts.refresh()
    # then both miss 30 s, only the chat misses its target (chat 30 s, e-mail 24 h)
    out = figures(Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL))
    assert out["frt_over_30s_rate"] == pytest.approx(2 / 3)
    assert out["frt_over_target_rate"] == pytest.approx(1 / 3)
    # and each fact names the policy version that judged it
    judged = dict(KpiFact.objects.values_list("channel", "sla_policy__key").distinct())
    assert judged == {"chat": "chat", "email": "email"}


@pytest.mark.django_db
def test_a_business_time_policy_pauses_outside_office_hours(import_records):
    # given e-mail judged in business time, 2 business hours, office Mon–Fri 09:00–18:00
    office = BusinessCalendar.objects.get(name="工作日 09:00–18:00")
    actions.save_policy(
        "email",
        {
            "name": "邮件",
            "channel": "email",
            "first_response_s": 7200,
            "measure": "business",
            "calendar": office,
        },
    )
    # when a mail of Friday 17:30 is answered on Monday 10:00 (64.5 h later, 1.5 business h)
    # and one of Monday 9:00 at 11:30 (2.5 business h)
    friday = datetime(2024, 5, 17, 17, 30, tzinfo=TZ)  # (Saturday 5-11 was a 调休 workday)
    import_records(
        record("email", (datetime(2024, 5, 20, 10, tzinfo=TZ) - friday).total_seconds(), friday),
        record("email", 2.5 * 3600, datetime(2024, 5, 20, 9, tzinfo=TZ)),
    )
    facts.refresh()
    # then only the second missed its target
    out = figures(Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL))
    assert out["frt_over_target_rate"] == pytest.approx(1 / 2)
    version = SlaPolicy.objects.get(key="email", active=True).pk
    assert set(KpiFact.objects.values_list("sla_policy", flat=True)) == {version}
