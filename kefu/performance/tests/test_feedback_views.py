"""360-degree feedback: rounds, answers (final), raters never see others' answers, the
aggregate behind the anonymity threshold — pages and API."""

from __future__ import annotations

import json

import pytest

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.models import Notification
from kefu.performance.actions import feedback as actions
from kefu.performance.models import FeedbackRequest, PerformanceSettings
from kefu.performance.tests.methods_world import make_world

GOOD = {"empathy": 4, "collaboration": 3, "knowledge_sharing": 3, "innovation": 4}


@pytest.fixture
def w(personas):
    return make_world(personas)


def ask(w, rater, relation="peer", agent=None):
    return actions.request_feedback(w.cycle, agent or w.alice, rater, relation, user=w.p.mia)


def answered(w, rater, comment="", relation="peer", **scores):
    row = ask(w, rater, relation)
    return actions.answer(row, {**GOOD, **scores}, comment, user=rater)


def test_a_round_asks_self_peers_supervisor_and_another_team_once(w):
    team = w.alice.team
    made = actions.send_round(w.cycle, team, user=w.p.sam)
    pairs = {(r.agent.external_id, r.rater.username, r.relation) for r in made}
    assert pairs == {
        ("A0007", "alice", "self"), ("A0007", "sam", "supervisor"), ("A0007", "bob", "other_team"),
        ("A0001", "sam", "self"), ("A0001", "alice", "peer"), ("A0001", "bob", "other_team"),
    }  # fmt: skip
    assert Notification.objects.filter(kind="performance.feedback").count() == 3  # one per rater
    assert actions.send_round(w.cycle, team, user=w.p.sam) == []  # nobody asked again
    with pytest.raises(NotAllowed):
        actions.send_round(w.cycle, w.bob.team, user=w.p.sam)  # not his team


def test_the_round_form_sends_and_another_team_is_refused(w):
    client = client_for(w.p.sam)
    response = client.post(
        "/performance/feedback/round/", {"cycle": w.cycle.pk, "team": w.alice.team_id}
    )
    assert response.status_code == 302 and FeedbackRequest.objects.count() == 6
    client.post("/performance/feedback/round/", {"cycle": w.cycle.pk, "team": w.bob.team_id})
    assert not FeedbackRequest.objects.filter(agent=w.bob).exists()
    assert client_for(w.p.alice).post("/performance/feedback/round/", {}).status_code == 403


def test_a_rater_answers_once(w):
    row = ask(w, w.p.quinn)
    client = client_for(w.p.quinn)
    assert "李娜" in client.get("/performance/feedback/").content.decode()
    data = {**{k: str(v) for k, v in GOOD.items()}, "comment": "乐于分享话术"}
    assert client.post(f"/performance/feedback/{row.pk}/", data).status_code == 302
    row.refresh_from_db()
    assert row.answers == GOOD and row.submitted_at is not None
    # final: a second submission changes nothing
    again = {**data, "empathy": "1"}
    page = client.post(f"/performance/feedback/{row.pk}/", again, follow=True).content.decode()
    assert "评估一经提交不可修改。" in page
    row.refresh_from_db()
    assert row.answers["empathy"] == 4
    with pytest.raises(Conflict):
        actions.answer(row, GOOD, "", user=w.p.quinn)


def test_answers_must_cover_every_dimension_1_to_5(w):
    row = ask(w, w.p.quinn)
    with pytest.raises(Invalid):
        actions.answer(row, {**GOOD, "innovation": 6}, "", user=w.p.quinn)
    with pytest.raises(Invalid):
        actions.answer(row, {"empathy": 3}, "", user=w.p.quinn)
    api = client_for(w.p.quinn).post(
        f"/api/v1/performance/feedback/{row.pk}/answer",
        json.dumps({"answers": {**GOOD, "innovation": 0}}), content_type="application/json",
    )  # fmt: skip
    assert api.status_code == 422
    assert api.json()["detail"] == "请为每个维度打 1 到 5 分。"
    with pytest.raises(NotAllowed):
        actions.answer(row, GOOD, "", user=w.p.tina)  # not the rater


