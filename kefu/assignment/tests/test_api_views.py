"""Routing's API and pages with the right and the wrong role: the state (queues, loads)
by scope, a conversation's decisions (agents their own), reassigning, settings and rules
for routing managers, the console fragment and the effect report."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone

from kefu.assignment.models import RoutingRule, RoutingSettings
from kefu.assignment.tests.conftest import high_risk, ingest, online, record
from kefu.audit.models import AuditLog

pytestmark = pytest.mark.django_db


def client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_the_state_shows_the_queue_and_loads_to_supervisors_not_agents(routing):
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id, "away")
    ingest(routing.mia, record("Q-1", "U-Q1"))
    online("A0007")
    # sam sees the department's queue and his team's agents
    body = client(routing.sam).get("/api/v1/routing/state").json()
    assert [q["conversation"] for q in body["queue"]] == ["Q-1"]
    assert body["queue"][0]["waiting_for"] == "any"
    assert body["queue"][0]["waited_s"] >= 0
    assert [a["agent"] for a in body["loads"]] == ["A0007"]
    assert body["loads"][0] == {
        "agent": "A0007", "name": "李娜", "team": "售后一组", "tier": "senior",
        "presence": "online", "active": 0, "capacity": 2,
    }  # fmt: skip
    # alice (an agent) may not
    assert client(routing.alice).get("/api/v1/routing/state").status_code == 403


def test_an_agent_sees_only_the_decisions_that_gave_her_a_conversation(routing):
    high_risk("U-D")
    ingest(routing.mia, record("D-1", "U-D"))
    mine = client(routing.alice).get("/api/v1/routing/conversations/D-1/decisions")
    assert mine.status_code == 200
    (decision,) = mine.json()
    assert decision["agent"] == "A0007"
    assert decision["kind"] == "assigned"
    assert decision["reasons"][0]["code"] == "rule"
    assert decision["reasons"][0]["text"].startswith("规则“高敏感”")  # Chinese first
    # after a reassignment to A0001 she no longer sees the new decision
    response = client(routing.sam).post(
        "/api/v1/routing/conversations/D-1/reassign",
        json.dumps({"agent": "A0001", "note": "换人"}),
        "application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["kind"] == "reassigned"
    kinds = [d["kind"] for d in client(routing.mia).get(
        "/api/v1/routing/conversations/D-1/decisions").json()]  # fmt: skip
    assert kinds == ["reassigned", "assigned"]
    # alice no longer sees the conversation at all (it is A0001's now)
    assert (
        client(routing.alice).get("/api/v1/routing/conversations/D-1/decisions").status_code == 404
    )
    # bob never did
    assert client(routing.bob).get("/api/v1/routing/conversations/D-1/decisions").status_code == 404


def test_managers_change_the_settings_audited_and_others_may_not(routing):
    response = client(routing.mia).put(
        "/api/v1/routing/settings",
        json.dumps({"strategy": "round_robin", "overflow_after_s": 30}),
        "application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["strategy"] == "round_robin"
    row = RoutingSettings.current()
    assert (row.strategy, row.overflow_after_s) == ("round_robin", 30)
    assert AuditLog.objects.filter(object_type="assignment.routing_settings").exists()
    refused = client(routing.sam).put(
        "/api/v1/routing/settings", json.dumps({"enabled": False}), "application/json"
    )
    assert refused.status_code == 403
    assert RoutingSettings.current().enabled


def test_switching_routing_on_dates_it(routing):
    RoutingSettings.objects.filter(pk=1).update(enabled=False, enabled_since=None)
    client(routing.mia).put(
        "/api/v1/routing/settings", json.dumps({"enabled": True}), "application/json"
    )
    assert RoutingSettings.current().enabled_since == timezone.localdate()


def test_rules_are_validated_and_kept_in_order(routing):
    c = client(routing.mia)
    bad = c.post("/api/v1/routing/rules", json.dumps({"name": "空"}), "application/json")
    assert bad.status_code == 422  # no target
    unknown = c.post(
        "/api/v1/routing/rules",
        json.dumps({"name": "专席", "agents": ["A9999"]}),
        "application/json",
    )
    assert unknown.status_code == 422
    ok = c.post(
        "/api/v1/routing/rules",
        json.dumps({"name": "专席", "agents": ["A0001"], "tiers": ["expert"], "position": 0}),
        "application/json",
    )
    assert ok.status_code == 201, ok.content
    names = [r["name"] for r in c.get("/api/v1/routing/rules").json()]
    assert names[0] == "专席"
    rule_id = ok.json()["id"]
    assert c.delete(f"/api/v1/routing/rules/{rule_id}").status_code == 204
    assert not RoutingRule.objects.filter(pk=rule_id).exists()
    assert (
        client(routing.sam)
        .post("/api/v1/routing/rules", json.dumps({"name": "x", "tiers": ["lead"]}),
              "application/json").status_code
        == 403
    )  # fmt: skip


def test_the_console_fragment_and_the_reassign_form(routing):
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id, "away")
    ingest(routing.mia, record("Q-2", "U-Q2"))
    online("A0001")
    page = client(routing.sam).get("/routing/console/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-conversation="Q-2"' in html
    assert "排队" in html or "等待" in html
    assert client(routing.alice).get("/routing/console/").status_code == 403
    # the console page loads the fragment by URL
    console = client(routing.sam).get("/live/").content.decode()
    assert 'hx-get="/routing/console/"' in console
    # sam assigns the waiting conversation from the fragment
    done = client(routing.sam).post(
        "/routing/conversations/Q-2/reassign/", {"agent": "A0001"}, HTTP_HX_REQUEST="true"
    )
    assert done.status_code == 200
    assert 'data-conversation="Q-2"' not in done.content.decode()


def test_the_decisions_page_renders_the_reasons_in_chinese(routing):
    high_risk("U-P")
    ingest(routing.mia, record("P-1", "U-P"))
    html = client(routing.alice).get("/routing/conversations/P-1/").content.decode()
    assert "规则“高敏感”" in html
    assert client(routing.bob).get("/routing/conversations/P-1/").status_code == 404


def test_the_settings_page_is_the_managers(routing):
    assert client(routing.sam).get("/routing/settings/").status_code == 403
    c = client(routing.mia)
    assert c.get("/routing/settings/").status_code == 200
    response = c.post(
        "/routing/settings/",
        {"form": "rule", "name": "高价值", "tiers": ["expert", "senior"]},
    )
    assert response.status_code == 302
    assert RoutingRule.objects.get(name="高价值").tiers == ["senior", "expert"]  # tier order


def test_deleting_a_rule_that_is_not_there_is_404(routing):
    assert client(routing.mia).delete("/api/v1/routing/rules/999999").status_code == 404
