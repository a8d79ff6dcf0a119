"""Behaviour ratings (行为锚定法) pages: rating with evidence, blind mode, who may rate
whom, the agent's own ratings, the scales."""

from __future__ import annotations

import pytest

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.lib.errors import Conflict, Invalid, NotAllowed
from kefu.notifications.models import Notification
from kefu.performance.actions import ratings as actions
from kefu.performance.models import BarsRating
from kefu.performance.tests.methods_world import make_world

NO_EVIDENCE = "每条评分至少需要关联一段该客服在本周期内的会话作为证据。"


@pytest.fixture
def w(personas):
    return make_world(personas)


def form_url(w, agent) -> str:
    return f"/performance/ratings/cycle/{w.cycle.pk}/agent/{agent.pk}/"


def post_rating(client, url, w, level=4, evidence=("C-AL-0",)):
    data = {"scale": "attitude", "attitude-level": level, "attitude-comment": "安抚到位"}
    data["attitude-evidence"] = [w.conv[e].pk for e in evidence]
    return client.post(url, data)


def test_it_records_a_rating_with_evidence_and_tells_the_agent(w):
    # when sam rates alice's service attitude with one of her May conversations
    response = post_rating(
        client_for(w.p.sam), form_url(w, w.alice), w, evidence=("C-AL-0", "C-AL-2")
    )
    # then the rating is stored with its evidence, not blind
    assert response.status_code == 302
    rating = BarsRating.objects.get()
    assert (rating.agent, rating.rater, rating.level, rating.blind) == (w.alice, w.p.sam, 4, False)
    assert {c.external_id for c in rating.evidence.all()} == {"C-AL-0", "C-AL-2"}
    # and alice is told, and the write is audited
    note = Notification.objects.get(recipient=w.p.alice, kind="performance.rating")
    assert note.url == f"/performance/ratings/{rating.pk}/"
    assert AuditLog.objects.filter(action="performance.rating", object_id=str(rating.pk)).exists()
    # rating again changes the one rating
    post_rating(client_for(w.p.sam), form_url(w, w.alice), w, level=2)
    assert BarsRating.objects.get().level == 2


def test_it_refuses_a_rating_without_evidence_in_chinese(w):
    response = post_rating(client_for(w.p.sam), form_url(w, w.alice), w, evidence=())
    assert response.status_code == 200
    assert NO_EVIDENCE in response.content.decode()
    assert not BarsRating.objects.exists()


@pytest.mark.parametrize(
    "evidence",
    [("C-BOB-1",), ("C-AL-JUNE",), ("C-AL-0", "C-BOB-1")],
    ids=["another agent's", "outside the cycle", "one of them wrong"],
)
def test_evidence_must_be_the_agents_conversation_in_the_cycle(w, evidence):
    with pytest.raises(Invalid):
        actions.rate(
            cycle=w.cycle, agent=w.alice, scale=w.attitude, level=3, user=w.p.mia,
            evidence=[w.conv[e].pk for e in evidence],
        )  # fmt: skip
    assert not BarsRating.objects.exists()


def test_evidence_must_be_a_conversation_the_rater_may_open(w):
    from kefu.interactions.models import Conversation

    # alice's C-AL-0 was handled outside sam's team: sam may not open it
    Conversation.objects.filter(pk=w.conv["C-AL-0"].pk).update(team=None)
    with pytest.raises(Invalid):
        actions.rate(cycle=w.cycle, agent=w.alice, scale=w.attitude, level=3, user=w.p.sam,
                     evidence=[w.conv["C-AL-0"].pk])  # fmt: skip


def test_an_agent_cannot_rate(w):
    client = client_for(w.p.alice)
    assert client.get(form_url(w, w.bob)).status_code == 403
    assert post_rating(client, form_url(w, w.bob), w, evidence=("C-BOB-1",)).status_code == 403
    with pytest.raises(NotAllowed):
        actions.rate(cycle=w.cycle, agent=w.bob, scale=w.attitude, level=3, user=w.p.alice,
                     evidence=[w.conv["C-BOB-1"].pk])  # fmt: skip


def test_a_supervisor_of_another_team_gets_404(w):
    client = client_for(w.p.sam)
    assert client.get(form_url(w, w.bob)).status_code == 404
    assert post_rating(client, form_url(w, w.bob), w, evidence=("C-BOB-1",)).status_code == 404
    assert not BarsRating.objects.exists()


def test_nobody_rates_themself(w):
    assert client_for(w.p.sam).get(form_url(w, w.sam_agent)).status_code == 404
    with pytest.raises(NotAllowed):
        actions.rate(cycle=w.cycle, agent=w.sam_agent, scale=w.attitude, level=5, user=w.p.sam,
                     evidence=[])  # fmt: skip


def test_a_closed_cycle_takes_no_rating(w):
    assert (
        client_for(w.p.sam)
        .get(f"/performance/ratings/cycle/{w.closed.pk}/agent/{w.alice.pk}/")
        .status_code
        == 404
    )
    with pytest.raises(Conflict):
        actions.rate(cycle=w.closed, agent=w.alice, scale=w.attitude, level=3, user=w.p.mia,
                     evidence=[w.conv["C-AL-0"].pk])  # fmt: skip


