"""Cycles: computing reviews from the evidence (one definition per figure), the pages
and API per role, audit of views of another person's review."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db.models import Avg

from conftest import SHANGHAI, client_for, import_native, native_conversation
from kefu.accounts.access import ALL
from kefu.audit.models import AuditLog
from kefu.interactions.models import Conversation
from kefu.lib.errors import Conflict, Invalid
from kefu.metrics.selectors import Scope, totals
from kefu.performance.actions import cycles as actions
from kefu.performance.choices import CycleStatus
from kefu.performance.models import AgentScore, Template
from kefu.qa.models import QaResult
from kefu.qa.scoring import score_conversations

APRIL = datetime(2024, 4, 3, 10, 0, tzinfo=SHANGHAI)


def _conversations(agent: str, count: int, reply_after_s: int, csat: int) -> list[dict]:
    out = []
    for n in range(count):
        created = APRIL + timedelta(days=n, hours=n % 5)
        record = native_conversation(agent=agent, created=created, survey={"csat": csat, "nps": 9})
        record["messages"][1]["at"] = (created + timedelta(seconds=reply_after_s + n)).isoformat()
        record["messages"][1]["agent"] = agent
        out.append(record)
    return out


@pytest.fixture
def cycle(personas):
    import_native(*_conversations("A0007", 12, 20, 5), *_conversations("A0102", 6, 50, 2))
    score_conversations(Conversation.objects.values_list("pk", flat=True))
    cycle = actions.create_cycle(personas.mia, "quarter", date(2024, 4, 1))
    actions.compute(cycle, personas.mia)
    return cycle


def _agent_id(external_id: str) -> int:
    from kefu.accounts.models import Agent

    return Agent.objects.get(external_id=external_id).pk


def test_periods_are_whole_months_quarters_years():
    assert actions.period_of("quarter", date(2024, 4, 1)) == (date(2024, 4, 1), date(2024, 6, 30))
    assert actions.period_of("month", date(2024, 2, 1)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert actions.period_of("year", date(2024, 1, 1))[1] == date(2024, 12, 31)
    with pytest.raises(Invalid):
        actions.period_of("quarter", date(2024, 5, 1))


def test_each_figure_is_the_one_definition(cycle):
    alice = AgentScore.objects.get(cycle=cycle, agent__external_id="A0007")
    lines = {entry["source"]: entry for entry in alice.details}
    # alice is senior: the senior scorecard
    assert alice.template.family == "senior"
    metrics = totals(Scope(date(2024, 4, 1), date(2024, 6, 30), ALL, agent_ids=(alice.agent_id,)))
    assert lines["kpi.frt_mean_s"]["value"] == pytest.approx(metrics["frt_mean_s"])
    assert lines["kpi.fcr_rate"]["value"] == pytest.approx(metrics["fcr_rate"])
    assert lines["kpi.nps"]["value"] == pytest.approx(metrics["nps"])
    qa_mean = QaResult.objects.filter(agent_id=alice.agent_id, is_current=True).aggregate(
        m=Avg("score")
    )["m"]
    assert lines["qa.score"]["value"] == pytest.approx(qa_mean)
    assert lines["qa.score"]["n"] == 12
    assert lines["kpi.frt_mean_s"]["low"] < lines["kpi.frt_mean_s"]["value"]
    # nothing rated, no 360: left out, not zero
    assert lines["bars.attitude"]["points"] is None
    assert alice.score is not None and alice.score_low <= alice.score <= alice.score_high


def test_the_better_evidence_scores_higher(cycle):
    alice = AgentScore.objects.get(cycle=cycle, agent__external_id="A0007")
    bob = AgentScore.objects.get(cycle=cycle, agent__external_id="A0102")
    assert alice.dimensions["efficiency"] > bob.dimensions["efficiency"]
    assert alice.dimensions["quality"] > bob.dimensions["quality"]


def test_recomputing_keeps_calibration_and_a_closed_cycle_refuses(cycle, personas):
    AgentScore.objects.filter(cycle=cycle).update(calibrated_score=77)
    assert actions.compute(cycle) == 2
    assert set(
        AgentScore.objects.filter(cycle=cycle).values_list("calibrated_score", flat=True)
    ) == {77}
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    with pytest.raises(Conflict):
        actions.compute(cycle)


def test_a_cycle_is_opened_once(cycle, personas):
    with pytest.raises(Conflict):
        actions.create_cycle(personas.mia, "quarter", date(2024, 4, 1))


def test_a_changed_scorecard_is_a_new_version(personas):
    standard = Template.objects.get(family="standard", version=1)
    lines = [
        {"dimension": "quality", "source": "qa.score", "weight": 60, "floor": 60, "target": 95},
        {
            "dimension": "efficiency",
            "source": "kpi.frt_mean_s",
            "weight": 40,
            "floor": 60,
            "target": 20,
        },
    ]
    created = actions.new_version(personas.mia, standard, lines, "fewer figures")
    assert created.version == 2
    assert standard.indicators.count() == 14  # the old version is untouched
    assert actions.current_templates()[""] == created
    with pytest.raises(Invalid) as refused:
        actions.new_version(
            personas.mia,
            standard,
            [
                {
                    "dimension": "quality",
                    "source": "qa.nonsense",
                    "weight": 5,
                    "floor": 1,
                    "target": 1,
                }
            ],
            "",
        )
    fields = {(e["line"], e["field"]) for e in refused.value.errors}
    assert fields == {(1, "source"), (1, "mapping")}


# --- pages and API per role -----------------------------------------------------------------
def test_an_agent_reads_only_their_own_review(cycle, personas):
    alice, bob = _agent_id("A0007"), _agent_id("A0102")
    client = client_for(personas.alice)
    page = client.get(f"/performance/cycles/{cycle.pk}/agents/{alice}/")
    assert page.status_code == 200
    assert 'data-source="qa.score"' in page.content.decode()
    assert client.get(f"/performance/cycles/{cycle.pk}/agents/{bob}/").status_code == 404
    assert client.get(f"/api/v1/performance/cycles/{cycle.pk}/reviews/{bob}").status_code == 404
    listed = client.get(f"/api/v1/performance/cycles/{cycle.pk}/reviews").json()
    assert [r["agent"] for r in listed] == ["A0007"]
    # the agent lands on their newest review
    assert client.get("/performance/").url == f"/performance/cycles/{cycle.pk}/agents/{alice}/"
    assert not AuditLog.objects.filter(action="performance.view").exists()


def test_a_supervisor_reads_their_team_and_the_view_is_audited(cycle, personas):
    alice, bob = _agent_id("A0007"), _agent_id("A0102")
    client = client_for(personas.sam)
    assert client.get(f"/performance/cycles/{cycle.pk}/agents/{alice}/").status_code == 200
    assert client.get(f"/performance/cycles/{cycle.pk}/agents/{bob}/").status_code == 404
    logged = AuditLog.objects.get(action="performance.view")
    assert (logged.user, logged.object_id) == (personas.sam, str(alice))
    ranking = client.get(f"/performance/cycles/{cycle.pk}/").content.decode()
    assert 'data-agent="A0007"' in ranking and 'data-agent="A0102"' not in ranking


def test_the_conversations_behind_a_figure(cycle, personas):
    alice = _agent_id("A0007")
    client = client_for(personas.alice)
    page = client.get(f"/performance/cycles/{cycle.pk}/agents/{alice}/figures/qa.score/")
    assert page.status_code == 200
    ids = client.get(
        f"/api/v1/performance/cycles/{cycle.pk}/reviews/{alice}/figures/qa.score/conversations"
    ).json()
    assert len(ids) == 12
    assert all(i in page.content.decode() for i in ids)
    # a figure that is not on the review
    assert client.get(
        f"/performance/cycles/{cycle.pk}/agents/{alice}/figures/kpi.aht_s/"
    ).status_code in (200, 404)
    assert (
        client.get(f"/performance/cycles/{cycle.pk}/agents/{alice}/figures/nonsense/").status_code
        == 404
    )


def test_only_managers_open_and_compute_cycles(cycle, personas):
    for user in (personas.alice, personas.sam, personas.tina):
        client = client_for(user)
        assert client.post(f"/performance/cycles/{cycle.pk}/compute/").status_code == 403
        response = client.post(
            "/api/v1/performance/cycles",
            {"kind": "month", "start": "2024-04-01"},
            content_type="application/json",
        )
        assert response.status_code == 403
    client = client_for(personas.mia)
    created = client.post(
        "/api/v1/performance/cycles",
        {"kind": "month", "start": "2024-04-01"},
        content_type="application/json",
    )
    assert created.status_code == 201
    computed = client.post(f"/api/v1/performance/cycles/{created.json()['id']}/compute")
    assert computed.json() == {"reviews": 2}
    bad = client.post(
        "/api/v1/performance/cycles",
        {"kind": "month", "start": "2024-04-02"},
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_the_ranking_api_says_who_cannot_be_told_apart(cycle, personas):
    rows = client_for(personas.mia).get(f"/api/v1/performance/cycles/{cycle.pk}/reviews").json()
    assert {r["agent"] for r in rows} == {"A0007", "A0102"}
    for row in rows:
        assert row["score_low"] <= row["score"] <= row["score_high"]
    bad = client_for(personas.mia).get(
        f"/api/v1/performance/cycles/{cycle.pk}/reviews", {"tier": "nonsense"}
    )
    assert bad.status_code == 422


def test_the_cycle_workbook(cycle, personas):
    from io import BytesIO

    from openpyxl import load_workbook

    response = client_for(personas.mia).get(f"/performance/cycles/{cycle.pk}/export/")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert {rows[2][2], rows[3][2]} == {"A0007", "A0102"}
    assert AuditLog.objects.filter(object_type="performance.cycle", action="export").exists()
