"""The agents' routing profiles page (`/routing/agents/`): supervisors see and change
their teams' agents, routing managers everyone's, an agent sees their own read-only,
roles without routing nothing; changes go through `actions.save_profile` (audited) and
routing reads them at the next arrival; the API's profile route follows the same scope."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import client_for
from kefu.accounts.models import Agent, Team
from kefu.assignment import selectors
from kefu.assignment.models import AgentProfile
from kefu.assignment.tests.conftest import agent
from kefu.audit.models import AuditLog

pytestmark = pytest.mark.django_db


def listed(response) -> list[str]:
    return [row["agent"].external_id for row in response.context["rows"]]


def test_anonymous_is_sent_to_log_in_and_roles_without_routing_are_refused(routing):
    assert client_for().get("/routing/agents/").status_code == 302
    assert client_for(routing.quinn).get("/routing/agents/").status_code == 403
    assert client_for(routing.olga).get("/routing/agents/").status_code == 403
    assert client_for(routing.quinn).get("/routing/agents/A0007/").status_code == 404


def test_a_supervisor_sees_their_teams_agents_and_may_edit_them(routing):
    response = client_for(routing.sam).get("/routing/agents/")
    assert response.status_code == 200
    assert listed(response) == ["A0001", "A0007"]  # 售后一组, not bob's team
    assert all(row["changeable"] for row in response.context["rows"])
    assert client_for(routing.sam).get("/routing/agents/A0102/").status_code == 404


def test_a_manager_sees_every_agent(routing):
    response = client_for(routing.mia).get("/routing/agents/")
    assert listed(response) == ["A0102", "A0001", "A0007"]  # by team name
    team = Team.objects.get(name="售前一组")
    response = client_for(routing.mia).get(f"/routing/agents/?team={team.pk}")
    assert listed(response) == ["A0102"]


def test_an_agent_sees_only_their_own_profile_read_only(routing):
    AgentProfile.objects.create(agent=agent("A0007"), channels=["chat"], capacity=4)
    response = client_for(routing.alice).get("/routing/agents/")
    assert listed(response) == ["A0007"]
    assert not response.context["rows"][0]["changeable"]
    page = client_for(routing.alice).get("/routing/agents/A0007/")
    assert page.status_code == 200
    assert b'id="routing-profile-form"' not in page.content
    assert [str(c) for c in page.context["row"]["channels"]] == ["在线聊天"]
    assert page.context["row"]["capacity"] == 4
    # she may not change it, nor see bob's
    posted = client_for(routing.alice).post("/routing/agents/A0007/", {"capacity": "9"})
    assert posted.status_code == 403
    assert AgentProfile.objects.get(agent=agent("A0007")).capacity == 4
    assert client_for(routing.alice).get("/routing/agents/A0102/").status_code == 404


def test_a_supervisor_changes_a_profile_audited_and_routing_reads_it(routing):
    alice = agent("A0007")
    before = {c.agent_id: c for c in selectors.candidates(selectors.config())}[alice.pk]
    assert before.capacity == 2  # the default
    # when sam saves her skills and capacity
    response = client_for(routing.sam).post(
        "/routing/agents/A0007/",
        {"channels": ["chat", "app"], "product_lines": "手机, 家电", "languages": "zh",
         "capacity": "4"},
    )  # fmt: skip
    # then they are stored through the action, audited, and routing uses them at once
    assert response.status_code == 302
    assert response["Location"].endswith("#agent-A0007")
    profile = AgentProfile.objects.get(agent=alice)
    assert (profile.channels, profile.product_lines, profile.languages, profile.capacity) == (
        ["chat", "app"], ["手机", "家电"], ["zh"], 4,
    )  # fmt: skip
    log = AuditLog.objects.get(object_type="assignment.agent_profile")
    assert (log.user, log.object_id, log.detail["capacity"]) == (routing.sam, "A0007", 4)
    after = {c.agent_id: c for c in selectors.candidates(selectors.config())}[alice.pk]
    assert (after.capacity, after.channels) == (4, frozenset({"chat", "app"}))


def test_a_supervisor_may_not_change_another_teams_agent(routing):
    posted = client_for(routing.sam).post("/routing/agents/A0102/", {"capacity": "3"})
    assert posted.status_code == 404
    assert not AgentProfile.objects.filter(agent=agent("A0102")).exists()


def test_an_invalid_capacity_is_refused_with_the_form(routing):
    response = client_for(routing.mia).post("/routing/agents/A0102/", {"capacity": "0"})
    assert response.status_code == 400
    assert response.context["form"].errors["capacity"]
    assert not AgentProfile.objects.filter(agent=agent("A0102")).exists()


def test_the_list_costs_the_same_queries_for_3_or_40_agents(routing):
    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client_for(routing.mia).get("/routing/agents/").status_code == 200
        return len(ctx.captured_queries)

    queries()  # warm: routing's configuration is read once per process
    few = queries()
    team = Team.objects.get(name="售后一组")
    more = Agent.objects.bulk_create(
        [Agent(external_id=f"P{i:03d}", name=f"坐席{i}", team=team) for i in range(37)]
    )
    AgentProfile.objects.bulk_create([AgentProfile(agent=a, capacity=3) for a in more])
    assert queries() == few


def test_the_api_lets_a_supervisor_change_their_teams_agents_only(routing):
    def put(user, external_id: str):
        return client_for(user).put(
            f"/api/v1/routing/agents/{agent(external_id).pk}/profile",
            json.dumps({"languages": ["en"]}),
            content_type="application/json",
        )

    assert put(routing.sam, "A0007").status_code == 200
    assert put(routing.sam, "A0102").status_code == 404
    assert put(routing.alice, "A0007").status_code == 403
    assert put(routing.mia, "A0102").status_code == 200
    assert AgentProfile.objects.get(agent=agent("A0102")).languages == ["en"]
