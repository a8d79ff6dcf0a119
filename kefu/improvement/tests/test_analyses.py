"""Analyses (5-Why, fishbone, case retrospective) with the right and the wrong role: QA
specialists write, supervisors read, agents are refused; root causes must belong to the
problem; linked conversations must exist and be visible; the retrospective's Excel
export; the hand-offs."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from conftest import client_for
from kefu.accounts.models import Agent
from kefu.audit.models import AuditAction, AuditLog
from kefu.improvement import actions_analysis, handoffs
from kefu.improvement.choices import CauseKind
from kefu.improvement.core import fishbone as fishbone_core
from kefu.improvement.models import FiveWhy, Project, Retrospective
from kefu.improvement.selectors import cause_nodes
from kefu.lib.errors import Invalid, NotAllowed
from kefu.notifications.models import Notification


def cause(problem: str, name: str):
    return cause_nodes(problem).get(name=name)


def five_why(user, **over):
    data = {
        "title": "退款慢的原因",
        "problem": "退款到账慢",
        "root_cause": cause("退款到账慢", "培训缺失"),
        "whys": ["客服没有提交加急", "不知道加急流程", "新人培训没讲"],
        "conversations": ["CMP-0", "CMP-4"],
        **over,
    }
    return actions_analysis.save_five_why(data, user=user)


# --- actions -------------------------------------------------------------------------------
def test_a_qa_specialist_writes_a_five_why_and_it_is_audited(complaints):
    p = complaints
    # when
    analysis = five_why(p.quinn)
    # then
    assert analysis.whys == ["客服没有提交加急", "不知道加急流程", "新人培训没讲"]
    assert analysis.root_cause.name == "培训缺失" and analysis.created_by == p.quinn
    assert sorted(c.external_id for c in analysis.conversations.all()) == ["CMP-0", "CMP-4"]
    log = AuditLog.objects.get(object_type="improvement.fivewhy", object_id=str(analysis.pk))
    assert log.user == p.quinn and log.detail["conversations"] == ["CMP-0", "CMP-4"]


def test_an_agent_and_a_supervisor_cannot_write(complaints):
    for user in (complaints.alice, complaints.sam):
        with pytest.raises(NotAllowed):
            five_why(user)
    assert not FiveWhy.objects.exists()


def test_the_root_cause_must_belong_to_the_problem(complaints):
    with pytest.raises(Invalid, match="退款到账慢"):  # names the problem
        five_why(complaints.quinn, root_cause=cause("物流延迟", cause_nodes("物流延迟")[0].name))
    with pytest.raises(Invalid):
        five_why(complaints.quinn, problem="没有这个问题")


def test_unknown_and_invisible_conversations_are_refused_alike(complaints):
    with pytest.raises(Invalid) as unknown:
        five_why(complaints.quinn, conversations=["CMP-0", "NOPE-1"])
    assert "NOPE-1" in str(unknown.value)
    # a writer who may not see bob's conversation: an otherwise empowered user without
    # "see every conversation" (a supervisor of another team given the permission)
    from django.contrib.auth.models import Permission

    sam = complaints.sam
    sam.user_permissions.add(Permission.objects.get(codename="manage_improvement"))
    sam = type(sam).objects.get(pk=sam.pk)  # fresh permission cache
    with pytest.raises(Invalid) as invisible:
        five_why(sam, conversations=["CMP-4"])  # bob's team
    assert "CMP-4" in str(invisible.value)
    assert five_why(sam, conversations=["CMP-0"]).conversations.count() == 1


def test_whys_need_the_first_answer_no_gaps_at_most_five(complaints):
    q = complaints.quinn
    with pytest.raises(Invalid):
        five_why(q, whys=["", ""])
    with pytest.raises(Invalid):
        five_why(q, whys=["一", "", "三"])
    with pytest.raises(Invalid):
        five_why(q, whys=["一", "二", "三", "四", "五", "六"])
    assert five_why(q, whys=["一", "", ""]).whys == ["一"]


def test_editing_keeps_links_the_editor_cannot_see(complaints):
    from django.contrib.auth.models import Permission

    analysis = five_why(complaints.quinn)  # CMP-0 (alice) and CMP-4 (bob)
    sam = complaints.sam
    sam.user_permissions.add(Permission.objects.get(codename="manage_improvement"))
    sam = type(sam).objects.get(pk=sam.pk)
    actions_analysis.save_five_why(
        {
            "title": "改",
            "problem": "退款到账慢",
            "root_cause": analysis.root_cause,
            "whys": ["一"],
            "conversations": ["CMP-1"],
        },
        user=sam,
        analysis=analysis,
    )
    linked = sorted(c.external_id for c in analysis.conversations.all())
    assert linked == ["CMP-1", "CMP-4"]  # CMP-0 replaced, bob's CMP-4 untouched


def test_a_fishbone_keeps_its_categories_and_refuses_unknown_ones(complaints):
    q = complaints.quinn
    data = {
        "title": "物流鱼骨图",
        "problem": "物流延迟",
        "root_cause": None,
        "causes": {"people": "新人不熟悉\n\n 夜班人手少 ", "system": ["物流接口超时"]},
        "conversations": [],
    }
    fishbone = actions_analysis.save_fishbone(data, user=q)
    assert fishbone.causes["people"] == ["新人不熟悉", "夜班人手少"]
    assert fishbone.causes["system"] == ["物流接口超时"] and fishbone.causes["process"] == []
    with pytest.raises(Invalid):
        actions_analysis.save_fishbone({**data, "causes": {"weather": ["雨"]}}, user=q)
    with pytest.raises(Invalid):
        actions_analysis.save_fishbone({**data, "causes": {"people": ""}}, user=q)


def test_the_fishbone_layout_puts_half_the_bones_above():
    categories = [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")]
    d = fishbone_core.layout(categories, {"a": ["x"] * 8, "d": ["一个很长很长很长很长的原因描述"]})
    above = [b for b in d.bones if b.y1 < d.spine_y]
    assert [b.category for b in above] == ["a", "b"]
    assert all(b.y2 == d.spine_y for b in d.bones)
    # the bone with eight causes is taller than the minimum; ribs lie on the bone
    a = d.bones[0]
    assert d.spine_y - a.y1 == fishbone_core.RIB * 9 and len(a.ribs) == 8
    assert all(a.y1 < r.y < d.spine_y for r in a.ribs)
    long = d.bones[3].ribs[0]
    assert long.text.endswith("…") and len(long.text) == fishbone_core.MAX_CHARS
    assert long.full == "一个很长很长很长很长的原因描述"


# --- pages ---------------------------------------------------------------------------------
def _post_five_why(client, **over):
    data = {
        "title": "页面上的分析",
        "problem": "退款到账慢",
        "root_cause": cause("退款到账慢", "流程冗余").pk,
        "why1": "审核要两级",
        "why2": "规则没有更新",
        "conversations": "CMP-0, CMP-1",
        **over,
    }
    return client.post(reverse("improvement:fivewhy_new"), data)


def test_the_pages_qa_writes_supervisor_reads_agent_403(complaints):
    p = complaints
    response = _post_five_why(client_for(p.quinn))
    analysis = FiveWhy.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "improvement:fivewhy", args=[analysis.pk]
    )
    assert analysis.whys == ["审核要两级", "规则没有更新"]
    detail = reverse("improvement:fivewhy", args=[analysis.pk])
    html = client_for(p.sam).get(detail).content.decode()
    assert "审核要两级" in html and "流程冗余" in html
    assert client_for(p.sam).get(reverse("improvement:fivewhy_list")).status_code == 200
    assert _post_five_why(client_for(p.sam)).status_code == 403
    assert client_for(p.alice).get(reverse("improvement:fivewhy_list")).status_code == 403
    assert client_for(p.alice).get(detail).status_code == 404
    assert _post_five_why(client_for(p.alice)).status_code == 403
    edit = reverse("improvement:fivewhy_edit", args=[analysis.pk])
    assert client_for(p.sam).get(edit).status_code == 403
    assert client_for(p.quinn).get(edit).status_code == 200


def test_the_page_shows_the_refusals(complaints):
    client = client_for(complaints.quinn)
    wrong = _post_five_why(
        client, root_cause=cause("退款到账慢", "流程冗余").pk, problem="物流延迟"
    )
    assert wrong.status_code == 200 and "root_cause" in wrong.context["form"].errors
    unknown = _post_five_why(client, conversations="CMP-0 NOPE-9")
    assert unknown.status_code == 200 and "NOPE-9" in unknown.content.decode()
    assert not FiveWhy.objects.exists()


def test_linked_conversations_are_listed_only_to_who_may_see_them(complaints):
    analysis = five_why(complaints.quinn)  # CMP-0 (alice, sam's team), CMP-4 (bob)
    url = reverse("improvement:fivewhy", args=[analysis.pk])
    sam = client_for(complaints.sam).get(url).content.decode()
    assert "CMP-0" in sam and "CMP-4" not in sam
    mia = client_for(complaints.mia).get(url).content.decode()
    assert "CMP-0" in mia and "CMP-4" in mia


def test_the_list_filters_by_problem(complaints):
    five_why(complaints.quinn)
    five_why(
        complaints.quinn,
        title="物流",
        problem="物流延迟",
        root_cause=None,
        conversations=[],
    )
    client = client_for(complaints.sam)
    page = client.get(reverse("improvement:fivewhy_list"), {"problem": "物流延迟"})
    assert [a.title for a in page.context["page"]] == ["物流"]
    assert client.get(reverse("improvement:fivewhy_list")).context["page"].paginator.count == 2


def test_the_fishbone_page_draws_the_diagram(complaints):
    fishbone = actions_analysis.save_fishbone(
        {
            "title": "鱼骨",
            "problem": "物流延迟",
            "root_cause": None,
            "causes": {"people": ["夜班人手少"], "measurement": ["时效没有统计"]},
            "conversations": [],
        },
        user=complaints.quinn,
    )
    html = client_for(complaints.sam).get(reverse("improvement:fishbone", args=[fishbone.pk]))
    body = html.content.decode()
    assert body.count('class="fishbone-bone"') == 6
    assert "夜班人手少" in body.split('data-category="people"', 1)[1].split("</g>", 1)[0]


# --- the retrospective's export ------------------------------------------------------------
def _retrospective(user) -> Retrospective:
    return actions_analysis.save_retrospective(
        {
            "title": "退款投诉复盘",
            "problem": "退款到账慢",
            "root_cause": cause("退款到账慢", "流程冗余"),
            "background": "五月退款投诉上升",
            "description": "客户等待超过七天",
            "handling": "主管回访并加急",
            "result": "投诉下降",
            "conversations": ["CMP-0", "CMP-4"],
        },
        user=user,
    )


def test_the_export_holds_the_sections_and_masks_the_customer(complaints):
    retro = _retrospective(complaints.quinn)
    url = reverse("improvement:retrospective_export", args=[retro.pk])
    response = client_for(complaints.mia).get(url)  # mia may see personal data: still masked
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    # the sections in their order: title, problem, root cause, background, problem
    # description, handling, result and impact, written by, written on
    values = [row[1] for row in book.worksheets[0].iter_rows(values_only=True)]
    assert values[:7] == [
        "退款投诉复盘",
        "退款到账慢",
        values[2],
        "五月退款投诉上升",
        "客户等待超过七天",
        "主管回访并加急",
        "投诉下降",
    ]
    assert values[2].startswith("流程冗余") and values[7] == "quinn"
    rows = list(book.worksheets[1].iter_rows(values_only=True))
    assert len(rows[0]) == 6  # id, time, channel, agent, customer, problem
    by_id = {r[0]: r for r in rows[1:]}
    assert set(by_id) == {"CMP-0", "CMP-4"}
    assert by_id["CMP-0"][4] == "王*" and "王芳" not in str(rows)
    assert by_id["CMP-0"][1].startswith("2024-05-10")
    log = AuditLog.objects.get(action=AuditAction.EXPORT, object_type="improvement.retrospective")
    assert log.user == complaints.mia and log.detail["conversations"] == 2


def test_the_export_lists_only_visible_conversations_and_refuses_agents(complaints):
    retro = _retrospective(complaints.quinn)
    url = reverse("improvement:retrospective_export", args=[retro.pk])
    book = load_workbook(io.BytesIO(client_for(complaints.sam).get(url).content))
    ids = [r[0] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)]
    assert ids == ["CMP-0"]
    assert client_for(complaints.alice).get(url).status_code == 404
    assert AuditLog.objects.filter(action=AuditAction.EXPORT).count() == 1  # sam's only


# --- hand-offs -----------------------------------------------------------------------------
def test_missing_training_hands_off_to_the_trainers(complaints):
    p = complaints
    analysis = five_why(p.quinn)  # root cause 培训缺失 (missing training)
    url = reverse("improvement:fivewhy_handoff", args=[analysis.pk])
    assert client_for(p.sam).post(url).status_code == 403
    assert not Notification.objects.exists()
    response = client_for(p.quinn).post(url)
    assert response.status_code == 302
    # every holder of the training permission: the trainer and the admin
    assert {n.recipient for n in Notification.objects.all()} == {p.tina, p.adam}
    note = Notification.objects.get(recipient=p.tina)
    assert note.kind == "improvement.training_request"
    assert note.url == reverse("improvement:fivewhy", args=[analysis.pk])
    assert note.params["cause"] == "培训缺失"
    names = Agent.objects.filter(external_id__in=["A0007", "A0102"]).values_list("name", flat=True)
    assert sorted(note.params["agents"].split(", ")) == sorted(names)
    log = AuditLog.objects.get(action=AuditAction.TRAINING)
    assert log.detail["handoff"] == "training" and sorted(log.detail["agents"]) == [
        "A0007",
        "A0102",
    ]
    page = client_for(p.quinn).get(reverse("improvement:fivewhy", args=[analysis.pk]))
    assert 'id="last-handoff"' in page.content.decode()


def test_a_project_with_missing_training_hands_off_too(complaints):
    p = complaints
    from datetime import date

    project = Project.objects.create(
        title="培训项目",
        owner=p.mia,
        problem="退款到账慢",
        root_cause=cause("退款到账慢", "培训缺失"),
        start=date(2024, 6, 1),
    )
    page = client_for(p.mia).get(reverse("improvement:project", args=[project.pk]))
    assert 'id="handoff-button"' in page.content.decode()
    client_for(p.mia).post(reverse("improvement:project_handoff", args=[project.pk]))
    log = AuditLog.objects.get(action=AuditAction.TRAINING, object_type="improvement.project")
    assert log.detail["agents"] == ["A0007"]  # alice's refund complaints
    assert Notification.objects.filter(recipient=p.tina).count() == 1


def test_a_knowledge_gap_becomes_a_request_for_a_new_article(complaints):
    from kefu.knowledge.choices import RequestKind
    from kefu.knowledge.models import ChangeRequest

    analysis = five_why(
        complaints.quinn,
        problem="商品咨询",
        root_cause=cause("商品咨询", "商品信息不清晰"),
        conversations=[],
    )
    assert handoffs.for_kind(CauseKind.KNOWLEDGE_GAP).available  # the knowledge app's
    page = client_for(complaints.quinn).get(reverse("improvement:fivewhy", args=[analysis.pk]))
    assert 'id="handoff-button"' in page.content.decode()
    refused = client_for(complaints.alice).post(
        reverse("improvement:fivewhy_handoff", args=[analysis.pk])
    )

    response = client_for(complaints.quinn).post(
        reverse("improvement:fivewhy_handoff", args=[analysis.pk])
    )

    assert refused.status_code in (403, 404) and response.status_code == 302
    request = ChangeRequest.objects.get()
    assert request.kind == RequestKind.NEW and request.requested_by == complaints.quinn
    assert request.title == "商品咨询：商品信息不清晰" and analysis.title in request.reason
    page = client_for(complaints.quinn).get(reverse("improvement:fivewhy", args=[analysis.pk]))
    assert "handoff" in page.content.decode()  # the last hand-off is shown


def test_a_registered_handler_is_called(complaints, monkeypatch):
    calls = []
    monkeypatch.setitem(
        handoffs.HANDOFFS,
        CauseKind.KNOWLEDGE_GAP,
        handoffs.Handoff("KB", lambda subject, **kw: calls.append(subject) or 1),
    )
    analysis = five_why(
        complaints.quinn,
        problem="商品咨询",
        root_cause=cause("商品咨询", "商品信息不清晰"),
        conversations=[],
    )
    client_for(complaints.quinn).post(reverse("improvement:fivewhy_handoff", args=[analysis.pk]))
    assert calls == [FiveWhy.objects.get(pk=analysis.pk)]


def test_the_list_page_and_the_api_list_read_in_constant_queries(complaints):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(complaints.sam)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    page, api = reverse("improvement:fivewhy_list"), "/api/v1/improvement/five-whys"
    five_why(complaints.quinn)
    count(page), count(api)  # warm the caches (permissions, scope)
    one = count(page), count(api)
    for i in range(3):
        five_why(complaints.quinn, title=f"第 {i} 个", conversations=["CMP-1", "CMP-5"])
    assert (count(page), count(api)) == one
