"""The calibration meeting: the distribution per team, adjustments with a reason (audited,
the agent told), the cycle's status; managers only."""

from __future__ import annotations

import pytest

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.notifications.models import Notification
from kefu.performance.choices import CycleStatus
from kefu.performance.models import AgentScore, CalibrationAdjustment
from kefu.performance.tests.fairness_data import make_cycle, make_score

pytestmark = pytest.mark.django_db
URL = "/performance/calibration/"


@pytest.fixture
def cycle(personas):
    cycle = make_cycle()
    make_score(cycle, personas.alice.agent, 70.0)
    make_score(cycle, personas.bob.agent, 90.0)
    make_score(cycle, personas.sam.agent, 80.0)
    return cycle


def adjust_url(cycle, agent) -> str:
    return f"/performance/calibration/{cycle.pk}/agents/{agent.pk}/adjust/"


def test_a_manager_sees_the_distribution_per_team_and_the_view_is_audited(cycle, personas):
    response = client_for(personas.mia).get(URL)
    assert response.status_code == 200
    rows = {r["team"]: r for r in response.context["rows"]}
    assert rows["售后一组"]["final"].n == 2 and rows["售后一组"]["final"].median == 75.0
    assert rows[None]["final"].n == 3 and rows[None]["final"].as_list() == [70, 75, 80, 85, 90]
    assert response.context["chart"]["teams"] == ["售前一组", "售后一组"]
    entry = AuditLog.objects.get(action="performance.view", object_type="performance.calibration")
    assert sorted(entry.detail["agents"]) == sorted(
        a.pk for a in (personas.alice.agent, personas.bob.agent, personas.sam.agent)
    )


def test_an_adjustment_keeps_its_reason_is_audited_and_told_to_the_agent(cycle, personas):
    alice = personas.alice.agent
    response = client_for(personas.mia).post(
        adjust_url(cycle, alice), {"after": "78.5", "reason": "证据显示质检扣分有误"}
    )
    assert response.status_code == 302
    score = AgentScore.objects.get(cycle=cycle, agent=alice)
    assert (score.score, score.calibrated_score, score.final_score) == (70.0, 78.5, 78.5)
    adjustment = CalibrationAdjustment.objects.get(score=score)
    assert (adjustment.before, adjustment.after, adjustment.by) == (70.0, 78.5, personas.mia)
    assert adjustment.reason == "证据显示质检扣分有误"
    audit = AuditLog.objects.get(action="performance.calibrate")
    assert audit.detail["after"] == 78.5 and audit.detail["reason"] == "证据显示质检扣分有误"
    note = Notification.objects.get(recipient=personas.alice, kind="performance.calibrated")
    assert note.params["after"] == "78.5"
    # and the distribution reads the calibrated score
    rows = {r["team"]: r for r in client_for(personas.mia).get(URL).context["rows"]}
    assert rows["售后一组"]["final"].mean == pytest.approx((78.5 + 80) / 2)
    assert rows["售后一组"]["computed"].mean == pytest.approx(75.0)


@pytest.mark.parametrize(
    ("after", "reason"), [("78", ""), ("78", "   "), ("101", "太高"), ("x", "原因"), ("70", "不变")]
)
def test_an_adjustment_without_reason_or_out_of_range_is_refused(cycle, personas, after, reason):
    client = client_for(personas.mia)
    response = client.post(
        adjust_url(cycle, personas.alice.agent), {"after": after, "reason": reason}
    )
    assert response.status_code == 302
    assert not CalibrationAdjustment.objects.exists()
    assert AgentScore.objects.get(cycle=cycle, agent=personas.alice.agent).calibrated_score is None


def test_a_closed_cycle_refuses_adjustments(cycle, personas):
    cycle.status = CycleStatus.CLOSED
    cycle.save()
    client = client_for(personas.mia)
    client.post(adjust_url(cycle, personas.alice.agent), {"after": "80", "reason": "复核"})
    assert not CalibrationAdjustment.objects.exists()
    page = client.get(URL).content.decode()
    assert 'class="pf-adjust"' not in page


