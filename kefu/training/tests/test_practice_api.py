"""The practice API (/api/v1/training/scenarios…, /api/v1/training/practices…) for the
right and the wrong roles: an agent practises through the API and reads the QA result;
another agent's practice is 404 for reading and writing; trainers create and update
scenarios, with every problem of a bad definition listed."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from kefu.accounts.models import ApiToken
from kefu.training.actions import practice as actions
from kefu.training.models import Practice, Scenario
from kefu.training.tests.test_practice_views import GOOD


def api(user, method: str, path: str, body: dict | None = None):
    client = Client()
    if user is not None:
        _, raw = ApiToken.issue(user, "t")
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    url = f"/api/v1/training{path}"
    if method == "get":
        return client.get(url)
    return client.generic(
        method.upper(), url, json.dumps(body or {}), content_type="application/json"
    )


@pytest.fixture
def scenarios(db):
    return actions.sync_builtin_scenarios()


def test_anonymous_is_unauthorized(scenarios):
    assert api(None, "get", "/scenarios").status_code == 401
    assert api(None, "post", "/scenarios/invoice/practices").status_code == 401


def test_everyone_lists_scenarios_and_only_trainers_read_the_routes(scenarios, personas):
    listed = api(personas.alice, "get", "/scenarios")
    assert listed.status_code == 200 and len(listed.json()) == 20
    agent = api(personas.alice, "get", "/scenarios/logistics-delay").json()
    assert agent["definition"] is None and "2024050212" in agent["brief"]
    assert agent["max_turns"] == 8 and agent["area"] == "basic"
    trainer = api(personas.tina, "get", "/scenarios/logistics-delay").json()
    assert trainer["definition"]["nodes"]["open"]["routes"]
    assert api(personas.alice, "get", "/scenarios/ghost").status_code == 404


def test_an_agent_practises_through_the_api(scenarios, personas):
    started = api(personas.alice, "post", "/scenarios/logistics-delay/practices")
    assert started.status_code == 201
    practice = started.json()
    assert practice["agent"] == "A0007" and practice["status"] == "active"
    assert [line["role"] for line in practice["transcript"]] == ["customer"]
    path = f"/practices/{practice['id']}"
    answer = api(personas.alice, "post", f"{path}/turns", {"text": GOOD[0]})
    assert answer.status_code == 200
    body = answer.json()
    assert body["customer"] and body["node_kind"] == "talk" and not body["finished"]
    assert body["practice"]["transcript"][-1]["text"] == body["customer"]
    for reply in GOOD[1:3]:
        body = api(personas.alice, "post", f"{path}/turns", {"text": reply}).json()
    assert body["node_kind"] == "goal"
    closing = api(personas.alice, "post", f"{path}/turns", {"text": GOOD[3]}).json()
    assert closing["customer"] is None  # the goal reached: the customer says no more
    assert api(personas.alice, "get", f"{path}/result").status_code == 409  # not finished
    finished = api(personas.alice, "post", f"{path}/finish")
    assert finished.status_code == 200
    result = finished.json()
    assert result["goal_reached"] is True and result["checks"] == 20
    assert result["qa_score"] == float(Practice.objects.get(pk=practice["id"]).qa_score)
    assert api(personas.alice, "get", f"{path}/result").json() == result
    assert api(personas.alice, "post", f"{path}/turns", {"text": "在吗"}).status_code == 409


def test_the_result_lists_items_and_hits_with_evidence(scenarios, personas):
    started = api(personas.alice, "post", "/scenarios/logistics-delay/practices").json()
    path = f"/practices/{started['id']}"
    api(personas.alice, "post", f"{path}/turns", {"text": "这不是我们的问题，我不知道。"})
    result = api(personas.alice, "post", f"{path}/finish").json()
    hit = next(h for h in result["hits"] if h["indicator"] == "forbidden_phrase")
    assert hit["messages"] == ["m2"] and "我不知道" in hit["evidence"]
    assert {"taboo", "shirking"} <= set(result["failed_checks"])
    assert any(i["item"] == "taboo" and i["points"] < 0 for i in result["items"])


def test_another_agent_cannot_read_or_write_my_practice(scenarios, personas):
    started = api(personas.alice, "post", "/scenarios/refund-slow/practices").json()
    path = f"/practices/{started['id']}"
    for who in (personas.bob, personas.olga, personas.quinn):
        assert api(who, "get", path).status_code == 404
        assert api(who, "post", f"{path}/turns", {"text": "您好"}).status_code == 404
        assert api(who, "post", f"{path}/finish").status_code == 404
    # the supervisor and the trainer read it, but only alice writes it
    for who in (personas.sam, personas.tina):
        assert api(who, "get", path).status_code == 200
        assert api(who, "post", f"{path}/turns", {"text": "您好"}).status_code == 404
    assert len(Practice.objects.get(pk=started["id"]).transcript) == 1


def test_the_practice_list_is_scoped(scenarios, personas):
    api(personas.alice, "post", "/scenarios/invoice/practices")
    api(personas.bob, "post", "/scenarios/invoice/practices")

    def agents(user, query=""):
        return sorted(p["agent"] for p in api(user, "get", f"/practices{query}").json())

    assert agents(personas.alice) == ["A0007"]
    assert agents(personas.sam) == ["A0007"]
    assert agents(personas.tina) == ["A0007", "A0102"]
    assert agents(personas.tina, "?agent=A0102") == ["A0102"]
    assert agents(personas.quinn) == []
    assert api(personas.tina, "get", "/practices?status=nonsense").status_code == 422


def test_a_log_in_without_an_agent_cannot_start(scenarios, personas):
    assert api(personas.tina, "post", "/scenarios/invoice/practices").status_code == 403


def test_trainers_create_and_update_scenarios(scenarios, personas):
    definition = dict(Scenario.objects.get(code="invoice").graph) | {"code": "invoice-api"}
    assert api(personas.alice, "post", "/scenarios", {"definition": definition}).status_code == 403
    created = api(personas.tina, "post", "/scenarios", {"definition": definition})
    assert created.status_code == 201 and created.json()["builtin"] is False
    assert api(personas.tina, "post", "/scenarios", {"definition": definition}).status_code == 409
    updated = api(
        personas.tina,
        "put",
        "/scenarios/invoice",
        {"definition": definition | {"code": "invoice", "goal": "新目标"}, "active": False},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["goal"] == "新目标" and body["builtin"] is False and body["active"] is False
    assert api(personas.alice, "get", "/scenarios/invoice").status_code == 404  # inactive
    assert (
        api(personas.sam, "put", "/scenarios/refund-slow", {"definition": definition}).status_code
        == 403
    )


def test_a_bad_definition_is_refused_with_every_problem(scenarios, personas):
    definition = dict(Scenario.objects.get(code="invoice").graph) | {"code": "broken"}
    definition["nodes"] = dict(definition["nodes"]) | {
        "open": dict(definition["nodes"]["open"]) | {"otherwise": "ghost"}
    }
    definition["area"] = "astrology"
    answer = api(personas.tina, "post", "/scenarios", {"definition": definition})
    assert answer.status_code == 422
    fields = {e["field"]: e["reason"] for e in answer.json()["errors"]}
    assert fields["node open: otherwise"] == "没有名为 'ghost' 的节点"  # the user's language
    assert fields["area"].startswith("没有知识领域 'astrology'")
    assert not Scenario.objects.filter(code="broken").exists()
