"""Agents' presence: the action, the workspace fragment, the supervisor's page and the API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from kefu.accounts.models import Agent
from kefu.lib.errors import Invalid, NotAllowed, NotFound
from kefu.workforce import actions
from kefu.workforce.models import AgentPresence, PresenceChange

pytestmark = pytest.mark.django_db


def agent_of(user) -> Agent:
    return Agent.objects.get(user=user)


# --- the action -----------------------------------------------------------------------------
def test_it_updates_the_row_and_adds_one_history_row(personas):
    alice = agent_of(personas.alice)
    presence, changed = actions.set_presence(alice, "online", by=personas.alice)
    assert changed and presence.state == "online"
    presence, changed = actions.set_presence(alice, "away", by=personas.alice)
    assert changed
    assert AgentPresence.objects.get(agent=alice).state == "away"
    assert list(PresenceChange.objects.filter(agent=alice).values_list("state", flat=True)) == [
        "online",
        "away",
    ]


def test_it_does_nothing_when_unchanged(personas):
    alice = agent_of(personas.alice)
    actions.set_presence(alice, "online", by=personas.alice)
    _presence, changed = actions.set_presence(alice, "online", by=personas.alice)
    assert not changed
    assert PresenceChange.objects.filter(agent=alice).count() == 1
    # no row is offline: setting offline writes nothing either
    bob = agent_of(personas.bob)
    _presence, changed = actions.set_presence(bob, "offline", by=personas.bob)
    assert not changed
    assert not AgentPresence.objects.filter(agent=bob).exists()
    assert not PresenceChange.objects.filter(agent=bob).exists()


def test_it_refuses_an_unknown_state(personas):
    with pytest.raises(Invalid):
        actions.set_presence(agent_of(personas.alice), "lunch")


def test_it_lets_an_agent_set_only_their_own(personas):
    alice, bob = agent_of(personas.alice), agent_of(personas.bob)
    assert actions.check_presence(personas.alice, alice.pk, "busy") == alice
    with pytest.raises(NotFound):  # a colleague is outside alice's rows
        actions.check_presence(personas.alice, bob.pk, "offline")


def test_it_lets_a_supervisor_set_their_agent_offline_only(personas):
    alice, bob = agent_of(personas.alice), agent_of(personas.bob)
    assert actions.check_presence(personas.sam, alice.pk, "offline") == alice
    with pytest.raises(NotAllowed):
        actions.check_presence(personas.sam, alice.pk, "online")
    with pytest.raises(NotFound):  # another team's agent
        actions.check_presence(personas.sam, bob.pk, "offline")


def test_sign_out_sets_the_agent_offline(personas):
    alice = agent_of(personas.alice)
    actions.set_presence(alice, "online", by=personas.alice)
    client = client_for(personas.alice)
    client.post("/accounts/logout/")
    assert AgentPresence.objects.get(agent=alice).state == "offline"


# --- the workspace fragment -----------------------------------------------------------------
def test_the_fragment_sets_the_own_state_and_shows_today(personas):
    client = client_for(personas.alice)
    response = client.post("/workforce/presence/", {"state": "away"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-state="away"' in html
    assert AgentPresence.objects.get(agent=agent_of(personas.alice)).state == "away"
    assert html.count("<li>") == 1  # today's one change
    # a plain POST goes back to the workspace
    response = client.post("/workforce/presence/", {"state": "online"})
    assert response.status_code == 302 and response["Location"].endswith("/live/workspace/")


def test_the_fragment_is_for_agents_only(personas):
    assert client_for(personas.mia).get("/workforce/presence/").status_code == 404
    assert client_for().get("/workforce/presence/").status_code == 302
    assert client_for(personas.alice).get("/workforce/presence/").status_code == 200


def test_the_fragment_never_shows_a_colleagues_history(personas):
    bob = agent_of(personas.bob)
    actions.set_presence(bob, "online", by=personas.bob)
    html = client_for(personas.alice).get("/workforce/presence/").content.decode()
    assert "今天没有变更。" in html  # "No change today." in the UI's language


def test_the_workspace_loads_the_fragment(personas):
    html = client_for(personas.alice).get("/live/workspace/").content.decode()
    assert 'hx-get="/workforce/presence/"' in html


# --- the supervisor's page ------------------------------------------------------------------
def test_the_team_page_lists_the_supervisors_agents(personas):
    actions.set_presence(agent_of(personas.alice), "online", by=personas.alice)
    response = client_for(personas.sam).get("/workforce/presence/team/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-agent="A0007"' in html and 'data-agent="A0102"' not in html
    assert client_for(personas.alice).get("/workforce/presence/team/").status_code == 403
    assert client_for(personas.quinn).get("/workforce/presence/team/").status_code == 403
    assert (
        'data-agent="A0102"'
        in client_for(personas.mia).get("/workforce/presence/team/").content.decode()
    )


def test_a_supervisor_sets_an_agent_offline(personas):
    alice, bob = agent_of(personas.alice), agent_of(personas.bob)
    actions.set_presence(alice, "online", by=personas.alice)
    actions.set_presence(bob, "online", by=personas.bob)
    sam = client_for(personas.sam)
    assert sam.post(f"/workforce/presence/{alice.pk}/offline/").status_code == 302
    assert AgentPresence.objects.get(agent=alice).state == "offline"
    assert PresenceChange.objects.filter(agent=alice).last().by == personas.sam
    assert sam.post(f"/workforce/presence/{bob.pk}/offline/").status_code == 404
    assert AgentPresence.objects.get(agent=bob).state == "online"
    # an agent cannot set a colleague offline
    assert (
        client_for(personas.bob).post(f"/workforce/presence/{alice.pk}/offline/").status_code == 404
    )


# --- the API --------------------------------------------------------------------------------
def test_the_api_reads_and_sets_my_presence(personas):
    client = client_for(personas.alice)
    response = client.put(
        "/api/v1/presence/me", json.dumps({"state": "busy"}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "busy" and body["agent"] == "A0007"
    assert [c["state"] for c in body["today"]] == ["busy"]
    assert client.get("/api/v1/presence/me").json()["state"] == "busy"
    bad = client.put(
        "/api/v1/presence/me", json.dumps({"state": "lunch"}), content_type="application/json"
    )
    assert bad.status_code == 422
    assert client_for(personas.mia).get("/api/v1/presence/me").status_code == 404
    assert client_for().get("/api/v1/presence/me").status_code == 401


def test_the_api_lists_presence_by_scope(personas):
    actions.set_presence(agent_of(personas.alice), "online", by=personas.alice)
    ids = lambda user: {r["agent"] for r in client_for(user).get("/api/v1/presence").json()}  # noqa: E731
    assert ids(personas.mia) == {"A0001", "A0007", "A0102"}
    assert ids(personas.sam) == {"A0001", "A0007"}
    assert ids(personas.bob) == {"A0102"}
    assert ids(personas.quinn) == set()
    rows = {r["agent"]: r for r in client_for(personas.sam).get("/api/v1/presence").json()}
    assert rows["A0007"]["state"] == "online" and rows["A0001"]["state"] == "offline"


def test_routing_contract_online_only(personas):
    """The routing layer reads AgentPresence.state == "online"."""
    alice, bob = agent_of(personas.alice), agent_of(personas.bob)
    actions.set_presence(alice, "online", by=personas.alice)
    actions.set_presence(bob, "busy", by=personas.bob)
    online = AgentPresence.objects.filter(state="online").values_list("agent_id", flat=True)
    assert list(online) == [alice.pk]
    since = AgentPresence.objects.get(agent=alice).since
    assert timezone.now() - since < timedelta(minutes=1)
