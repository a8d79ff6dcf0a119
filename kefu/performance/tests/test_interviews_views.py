"""Performance interviews (面谈): scheduling, the structured record, the agent's comment
and acknowledgement, the lock after it; who may do what; pages and API."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from conftest import SHANGHAI, client_for
from kefu.audit.models import AuditLog
from kefu.lib.errors import Conflict, NotAllowed
from kefu.notifications.models import Notification
from kefu.performance.actions import interviews as actions
from kefu.performance.models import Interview
from kefu.performance.tests.methods_world import make_world

RECORD = {
    "achievements": "五月投诉率下降，客户表扬 3 次",
    "gaps": "首次响应偏慢",
    "causes": "同时接待会话过多",
    "actions": "每日复盘两段会话；下月首响目标 25 秒",
}


@pytest.fixture
def w(personas):
    return make_world(personas)


def scheduled(w, user=None):
    when = datetime(2024, 6, 3, 15, 0, tzinfo=SHANGHAI)
    return actions.schedule(w.cycle, w.alice, when, user=user or w.p.sam)


def recorded(w):
    interview = scheduled(w)
    return actions.record(interview, RECORD, user=w.p.sam)


def test_the_supervisor_schedules_and_records_and_the_agent_acknowledges(w):
    sam, alice = client_for(w.p.sam), client_for(w.p.alice)
    response = sam.post(
        "/performance/interviews/new/",
        {"cycle": w.cycle.pk, "agent": w.alice.pk, "scheduled_at": "2024-06-03T15:00"},
    )
    assert response.status_code == 302
    interview = Interview.objects.get()
    assert (
        Notification.objects.filter(recipient=w.p.alice, kind="performance.interview").count() == 1
    )
    # recorded
    sam.post(
        f"/performance/interviews/{interview.pk}/record/", {**RECORD, "held_at": "2024-06-03T15:30"}
    )
    interview.refresh_from_db()
    assert interview.achievements == RECORD["achievements"] and interview.held_at is not None
    assert (
        Notification.objects.filter(recipient=w.p.alice, kind="performance.interview").count() == 2
    )
    # alice reads it and acknowledges with a comment
    page = alice.get(f"/performance/interviews/{interview.pk}/").content.decode()
    assert "每日复盘两段会话" in page and 'id="acknowledge-form"' in page
    alice.post(
        f"/performance/interviews/{interview.pk}/acknowledge/", {"comment": "同意，会按计划改进"}
    )
    interview.refresh_from_db()
    assert interview.agent_comment == "同意，会按计划改进" and interview.acknowledged_at is not None
    assert Notification.objects.filter(recipient=w.p.sam, kind="performance.interview").exists()
    # both see it
    for client in (sam, alice):
        page = client.get(f"/performance/interviews/{interview.pk}/").content.decode()
        assert "同意，会按计划改进" in page and "记录已锁定" in page
    steps = list(
        AuditLog.objects.filter(action="performance.interview")
        .order_by("pk")
        .values_list("detail__step", flat=True)
    )
    assert steps == ["schedule", "record", "acknowledge"]


def test_an_acknowledged_record_is_locked(w):
    interview = recorded(w)
    actions.acknowledge(interview, "", user=w.p.alice)
    with pytest.raises(Conflict):
        actions.record(interview, {**RECORD, "gaps": "改了"}, user=w.p.sam)
    page = (
        client_for(w.p.sam)
        .post(
            f"/performance/interviews/{interview.pk}/record/",
            {**RECORD, "gaps": "改了", "held_at": "2024-06-03T15:30"},
            follow=True,
        )
        .content.decode()
    )
    assert "客服已确认这次面谈，记录已锁定" in page
    interview.refresh_from_db()
    assert interview.gaps == RECORD["gaps"]
    assert 'id="record-form"' not in page
    with pytest.raises(Conflict):
        actions.acknowledge(interview, "再次", user=w.p.alice)


def test_before_acknowledgement_the_interviewer_may_correct_it(w):
    interview = recorded(w)
    actions.record(interview, {**RECORD, "gaps": "首响偏慢，午高峰尤甚"}, user=w.p.sam)
    interview.refresh_from_db()
    assert interview.gaps == "首响偏慢，午高峰尤甚"


def test_the_agent_acknowledges_only_her_own_and_only_once_recorded(w):
    interview = scheduled(w)
    with pytest.raises(Conflict):
        actions.acknowledge(interview, "", user=w.p.alice)  # nothing recorded yet
    actions.record(interview, RECORD, user=w.p.sam)
    for other in (w.p.bob, w.p.sam, w.p.mia):
        with pytest.raises(NotAllowed):
            actions.acknowledge(interview, "", user=other)
    assert (
        client_for(w.p.bob)
        .post(f"/performance/interviews/{interview.pk}/acknowledge/", {})
        .status_code
        == 404
    )
    client_for(w.p.sam).post(f"/performance/interviews/{interview.pk}/acknowledge/", {})
    interview.refresh_from_db()
    assert interview.acknowledged_at is None
    api = client_for(w.p.mia).post(
        f"/api/v1/performance/interviews/{interview.pk}/acknowledge",
        "{}",
        content_type="application/json",
    )
    assert api.status_code == 403


def test_who_may_schedule_and_record(w):
    assert client_for(w.p.alice).get("/performance/interviews/new/").status_code == 403
    with pytest.raises(NotAllowed):
        scheduled(w, user=w.p.alice)
    with pytest.raises(NotAllowed):
        actions.schedule(w.cycle, w.bob, timezone.now(), user=w.p.sam)  # another team
    interview = scheduled(w, user=w.p.mia)
    with pytest.raises(NotAllowed):
        actions.record(interview, RECORD, user=w.p.alice)  # the agent does not write it
    with pytest.raises(Conflict):
        scheduled(w)  # one per cycle


def test_the_interview_is_seen_by_scope_and_audited(w):
    interview = recorded(w)
    url = f"/performance/interviews/{interview.pk}/"
    assert client_for(w.p.bob).get(url).status_code == 404
    assert client_for(w.p.quinn).get(url).status_code == 404
    assert client_for(w.p.alice).get(url).status_code == 200
    assert not AuditLog.objects.filter(action="performance.view").exists()
    assert (
        client_for(w.p.mia).get(f"/api/v1/performance/interviews/{interview.pk}").status_code == 200
    )
    assert AuditLog.objects.get(action="performance.view").detail == {
        "agent": w.alice.pk,
        "what": "interview",
        "path": f"/api/v1/performance/interviews/{interview.pk}",
    }


def test_an_interview_is_recorded_after_it_took_place(w):
    interview = scheduled(w)
    from kefu.lib.errors import Invalid

    with pytest.raises(Invalid):
        actions.record(
            interview, {**RECORD, "held_at": timezone.now() + timedelta(days=1)}, user=w.p.sam
        )
    with pytest.raises(Invalid):
        actions.record(interview, {**RECORD, "actions": ""}, user=w.p.sam)


def test_the_api_schedules_records_and_acknowledges(w):
    sam, alice = client_for(w.p.sam), client_for(w.p.alice)
    made = sam.post(
        "/api/v1/performance/interviews",
        json.dumps(
            {"cycle": w.cycle.pk, "agent": "A0007", "scheduled_at": "2024-06-03T15:00:00+08:00"}
        ),
        content_type="application/json",
    )
    assert made.status_code == 201
    pk = made.json()["id"]
    rec = sam.put(
        f"/api/v1/performance/interviews/{pk}/record",
        json.dumps(RECORD),
        content_type="application/json",
    )
    assert rec.json()["status"] == "recorded"
    ack = alice.post(
        f"/api/v1/performance/interviews/{pk}/acknowledge",
        json.dumps({"comment": "收到"}),
        content_type="application/json",
    )
    assert ack.json()["status"] == "acknowledged"
    again = sam.put(
        f"/api/v1/performance/interviews/{pk}/record",
        json.dumps(RECORD),
        content_type="application/json",
    )
    assert again.status_code == 409
    assert client_for(w.p.bob).get(f"/api/v1/performance/interviews/{pk}").status_code == 404