def test_a_rater_cannot_read_another_raters_answer(w):
    row = answered(w, w.p.quinn, "很有同理心")
    for user in (w.p.tina, w.p.alice, w.p.sam, w.p.mia, w.p.adam):
        client = client_for(user)
        assert client.get(f"/performance/feedback/{row.pk}/").status_code == 404
        assert client.get(f"/api/v1/performance/feedback/{row.pk}").status_code == 404
        assert row.pk not in [r["id"] for r in client.get("/api/v1/performance/feedback").json()]
        assert "很有同理心" not in client.get("/performance/feedback/").content.decode()
    # the rater reads their own
    assert (
        client_for(w.p.quinn).get(f"/api/v1/performance/feedback/{row.pk}").json()["answers"]
        == GOOD
    )


def summary_url(w, api=False) -> str:
    if api:
        return f"/api/v1/performance/feedback/summary/{w.cycle.pk}/{w.alice.pk}"
    return f"/performance/feedback/cycle/{w.cycle.pk}/agent/{w.alice.pk}/"


def test_two_answers_show_nothing_but_the_count(w):
    answered(w, w.p.quinn, "很有同理心")
    answered(w, w.p.tina, "跨组协作积极", empathy=2)
    answered(w, w.p.alice, "自评", relation="self", empathy=5)  # self: not counted
    for user in (w.p.alice, w.p.sam, w.p.mia):
        page = client_for(user).get(summary_url(w)).content.decode()
        assert "2 人已作答（不含自评）。" in page
        assert "至少 3 人作答后才显示平均分和评语" in page
        for hidden in ("很有同理心", "跨组协作积极", "feedback-means", "quinn", "tina"):
            assert hidden not in page
        api = client_for(user).get(summary_url(w, api=True)).json()
        assert (api["raters"], api["shown"], api["means"], api["comments"]) == (2, False, {}, [])


def test_three_answers_show_means_and_comments_without_names(w):
    answered(w, w.p.quinn, "很有同理心")
    answered(w, w.p.tina, "跨组协作积极", empathy=2)
    answered(w, w.p.olga, "", innovation=5)
    page = client_for(w.p.sam).get(summary_url(w)).content.decode()
    assert "3 人已作答" in page
    assert "很有同理心" in page and "跨组协作积极" in page
    for name in ("quinn", "tina", "olga", "同组同事"):
        assert name not in page
    api = client_for(w.p.sam).get(summary_url(w, api=True)).json()
    assert api["shown"] and api["means"]["empathy"] == pytest.approx(10 / 3)
    assert api["means"]["innovation"] == pytest.approx(13 / 3)


def test_the_threshold_is_a_setting(w):
    settings = PerformanceSettings.current()
    settings.anonymity_threshold = 2
    settings.save()
    answered(w, w.p.quinn, "很有同理心")
    answered(w, w.p.tina)
    assert client_for(w.p.mia).get(summary_url(w, api=True)).json()["shown"] is True


def test_the_aggregate_is_for_the_agent_supervisors_and_managers_and_audited(w):
    answered(w, w.p.quinn)
    assert client_for(w.p.bob).get(summary_url(w)).status_code == 404
    assert client_for(w.p.bob).get(summary_url(w, api=True)).status_code == 404
    assert client_for(w.p.quinn).get(summary_url(w)).status_code == 404  # a rater is not a reader
    client_for(w.p.alice).get(summary_url(w))
    assert not AuditLog.objects.filter(action="performance.view").exists()
    client_for(w.p.sam).get(summary_url(w))
    assert AuditLog.objects.get(action="performance.view").detail["what"] == "feedback"


def test_only_the_agent_answers_as_self(w):
    with pytest.raises(Invalid):
        ask(w, w.p.quinn, relation="self")
    with pytest.raises(Invalid):
        ask(w, w.p.alice, relation="peer")
    ask(w, w.p.quinn)
    with pytest.raises(Conflict):
        ask(w, w.p.quinn)  # never the same person twice
