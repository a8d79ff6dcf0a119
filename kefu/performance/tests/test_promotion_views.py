"""The promotion pool: criteria judged from the stored data, the reserve pool and its
conversion; managers manage, supervisors see their teams, agents their own standing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.performance.choices import CycleKind, PoolStatus
from kefu.performance.models import PerformanceSettings, PoolEntry
from kefu.performance.selectors import promotion as selectors
from kefu.performance.tests.fairness_data import (
    Q3,
    answer,
    certify,
    fatal_hit,
    make_cycle,
    make_score,
)

pytestmark = pytest.mark.django_db
URL = "/performance/promotion/"


@pytest.fixture
def world(personas):
    """alice meets every criterion; bob misses the score (84 in Q3) and has a fatal hit."""
    alice, bob = personas.alice.agent, personas.bob.agent
    q3, q4 = make_cycle("2024Q3", Q3), make_cycle("2024Q4")
    monthly = make_cycle("2024-12", (q4.end.replace(day=1), q4.end), kind=CycleKind.MONTH)
    make_score(q3, alice, 86.0)
    make_score(q4, alice, 80.0, calibrated=88.0)  # calibrated above the line: counts
    make_score(monthly, alice, 10.0)  # a monthly cycle does not count
    make_score(q3, bob, 84.0)
    make_score(q4, bob, 95.0)
    raters = [User.objects.create_user(f"peer{i}") for i in range(3)]
    for rater in raters:
        answer(q4, alice, rater, 5)
        answer(q4, bob, rater, 4)
    answer(q4, alice, personas.alice, 1, relation="self")  # self-assessments left out
    certify(alice)
    certify(bob)
    fatal_hit(bob, days_ago=20)
    return {"alice": alice, "bob": bob, "q3": q3, "q4": q4}


def standing(agent):
    (s,) = selectors.standings(selectors.considered(type(agent).objects.filter(pk=agent.pk)))
    return s


def test_the_criteria_are_judged_from_the_stored_data(world):
    alice, bob = standing(world["alice"]), standing(world["bob"])
    assert {c.code: c.met for c in alice.checks} == {
        "certificate": True, "score": True, "feedback": True, "no_fatal": True,
    }  # fmt: skip
    assert alice.evidence.recent_scores == [88.0, 86.0] and alice.evidence.feedback == 5.0
    assert alice.eligible
    assert {c.code: c.met for c in bob.checks} == {
        "certificate": True, "score": False, "feedback": True, "no_fatal": False,
    }  # fmt: skip
    assert bob.evidence.fatal_hits == 1 and not bob.eligible


def test_the_360_criterion_needs_the_anonymity_threshold(world):
    PerformanceSettings.objects.update(anonymity_threshold=4)
    alice = standing(world["alice"])
    assert alice.evidence.feedback is None and alice.evidence.feedback_raters == 3
    assert not alice.eligible


def test_a_manager_sees_the_figures_and_every_candidate(world, personas):
    PoolEntry.objects.create(agent=world["bob"], added_on=world["q3"].end, status="withdrawn")
    response = client_for(personas.mia).get(URL)
    assert response.status_code == 200
    figures = response.context["figures"]
    assert (figures.certified, figures.reserve, figures.withdrawn) == (2, 0, 1)
    assert figures.conversion == 0.0
    agents = [row["agent"].external_id for row in response.context["rows"]]
    assert agents[0] == "A0007" and "A0102" in agents and "A0001" not in agents  # sam: a lead
    page = response.content.decode()
    assert 'data-criterion="score" data-met="no"' in page
    assert page.count('action="/performance/promotion/agents/') == 2  # both may be added
    entry = AuditLog.objects.get(action="performance.view", object_type="performance.promotion")
    assert set(entry.detail["agents"]) == {world["alice"].pk, world["bob"].pk}


def test_a_manager_adds_the_eligible_and_needs_a_note_for_the_others(world, personas):
    client = client_for(personas.mia)
    client.post(f"{URL}agents/{world['alice'].pk}/add/")
    client.post(f"{URL}agents/{world['bob'].pk}/add/")
    assert list(PoolEntry.objects.values_list("agent__external_id", flat=True)) == ["A0007"]
    client.post(f"{URL}agents/{world['bob'].pk}/add/", {"note": "带教新人表现突出"})
    assert PoolEntry.objects.filter(status=PoolStatus.RESERVE).count() == 2
    client.post(f"{URL}agents/{world['alice'].pk}/add/")  # already in: refused
    assert PoolEntry.objects.count() == 2
    assert AuditLog.objects.filter(action="performance.pool").count() == 2


def test_the_outcome_of_an_entry_makes_the_conversion(world, personas):
    client = client_for(personas.mia)
    a = PoolEntry.objects.create(agent=world["alice"], added_on=world["q3"].end)
    b = PoolEntry.objects.create(agent=world["bob"], added_on=world["q3"].end)
    client.post(f"{URL}entries/{a.pk}/decide/", {"outcome": "promoted", "note": "任二组组长"})
    client.post(f"{URL}entries/{b.pk}/decide/", {"outcome": "withdrawn"})
    client.post(f"{URL}entries/{b.pk}/decide/", {"outcome": "promoted"})  # decided already
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == ("promoted", "withdrawn") and a.promoted_on is not None
    response = client.get(URL)
    assert response.context["figures"].conversion == 0.5
    assert response.context["conversion_text"] == "50.0 %"
    # a promoted agent is not a candidate any more
    assert "A0007" not in [r["agent"].external_id for r in response.context["rows"]]


def test_a_supervisor_sees_their_team_and_cannot_manage(world, personas):
    client = client_for(personas.sam)
    response = client.get(URL)
    assert response.status_code == 200
    assert [r["agent"].external_id for r in response.context["rows"]] == ["A0007"]
    assert 'action="/performance/promotion/agents/' not in response.content.decode()
    assert client.post(f"{URL}agents/{world['alice'].pk}/add/").status_code == 403
    assert not PoolEntry.objects.exists()


def test_an_agent_sees_where_they_stand_and_no_one_else(world, personas):
    response = client_for(personas.bob).get(URL)
    assert response.status_code == 200 and "rows" not in response.context
    mine = response.context["mine"]
    assert mine["agent"] == world["bob"] and not mine["eligible"]
    texts = {c["code"]: c["text"] for c in mine["criteria"]}
    assert "84.0" in texts["score"] and "95.0" in texts["score"]
    assert 'id="pf-figures"' not in response.content.decode()
    assert not AuditLog.objects.filter(action="performance.view").exists()  # their own
    assert client_for(personas.bob).post(f"{URL}agents/{world['bob'].pk}/add/").status_code == 403


@pytest.mark.parametrize("who", ["quinn", "tina", "olga"])
def test_users_without_an_agent_or_team_are_refused(world, personas, who):
    assert client_for(getattr(personas, who)).get(URL).status_code == 403


# --- API ---------------------------------------------------------------------------------
def test_the_api_lists_and_manages_the_pool(world, personas):
    client = client_for(personas.mia)
    body = client.get("/api/v1/performance/promotion").json()
    assert body["figures"]["certified"] == 2 and body["rules"]["min_score"] == 85
    first = body["candidates"][0]
    assert first["agent"] == "A0007" and first["eligible"] and first["recent_scores"] == [88, 86]
    added = client.post(
        f"/api/v1/performance/promotion/agents/{world['alice'].pk}",
        {},
        content_type="application/json",
    )
    assert added.status_code == 201 and added.json()["status"] == "reserve"
    refused = client.post(
        f"/api/v1/performance/promotion/agents/{world['bob'].pk}",
        {},
        content_type="application/json",
    )
    assert refused.status_code == 422
    decided = client.post(
        f"/api/v1/performance/promotion/entries/{added.json()['id']}",
        {"outcome": "promoted"}, content_type="application/json",
    )  # fmt: skip
    assert decided.status_code == 200 and decided.json()["status"] == "promoted"


def test_the_api_gives_an_agent_their_own_row_only(world, personas):
    body = client_for(personas.alice).get("/api/v1/performance/promotion").json()
    assert [c["agent"] for c in body["candidates"]] == ["A0007"] and body["figures"] is None
    response = client_for(personas.alice).post(
        f"/api/v1/performance/promotion/agents/{world['alice'].pk}",
        {},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert client_for(personas.quinn).get("/api/v1/performance/promotion").status_code == 403


def test_the_page_queries_do_not_grow_with_the_agents(
    world, personas, django_assert_max_num_queries
):
    from kefu.accounts.models import Agent

    for i in range(30):
        agent = Agent.objects.create(
            external_id=f"Q{i:03d}", name=f"客服{i}", team=world["bob"].team
        )
        PoolEntry.objects.create(agent=agent, added_on=world["q3"].end)
    client = client_for(personas.mia)
    with django_assert_max_num_queries(20):
        response = client.get(URL)
    assert len(response.context["rows"]) == 32 and len(response.context["entries"]) == 30
