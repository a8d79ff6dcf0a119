"""Routing on the live path: conversations ingested over the API are given an agent by
the rules, queued when nobody is free, overflowed by the tick, drained when capacity is
freed or an agent comes online; the routed agent survives appends and re-sends; a
supervisor reassigns."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kefu.assignment import actions, selectors
from kefu.assignment.models import (
    AgentLoad,
    Assignment,
    QueueEntry,
    RoutingDecision,
    RoutingSettings,
)
from kefu.assignment.tests.conftest import agent, capacity, high_risk, ingest, online, record
from kefu.audit.models import AuditLog
from kefu.interactions.models import Conversation
from kefu.monitoring.models import LiveState

pytestmark = pytest.mark.django_db


def owner(cid: str) -> str | None:
    conversation = Conversation.objects.select_related("agent").get(external_id=cid)
    return conversation.agent.external_id if conversation.agent else None


def load(external_id: str) -> int:
    row = AgentLoad.objects.filter(agent=agent(external_id)).first()
    return row.active if row else 0


def test_it_routes_a_high_sensitivity_customer_to_the_senior_agent(routing):
    # given a high-sensitivity customer
    high_risk("U-HIGH")
    # when their chat arrives through the ingest API
    ingest(routing.mia, record("R-HIGH", "U-HIGH"))
    # then alice (the online senior) has it, on the console too, with the reasons
    assert owner("R-HIGH") == "A0007"
    conversation = Conversation.objects.get(external_id="R-HIGH")
    assert conversation.team.name == "售后一组"
    assert LiveState.objects.get(pk=conversation.pk).agent.external_id == "A0007"
    decision = RoutingDecision.objects.get(conversation=conversation)
    assert decision.kind == "assigned"
    assert decision.target == "senior"
    assert decision.reasons[0]["code"] == "rule"
    assert decision.reasons[0]["params"]["risk_label"] == "high"
    assert load("A0007") == 1


def test_a_normal_customer_goes_to_the_least_loaded_agent(routing):
    capacity("A0007", 4)
    AgentLoad.objects.create(agent=agent("A0007"), active=1)  # 1/4
    AgentLoad.objects.create(agent=agent("A0001"), active=1)  # 1/2
    ingest(routing.mia, record("R-N", "U-N"))
    assert owner("R-N") == "A0102"  # 0/2
    ingest(routing.mia, record("R-N2", "U-N2"))
    assert owner("R-N2") == "A0007"  # 1/4 < 1/2 (bob now 1/2 too)


def test_it_leaves_conversations_that_name_an_agent_and_everything_when_off(routing):
    ingest(routing.mia, record("R-OWN", "U-OWN", agent="A0102"))
    assert owner("R-OWN") == "A0102"
    assert not RoutingDecision.objects.exists()
    RoutingSettings.objects.filter(pk=1).update(enabled=False)
    selectors.forget()
    ingest(routing.mia, record("R-OFF", "U-OFF"))
    assert owner("R-OFF") is None
    assert not RoutingDecision.objects.exists()


def test_offline_agents_take_nothing(routing):
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id, "away")
    ingest(routing.mia, record("R-Q", "U-Q"))
    assert owner("R-Q") is None
    entry = QueueEntry.objects.get(conversation__external_id="R-Q")
    assert (entry.status, entry.target) == ("waiting", "any")
    decision = RoutingDecision.objects.get(conversation__external_id="R-Q")
    assert decision.kind == "queued"
    assert {"code": "excluded_offline", "params": {"count": 0}} not in decision.reasons


def test_it_queues_when_the_tier_is_full_and_overflows_on_the_tick(routing):
    # given alice, the only senior, full
    capacity("A0007", 1)
    high_risk("U-H1")
    high_risk("U-H2")
    ingest(routing.mia, record("R-H1", "U-H1"))
    assert owner("R-H1") == "A0007"
    # when a second high-sensitivity chat arrives: queued for the senior tier
    ingest(routing.mia, record("R-H2", "U-H2"))
    entry = QueueEntry.objects.get(conversation__external_id="R-H2")
    assert (entry.status, entry.target, entry.step) == ("waiting", "senior", 0)
    assert entry.next_overflow_at == entry.arrived_at + timedelta(seconds=60)
    # the tick before the delay changes nothing
    assert actions.tick(now=entry.arrived_at + timedelta(seconds=59))["overflowed"] == 0
    assert owner("R-H2") is None
    # after it, the lead tier takes it
    result = actions.tick(now=entry.arrived_at + timedelta(seconds=61))
    assert result["overflowed"] == 1
    assert owner("R-H2") == "A0001"
    entry.refresh_from_db()
    assert entry.status == "assigned"
    last = RoutingDecision.objects.filter(conversation__external_id="R-H2").first()
    assert (last.kind, last.target) == ("overflowed", "lead")
    assert [r["code"] for r in last.reasons][:2] == ["rule", "overflow"]


def test_a_closed_conversation_frees_the_seat_and_the_queue_drains(routing):
    capacity("A0007", 1)
    online("A0001", "away")
    high_risk("U-C1")
    high_risk("U-C2")
    ingest(routing.mia, record("R-C1", "U-C1"), record("R-C2", "U-C2"))
    assert owner("R-C1") == "A0007"
    assert owner("R-C2") is None
    # when R-C1 is closed by its source
    closed = record("R-C1", "U-C1", status="closed")
    closed["closed_at"] = timezone.now().isoformat()
    ingest(routing.mia, closed)
    # then alice's seat goes to the waiting R-C2
    assert owner("R-C2") == "A0007"
    assert load("A0007") == 1
    assert not Assignment.objects.filter(conversation__external_id="R-C1").exists()
    assert QueueEntry.objects.get(conversation__external_id="R-C2").status == "assigned"


def test_an_agent_coming_online_drains_the_queue(routing, django_capture_on_commit_callbacks):
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id, "offline")
    ingest(routing.mia, record("R-W", "U-W"))
    assert owner("R-W") is None
    with django_capture_on_commit_callbacks(execute=True):
        online("A0102")
    assert owner("R-W") == "A0102"


def test_the_customers_last_agent_is_preferred(routing):
    # given U-L's previous conversation was bob's, and bob is busier than alice
    ingest(routing.mia, record("R-L0", "U-L", agent="A0102", status="closed"))
    AgentLoad.objects.create(agent=agent("A0102"), active=1)
    # when U-L comes back
    ingest(routing.mia, record("R-L1", "U-L"))
    # then bob has them again
    assert owner("R-L1") == "A0102"
    decision = RoutingDecision.objects.get(conversation__external_id="R-L1")
    assert {"code": "last_agent", "params": {"agent": agent("A0102").pk}} in decision.reasons


def test_an_append_and_a_resend_keep_the_routed_agent(routing):
    ingest(routing.mia, record("R-K", "U-K"))
    routed = owner("R-K")
    assert routed is not None
    # a message appended over the API
    client = Client()
    client.force_login(routing.mia)
    message = {"role": "customer", "at": timezone.now().isoformat(), "text": "还在吗"}
    response = client.post(
        "/api/v1/conversations/R-K/messages", json.dumps(message), "application/json"
    )
    assert response.status_code in (200, 201), response.content
    assert owner("R-K") == routed
    # the source re-sends the conversation without an agent
    again = record("R-K", "U-K")
    again["messages"].append(
        {"id": "m9", "role": "customer", "at": timezone.now().isoformat(), "text": "人呢"}
    )
    ingest(routing.mia, again)
    assert owner("R-K") == routed
    assert RoutingDecision.objects.filter(conversation__external_id="R-K").count() == 1
    assert load(routed) == 1


def test_a_supervisor_reassigns_within_their_team_audited(routing):
    high_risk("U-R")
    ingest(routing.mia, record("R-R", "U-R"))
    assert owner("R-R") == "A0007"
    # sam gives it to A0001 (his team)
    decision = actions.reassign(routing.sam, "R-R", "A0001", "客户要求")
    assert owner("R-R") == "A0001"
    assert decision.kind == "reassigned"
    assert decision.by == routing.sam
    assert decision.reasons[0]["params"]["note"] == "客户要求"
    assert (load("A0007"), load("A0001")) == (0, 1)
    log = AuditLog.objects.get(object_type="assignment.reassign")
    assert log.detail["to"] == "A0001"
    # bob's agent is outside sam's teams: refused
    from kefu.lib.errors import Invalid, NotAllowed, NotFound

    with pytest.raises(Invalid):
        actions.reassign(routing.sam, "R-R", "A0102")
    # an agent may not reassign
    with pytest.raises(NotAllowed):
        actions.reassign(routing.alice, "R-R", "A0007")
    # a conversation outside sam's teams is not found
    ingest(routing.mia, record("R-BOB", "U-BOB", agent="A0102"))
    with pytest.raises(NotFound):
        actions.reassign(routing.sam, "R-BOB", "A0001")


def test_a_reassignment_above_capacity_says_so(routing):
    capacity("A0001", 1)
    AgentLoad.objects.create(agent=agent("A0001"), active=1)
    high_risk("U-O")
    ingest(routing.mia, record("R-O", "U-O"))
    decision = actions.reassign(routing.mia, "R-O", "A0001")
    assert [r["code"] for r in decision.reasons] == ["manual", "over_capacity"]
    assert load("A0001") == 2