@pytest.mark.parametrize("who", ["sam", "alice", "quinn", "olga"])
def test_only_managers_calibrate(cycle, personas, who):
    client = client_for(getattr(personas, who))
    assert client.get(URL).status_code == 403
    response = client.post(adjust_url(cycle, personas.alice.agent), {"after": "99", "reason": "x"})
    assert response.status_code == 403
    assert client.post(f"{URL}{cycle.pk}/status/", {"status": "calibrating"}).status_code == 403
    assert not CalibrationAdjustment.objects.exists()


def test_the_status_moves_open_calibrating_closed_and_stays_closed(cycle, personas):
    client = client_for(personas.mia)
    status_url = f"{URL}{cycle.pk}/status/"

    def status_after(value: str) -> str:
        client.post(status_url, {"status": value})
        cycle.refresh_from_db()
        return cycle.status

    assert status_after("closed") == "open"  # not straight from open
    assert status_after("calibrating") == "calibrating"
    assert status_after("open") == "open"
    assert status_after("calibrating") == "calibrating"
    assert status_after("closed") == "closed"
    assert status_after("open") == "closed" and status_after("calibrating") == "closed"
    assert AuditLog.objects.filter(action="performance.cycle_status").count() == 4


# --- API ---------------------------------------------------------------------------------
def test_the_api_adjusts_and_refuses_as_the_page_does(cycle, personas):
    client = client_for(personas.mia)
    url = f"/api/v1/performance/calibration/{cycle.pk}/agents/{personas.bob.agent.pk}/adjust"
    response = client.post(
        url, {"after": 85, "reason": "校准会一致意见"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["before"] == 90.0
    body = client.get(f"/api/v1/performance/calibration/{cycle.pk}").json()
    assert body["adjustments"][0]["agent"] == "A0102"
    everyone = next(t for t in body["teams"] if t["team"] is None)
    assert everyone["adjusted"] == 1 and everyone["final"]["high"] == 85.0
    empty = client.post(url, {"after": 80, "reason": ""}, content_type="application/json")
    assert empty.status_code == 422
    status = f"/api/v1/performance/calibration/{cycle.pk}/status"
    for value in ("calibrating", "closed"):
        ok = client.post(status, {"status": value}, content_type="application/json")
        assert ok.status_code == 200 and ok.json()["status"] == value
    closed = client.post(url, {"after": 80, "reason": "再调"}, content_type="application/json")
    assert closed.status_code == 409
    again = client.post(status, {"status": "open"}, content_type="application/json")
    assert again.status_code == 409


def test_the_api_refuses_other_roles(cycle, personas):
    url = f"/api/v1/performance/calibration/{cycle.pk}/agents/{personas.alice.agent.pk}/adjust"
    for who in ("sam", "alice"):
        client = client_for(getattr(personas, who))
        assert client.get(f"/api/v1/performance/calibration/{cycle.pk}").status_code == 403
        response = client.post(url, {"after": 99, "reason": "x"}, content_type="application/json")
        assert response.status_code == 403
    assert not CalibrationAdjustment.objects.exists()


def test_the_page_queries_do_not_grow_with_the_reviews(
    cycle, personas, django_assert_max_num_queries
):
    from kefu.accounts.models import Agent

    for i in range(30):
        agent = Agent.objects.create(
            external_id=f"Q{i:03d}", name=f"客服{i}", team=personas.bob.agent.team
        )
        make_score(cycle, agent, 60 + i)
    CalibrationAdjustment.objects.create(
        score=AgentScore.objects.get(cycle=cycle, agent=personas.bob.agent), before=90.0,
        after=88.0, reason="复核", by=personas.mia,
    )  # fmt: skip
    client = client_for(personas.mia)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert len(response.context["scores"]) == 33


@pytest.mark.parametrize("cycle_param", ["9223372036854775808", "²", "-1", "0"])
def test_hostile_ids_are_not_found(cycle, personas, cycle_param):
    client = client_for(personas.mia)
    assert client.get(URL, {"cycle": cycle_param}).status_code == 404
    huge = "9223372036854775808"
    response = client.post(f"{URL}{huge}/agents/{huge}/adjust/", {"after": "1", "reason": "x"})
    assert response.status_code == 404
