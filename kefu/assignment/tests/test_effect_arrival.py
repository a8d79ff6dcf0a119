"""The customer's risk at arrival: kept on the routing decision and the queue entry (the
console card shows it), and the effect report grouping each conversation by it — the
decision's label, else the customer's label as of the first day of its month — never by
the customer's current label."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.test import Client

from conftest import SHANGHAI, import_native, native_conversation
from kefu.assignment import selectors
from kefu.assignment.core import effect
from kefu.assignment.models import QueueEntry, RoutingDecision, RoutingSettings
from kefu.assignment.tests.conftest import capacity, high_risk, ingest, online, record
from kefu.customers.models import (
    CustomerRisk,
    CustomerTag,
    RiskSnapshot,
    RiskSnapshotMonth,
    Tag,
    TagGroup,
)
from kefu.interactions.models import Conversation, Customer

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- kept at arrival -----------------------------------------------------------------------
def test_the_decision_keeps_the_customers_label_and_score_at_arrival(routing):
    # given a high-sensitivity customer
    customer = high_risk("U-AR")
    stored = CustomerRisk.objects.get(customer=customer)
    # when their chat is routed
    ingest(routing.mia, record("AR-1", "U-AR"))
    decision = RoutingDecision.objects.get(conversation__external_id="AR-1")
    # then the decision keeps what they were then, whatever they become later
    assert (decision.risk_label, decision.risk_score) == ("high", stored.score)
    CustomerRisk.objects.filter(customer=customer).update(label="low", score=0)
    decision.refresh_from_db()
    assert decision.risk_label == "high"
    # the decisions page and the API show it
    html = client(routing.mia).get("/routing/conversations/AR-1/").content.decode()
    assert 'data-role="arrival-label"' in html and "高敏感" in html
    body = client(routing.mia).get("/api/v1/routing/conversations/AR-1/decisions").json()
    assert body[0]["risk_label"] == "high"


def test_an_unscored_customer_is_kept_as_not_scored(routing):
    # a brand-new customer (no stored risk): "" — known to be unscored, not "not recorded"
    ingest(routing.mia, record("AR-NEW", "U-AR-NEW"))
    decision = RoutingDecision.objects.get(conversation__external_id="AR-NEW")
    assert (decision.risk_label, decision.risk_score) == ("", None)


def test_the_queue_card_shows_the_label_and_tags_at_arrival(routing):
    # given a high-sensitivity customer tagged 高价值, and nobody free in the senior tier
    customer = high_risk("U-AQ")
    group = TagGroup.objects.create(name="价值")
    tag = Tag.objects.create(group=group, name="高价值", kind="manual")
    CustomerTag.objects.create(customer=customer, tag=tag)
    capacity("A0007", 1)
    high_risk("U-AQ0")
    ingest(routing.mia, record("AQ-0", "U-AQ0"))  # alice's only seat
    for external_id in ("A0001", "A0102"):
        online(external_id, "away")
    # when their chat arrives: queued
    ingest(routing.mia, record("AQ-1", "U-AQ"))
    entry = QueueEntry.objects.get(conversation__external_id="AQ-1")
    assert (entry.status, entry.risk_label, entry.tags) == ("waiting", "high", [tag.pk])
    # later the customer is no longer tagged nor high: the card still shows the arrival
    CustomerTag.objects.filter(customer=customer).delete()
    CustomerRisk.objects.filter(customer=customer).update(label="low")
    html = client(routing.sam).get("/routing/console/").content.decode()
    row = html[html.index('data-conversation="AQ-1"') :]
    row = row[: row.index("</tr>")]
    assert 'data-role="arrival-label"' in row and "高敏感" in row
    assert 'data-role="arrival-tag"' in row and "高价值" in row
    state = client(routing.sam).get("/api/v1/routing/state").json()
    (queued,) = [q for q in state["queue"] if q["conversation"] == "AQ-1"]
    assert (queued["risk_label"], queued["tags"]) == ("high", ["高价值"])


# --- the effect report ---------------------------------------------------------------------
def test_a_conversation_is_grouped_by_the_label_at_arrival():
    group = selectors.group_at_arrival
    assert group("high", "normal", True) == (effect.HIGH, selectors.FROM_DECISION)
    assert group("", "high", True) == (effect.OTHERS, selectors.FROM_DECISION)  # unscored
    assert group(None, "high", True) == (effect.HIGH, selectors.FROM_MONTH)
    assert group(None, "low", False) == (effect.OTHERS, selectors.FROM_MONTH)
    assert group(None, None, True) == (effect.OTHERS, selectors.NO_HISTORY)
    assert group(None, None, False) == (effect.UNKNOWN, selectors.NOT_KNOWN)


def _conversation(cid: str, customer: str, day: date, complaint: bool = False) -> dict:
    created = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
    return native_conversation(id=cid, customer={"id": customer}, created=created,
                               complaint=complaint)  # fmt: skip


def _label(customer: str, month: date, label: str) -> None:
    RiskSnapshot.objects.create(
        customer=Customer.objects.get(external_id=customer), month=month, score=0, label=label
    )


@pytest.fixture
def planted(routing):
    """Customers whose current labels are the opposite of their labels at arrival.

    U-A: high at arrival in May and July (current: normal) — a complaint in May, none
    in July. U-B: normal at arrival (current: high) — none in May, a complaint in July.
    U-C: its July conversation's routing decision kept "high" (its month label: normal,
    current: low) — no complaint. U-D: a complaint in April, a month whose labels were
    never computed (unknown: in no rate). Routing on since 15 June (the switch month)."""
    RoutingSettings.objects.filter(pk=1).update(enabled_since=date(2024, 6, 15))
    may, june, july = date(2024, 5, 1), date(2024, 6, 1), date(2024, 7, 1)
    report = import_native(
        _conversation("EA-1", "U-A", date(2024, 5, 10), complaint=True),
        _conversation("EA-2", "U-A", date(2024, 7, 10)),
        _conversation("EB-1", "U-B", date(2024, 5, 12)),
        _conversation("EB-2", "U-B", date(2024, 7, 12), complaint=True),
        _conversation("EC-1", "U-C", date(2024, 7, 20)),
        _conversation("ED-1", "U-D", date(2024, 4, 20), complaint=True),
    )
    assert report.rejected == 0, report.errors
    for month in (may, june, july):
        RiskSnapshotMonth.objects.create(month=month)
        _label("U-A", month, "high")
        _label("U-B", month, "normal")
    _label("U-C", july, "normal")
    RoutingDecision.objects.create(
        conversation=Conversation.objects.get(external_id="EC-1"),
        kind="assigned",
        risk_label="high",
        risk_score=42,
    )
    # the current labels say the opposite
    for customer, label in (("U-A", "normal"), ("U-B", "high"), ("U-C", "low")):
        CustomerRisk.objects.filter(customer__external_id=customer).update(label=label)
    return routing


def test_the_effect_report_uses_the_label_at_arrival_not_the_current_one(planted):
    # when a manager reads the report over April to July
    page = client(planted.mia).get("/routing/effect/?date_from=2024-04-01&date_to=2024-07-31")
    assert page.status_code == 200
    body = (
        client(planted.mia)
        .get("/api/v1/routing/effect?date_from=2024-04-01&date_to=2024-07-31")
        .json()
    )
    # then high before = U-A's May complaint (1/1), high after = U-A's and U-C's July (0/2)
    assert body["before"]["high"] == {
        "conversations": 1, "complaint_rate": 1.0, "escalation_rate": 0.0
    }  # fmt: skip
    assert body["after"]["high"]["conversations"] == 2
    assert body["after"]["high"]["complaint_rate"] == 0.0
    # others before = U-B's May (0/1; U-D's April complaint is in no rate), after 1/1
    assert body["before"]["others"]["complaint_rate"] == 0.0
    assert body["after"]["others"]["complaint_rate"] == 1.0
    # (0 − 1) − (1 − 0) = −2; grouped by the current labels it would be +2
    did = body["did"]["complaint_rate"]
    assert did["value"] == pytest.approx(-2.0)
    assert did["low"] == pytest.approx(-2.0) and did["high"] > -1.0  # nothing lies below −2
    assert body["sources"] == {"decision": 1, "month": 4, "no_history": 0, "unknown": 1}
    april = body["months"][0]
    assert (april["month"], april["unknown"], april["high"]["conversations"]) == (
        "2024-04-01", 1, 0
    )  # fmt: skip
    assert [m["period"] for m in body["months"]] == ["before", "before", "after"]
    # the page shows the same figures
    html = page.content.decode()
    assert "-200.0 pp" in html
    assert 'data-month="2024-06"' not in html  # no conversation in the switch month
    assert 'id="effect-sources"' in html


def test_the_effect_report_is_for_routings_viewers(planted):
    assert client(planted.alice).get("/routing/effect/").status_code == 403
    assert client(planted.alice).get("/api/v1/routing/effect").status_code == 403
    assert client(planted.sam).get("/api/v1/routing/effect").status_code == 200
    assert Client().get("/api/v1/routing/effect").status_code == 401
