"""Fixtures of the routing tests: routing on, a rule sending high-sensitivity customers to
the senior tier then the lead tier, alice (A0007, senior) and 张伟 (A0001, lead, sam's
agent record) online, bob (A0102, regular) online; a high-sensitivity customer."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import import_native, native_conversation
from kefu.accounts.models import Agent
from kefu.assignment import selectors
from kefu.assignment.models import AgentProfile, RoutingRule, RoutingSettings
from kefu.customers.models import CustomerRisk
from kefu.interactions.models import Customer
from kefu.workforce.models import AgentPresence


@pytest.fixture
def routing(personas):
    RoutingSettings.objects.create(
        pk=1,
        enabled=True,
        enabled_since=date(2024, 6, 1),
        default_capacity=2,
        overflow_after_s=60,
    )
    RoutingRule.objects.create(
        position=0, name="高敏感", risk_labels=["high"], tiers=["senior", "lead"]
    )
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id)
    selectors.forget()
    yield personas
    selectors.forget()


def agent(external_id: str) -> Agent:
    return Agent.objects.get(external_id=external_id)


def online(external_id: str, state: str = "online") -> None:
    AgentPresence.objects.update_or_create(agent=agent(external_id), defaults={"state": state})


def capacity(external_id: str, seats: int) -> None:
    AgentProfile.objects.update_or_create(agent=agent(external_id), defaults={"capacity": seats})


def high_risk(customer_id: str, agent_id: str = "A0102") -> Customer:
    """A customer the risk index labels high: three complaints with low ratings in the
    last weeks (closed conversations of `agent_id`), imported as history."""
    records = []
    for i, days in enumerate((2, 10, 30)):
        created = timezone.now() - timedelta(days=days)
        records.append(
            native_conversation(
                id=f"{customer_id}-H{i}", agent=agent_id, customer={"id": customer_id},
                created=created, complaint=True, survey={"csat": 1, "nps": 1}, status="closed",
                closed_at=(created + timedelta(hours=1)).isoformat(),
            )
        )  # fmt: skip
    report = import_native(*records)
    assert report.rejected == 0, report.errors
    customer = Customer.objects.get(external_id=customer_id)
    assert CustomerRisk.objects.get(customer=customer).label == "high"
    return customer


def record(cid: str, customer: str, **kw) -> dict:
    now = timezone.now()
    body = {
        "id": cid,
        "channel": "chat",
        "status": "open",
        "customer": {"id": customer},
        "created_at": now.isoformat(),
        "messages": [{"id": "m1", "role": "customer", "at": now.isoformat(), "text": "你好，在吗"}],
    }
    body.update(kw)
    return body


def ingest(user, *records: dict) -> None:
    client = Client()
    client.force_login(user)
    response = client.post("/api/v1/conversations", json.dumps(list(records)), "application/json")
    assert response.status_code in (200, 201), response.content
    body = response.json()
    assert not body.get("errors"), body
