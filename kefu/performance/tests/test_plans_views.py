"""Improvement plans: goals with a figure and a target, check-ins and coaching sessions,
lessons from training (optionally assigned), the outcome; who may do what; pages and
API."""

from __future__ import annotations

import json
from datetime import date

import pytest

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.models import Notification
from kefu.performance.actions import plans as actions
from kefu.performance.models import ImprovementPlan
from kefu.performance.tests.methods_world import make_world
from kefu.training.models import Assignment, Course, Lesson


@pytest.fixture
def w(personas):
    w = make_world(personas)
    course = Course.objects.create(title="首次响应提速")
    w.lesson = Lesson.objects.create(course=course, title="快捷短语与并发接待")
    return w


def opened(w, agent=None, user=None):
    return actions.open_plan(
        agent or w.alice, user=user or w.p.sam, title="首响提速计划", opened_on=date(2024, 6, 1),
        due_on=date(2024, 7, 31), goals=[("kpi.frt_mean_s", 48.0, 30.0)], cycle=w.cycle,
    )  # fmt: skip


def test_a_supervisor_opens_a_plan_and_follows_it_to_its_outcome(w):
    sam = client_for(w.p.sam)
    data = {
        "agent": w.alice.pk, "cycle": w.cycle.pk, "title": "首响提速计划",
        "opened_on": "2024-06-01", "due_on": "2024-07-31",
        "goal_1_source": "kpi.frt_mean_s", "goal_1_baseline": "48", "goal_1_target": "30",
        "goal_2_source": "qa.score", "goal_2_target": "90",
    }  # fmt: skip
    response = sam.post("/performance/plans/new/", data)
    plan = ImprovementPlan.objects.get()
    assert response.status_code == 302 and response.url == f"/performance/plans/{plan.pk}/"
    assert [(g.source, g.baseline, g.target) for g in plan.goals.all()] == [
        ("kpi.frt_mean_s", 48.0, 30.0),
        ("qa.score", None, 90.0),
    ]
    base = f"/performance/plans/{plan.pk}"
    sam.post(
        f"{base}/checkins/", {"on": "2024-06-10", "coaching": "on", "note": "一对一辅导：快捷短语"}
    )
    sam.post(f"{base}/checkins/", {"on": "2024-06-24", "note": "首响降到 36 秒"})
    sam.post(f"{base}/lessons/", {"lesson": w.lesson.pk, "assign": "on", "due_days": "10"})
    assert list(plan.lessons.all()) == [w.lesson]
    assignment = Assignment.objects.get(agent=w.alice, lesson=w.lesson)
    assert assignment.note == "首响提速计划"
    goals = list(plan.goals.all())
    sam.post(f"{base}/close/", {"status": "succeeded", "outcome": "首响 29 秒，达成",
                                f"result_{goals[0].pk}": "29", f"result_{goals[1].pk}": "91"})  # fmt: skip
    plan.refresh_from_db()
    assert (plan.status, plan.outcome) == ("succeeded", "首响 29 秒，达成")
    assert [g.result for g in plan.goals.all()] == [29.0, 91.0]
    assert [c.coaching for c in plan.checkins.all()] == [True, False]
    kinds = Notification.objects.filter(recipient=w.p.alice, kind="performance.plan").count()
    assert kinds == 4  # opened, two check-ins, closed
    steps = list(
        AuditLog.objects.filter(action="performance.plan")
        .order_by("pk")
        .values_list("detail__step", flat=True)
    )
    assert steps == ["open", "checkin", "checkin", "lesson", "close"]
    # the agent reads it all
    page = client_for(w.p.alice).get(f"{base}/").content.decode()
    assert (
        "一对一辅导：快捷短语" in page
        and "快捷短语与并发接待" in page
        and "首响 29 秒，达成" in page
    )
    assert 'id="close-form"' not in page


def test_a_closed_plan_takes_no_more_changes(w):
    plan = opened(w)
    actions.close_plan(plan, status="not_met", outcome="未达成", results={}, user=w.p.sam)
    with pytest.raises(Conflict):
        actions.add_checkin(plan, on=date(2024, 8, 1), note="补充", coaching=False, user=w.p.sam)


def test_goals_name_a_figure(w):
    with pytest.raises(Invalid):
        actions.open_plan(w.alice, user=w.p.sam, title="x", opened_on=date(2024, 6, 1),
                          due_on=date(2024, 7, 1), goals=[("首次响应", None, 30.0)])  # fmt: skip
    with pytest.raises(Invalid):
        actions.open_plan(w.alice, user=w.p.sam, title="x", opened_on=date(2024, 6, 1),
                          due_on=date(2024, 7, 1), goals=[])  # fmt: skip


def test_who_may_open_and_change_plans(w):
    assert client_for(w.p.alice).get("/performance/plans/new/").status_code == 403
    with pytest.raises(NotAllowed):
        opened(w, user=w.p.alice)
    with pytest.raises(NotAllowed):
        opened(w, agent=w.bob)  # sam: another team
    plan = opened(w, agent=w.bob, user=w.p.mia)
    url = f"/performance/plans/{plan.pk}/"
    assert client_for(w.p.sam).get(url).status_code == 404
    assert (
        client_for(w.p.sam)
        .post(f"/performance/plans/{plan.pk}/checkins/", {"on": "2024-06-10", "note": "x"})
        .status_code
        == 404
    )
    assert client_for(w.p.bob).get(url).status_code == 200
    assert (
        client_for(w.p.bob)
        .post(f"/performance/plans/{plan.pk}/checkins/", {"on": "2024-06-10", "note": "x"})
        .status_code
        == 302
    )
    assert not plan.checkins.exists()  # the agent does not write check-ins
    api = client_for(w.p.sam).post("/api/v1/performance/plans", json.dumps({
        "agent": "A0102", "title": "x", "opened_on": "2024-06-01", "due_on": "2024-07-01",
        "goals": [{"source": "qa.score", "target": 90}]}), content_type="application/json")  # fmt: skip
    assert api.status_code == 404


def test_assigning_a_lesson_follows_trainings_rule(w):
    plan = opened(w, user=w.p.mia)
    with pytest.raises(NotAllowed):  # a manager without training's permission cannot assign
        actions.link_lesson(plan, w.lesson, user=w.p.mia, assign_it=True)
    assert not plan.lessons.exists() and not Assignment.objects.exists()
    actions.link_lesson(plan, w.lesson, user=w.p.mia)
    assert list(plan.lessons.all()) == [w.lesson]


def test_plans_are_read_by_scope_and_audited(w):
    plan = opened(w)
    assert client_for(w.p.alice).get("/api/v1/performance/plans").json()[0]["id"] == plan.pk
    assert client_for(w.p.bob).get("/api/v1/performance/plans").json() == []
    assert client_for(w.p.bob).get(f"/api/v1/performance/plans/{plan.pk}").status_code == 404
    assert not AuditLog.objects.filter(action="performance.view").exists()
    out = client_for(w.p.mia).get(f"/api/v1/performance/plans/{plan.pk}").json()
    assert out["goals"][0]["source"] == "kpi.frt_mean_s"
    assert AuditLog.objects.get(action="performance.view").detail["what"] == "plan"
