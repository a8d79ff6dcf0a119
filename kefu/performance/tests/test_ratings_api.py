"""Behaviour ratings over the REST API: rating with evidence, refusals, who sees what."""

from __future__ import annotations

import json

import pytest

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.performance.actions import ratings as actions
from kefu.performance.models import BarsRating
from kefu.performance.tests.methods_world import make_world

URL = "/api/v1/performance/ratings"


@pytest.fixture
def w(personas):
    return make_world(personas)


def body(w, agent="A0007", evidence=("C-AL-0",), **extra) -> str:
    return json.dumps(
        {"cycle": w.cycle.pk, "agent": agent, "scale": "attitude", "level": 4,
         "evidence": list(evidence), "comment": "耐心", **extra}
    )  # fmt: skip


def post(user, data):
    return client_for(user).post(URL, data, content_type="application/json")


def test_a_supervisor_rates_with_evidence(w):
    response = post(w.p.sam, body(w, blind=True))
    assert response.status_code == 201, response.content
    out = response.json()
    assert (out["agent"], out["scale"], out["level"], out["blind"]) == (
        "A0007",
        "attitude",
        4,
        True,
    )
    assert out["evidence"] == ["C-AL-0"]
    assert out["anchor"].startswith("主动共情")


def test_without_evidence_it_is_refused_with_a_chinese_sentence(w):
    response = post(w.p.sam, body(w, evidence=()))
    assert response.status_code == 422
    assert response.json()["detail"] == "每条评分至少需要关联一段该客服在本周期内的会话作为证据。"


def test_another_agents_conversation_is_no_evidence(w):
    response = post(w.p.mia, body(w, evidence=("C-BOB-1",)))
    assert response.status_code == 422
    assert not BarsRating.objects.exists()


def test_an_agent_cannot_rate_and_another_team_is_404(w):
    assert post(w.p.alice, body(w, agent="A0102", evidence=("C-BOB-1",))).status_code == 403
    assert post(w.p.sam, body(w, agent="A0102", evidence=("C-BOB-1",))).status_code == 404
    assert post(w.p.sam, body(w, agent="A0001")).status_code == 404  # himself
    assert not BarsRating.objects.exists()


def test_ratings_are_read_by_scope_and_audited(w):
    rating = actions.rate(cycle=w.cycle, agent=w.alice, scale=w.attitude, level=3, user=w.p.sam,
                          evidence=[w.conv["C-AL-0"].pk])  # fmt: skip
    assert [r["id"] for r in client_for(w.p.alice).get(URL).json()] == [rating.pk]
    assert client_for(w.p.bob).get(URL).json() == []
    assert client_for(w.p.bob).get(f"{URL}/{rating.pk}").status_code == 404
    assert not AuditLog.objects.filter(action="performance.view").exists()  # her own
    assert client_for(w.p.mia).get(f"{URL}/{rating.pk}").status_code == 200
    assert AuditLog.objects.filter(action="performance.view", user=w.p.mia).count() == 1


def test_only_managers_change_scales(w):
    data = json.dumps({"name": "服务态度", "anchors": ["差", "中", "好"]})
    url = f"/api/v1/performance/scales/{w.attitude.pk}"
    assert client_for(w.p.sam).put(url, data, content_type="application/json").status_code == 403
    response = client_for(w.p.mia).put(url, data, content_type="application/json")
    assert response.status_code == 200
    assert [lv["anchor"] for lv in response.json()["levels"]] == ["差", "中", "好"]