def test_blind_mode_hides_names_and_ids_and_is_recorded(w):
    client = client_for(w.p.mia)
    # given blind mode switched on (kept in the session)
    page = client.get(f"/performance/ratings/?cycle={w.cycle.pk}&blind=1").content.decode()
    assert "客服 #1" in page
    for name in ("李娜", "A0007", "王强", "A0102", f"/agent/{w.alice.pk}/"):
        assert name not in page
    page = client.get(f"/performance/ratings/?cycle={w.cycle.pk}").content.decode()
    assert "客服 #1" in page and "李娜" not in page  # still blind without the parameter
    # when the manager opens each slot, the agent's name is masked in the evidence too
    order = client.session["performance_blind_order"][str(w.cycle.pk)]
    slot = order.index(w.alice.pk) + 1
    url = f"/performance/ratings/cycle/{w.cycle.pk}/blind/{slot}/"
    form = client.get(url).content.decode()
    assert "我的退款怎么还没到" in form  # the excerpt is there
    for name in ("李娜", "A0007", "/conversations/C-AL-0/"):
        assert name not in form
    assert f"您好，我是客服 #{slot}（工号 客服 #{slot}）" in form
    # then the rating made there is recorded as blind, about alice
    assert post_rating(client, url, w).status_code == 302
    rating = BarsRating.objects.get()
    assert (rating.agent, rating.blind) == (w.alice, True)
    # and switching it off shows names again
    page = client.get(f"/performance/ratings/?cycle={w.cycle.pk}&blind=0").content.decode()
    assert "李娜" in page


def test_a_blind_slot_outside_the_list_is_404(w):
    assert (
        client_for(w.p.sam).get(f"/performance/ratings/cycle/{w.cycle.pk}/blind/99/").status_code
        == 404
    )


def rated(w, rater=None, blind=False):
    return actions.rate(
        cycle=w.cycle, agent=w.alice, scale=w.attitude, level=4, user=rater or w.p.sam,
        evidence=[w.conv["C-AL-1"].pk], comment="耐心解释退款进度", blind=blind,
    )  # fmt: skip


def test_the_agent_sees_her_ratings_with_anchors_and_opens_the_evidence(w):
    rating = rated(w)
    client = client_for(w.p.alice)
    page = client.get("/performance/ratings/").content.decode()
    assert "主动共情，预判客户顾虑" in page  # level 4's anchor
    assert "/conversations/C-AL-1/" in page
    detail = client.get(f"/performance/ratings/{rating.pk}/").content.decode()
    assert "在困难对话中扭转客户情绪" in detail  # every level's anchor is shown
    assert client.get("/conversations/C-AL-1/").status_code == 200
    # her own views are not audited
    assert not AuditLog.objects.filter(action="performance.view").exists()


def test_others_open_a_rating_by_scope_and_it_is_audited(w):
    rating = rated(w)
    url = f"/performance/ratings/{rating.pk}/"
    assert client_for(w.p.bob).get(url).status_code == 404
    assert client_for(w.p.quinn).get(url).status_code == 404
    assert client_for(w.p.sam).get(url).status_code == 200
    assert client_for(w.p.mia).get(f"/performance/ratings/agent/{w.alice.pk}/").status_code == 200
    views = AuditLog.objects.filter(action="performance.view").order_by("pk")
    assert [(v.user, v.detail["what"], v.detail["agent"]) for v in views] == [
        (w.p.sam, "rating", w.alice.pk),
        (w.p.mia, "ratings", w.alice.pk),
    ]
    assert client_for(w.p.bob).get(f"/performance/ratings/agent/{w.alice.pk}/").status_code == 404


def test_a_manager_edits_a_scale_and_others_may_not(w):
    url = f"/performance/ratings/scales/{w.attitude.pk}/"
    assert client_for(w.p.sam).get(url).status_code == 403
    anchors = {f"anchor_{i}": f"第{i}级" for i in range(1, 4)}
    response = client_for(w.p.mia).post(url, {"name": "服务态度", **anchors, "active": "on"})
    assert response.status_code == 302
    w.attitude.refresh_from_db()
    assert w.attitude.levels == [{"level": i, "anchor": f"第{i}级"} for i in (1, 2, 3)]
    assert w.attitude.code == "attitude"  # the code never changes
    assert AuditLog.objects.filter(action="performance.scale").exists()


def test_a_level_in_use_cannot_be_removed(w):
    rated(w)  # level 4
    anchors = {f"anchor_{i}": f"第{i}级" for i in range(1, 4)}
    page = client_for(w.p.mia).post(
        f"/performance/ratings/scales/{w.attitude.pk}/",
        {"name": "服务态度", **anchors, "active": "on"},
    )
    assert page.status_code == 200
    w.attitude.refresh_from_db()
    assert len(w.attitude.levels) == 5


def test_a_manager_creates_a_scale(w):
    data = {
        "code": "empathy",
        "name": "同理心",
        "anchor_1": "冷漠",
        "anchor_2": "礼貌",
        "anchor_3": "共情",
        "active": "on",
    }
    assert client_for(w.p.mia).post("/performance/ratings/scales/new/", data).status_code == 302
    assert (
        client_for(w.p.mia)
        .get(f"/performance/ratings/?cycle={w.cycle.pk}")
        .content.decode()
        .count("同理心")
        >= 1
    )
