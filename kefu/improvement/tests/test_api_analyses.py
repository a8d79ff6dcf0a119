"""REST API of the analyses with the right and the wrong role."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from conftest import client_for
from kefu.audit.models import AuditAction, AuditLog
from kefu.improvement.models import Fishbone, FiveWhy, Retrospective
from kefu.improvement.selectors import cause_nodes

BASE = "/api/v1/improvement"


def send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def _five_why(**over) -> dict:
    return {
        "title": "接口分析",
        "problem": "退款到账慢",
        "root_cause_id": cause_nodes("退款到账慢").get(name="培训缺失").pk,
        "whys": ["一", "二"],
        "conversations": ["CMP-0", "CMP-4"],
        **over,
    }


def test_a_qa_specialist_creates_and_updates_a_five_why(complaints):
    client = client_for(complaints.quinn)
    created = send(client, "post", f"{BASE}/five-whys", _five_why())
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["whys"] == ["一", "二"] and body["root_cause"] == "培训缺失"
    assert body["root_cause_kind"] == "missing_training"
    assert sorted(body["conversations"]) == ["CMP-0", "CMP-4"]
    url = f"{BASE}/five-whys/{body['id']}"
    updated = send(client, "put", url, _five_why(whys=["改"], conversations=["CMP-1"]))
    assert updated.status_code == 200 and updated.json()["whys"] == ["改"]
    assert FiveWhy.objects.get().conversations.get().external_id == "CMP-1"


def test_roles_supervisor_reads_agent_refused(complaints):
    p = complaints
    send(client_for(p.quinn), "post", f"{BASE}/five-whys", _five_why())
    pk = FiveWhy.objects.get().pk
    sam = client_for(p.sam)
    assert [a["conversations"] for a in sam.get(f"{BASE}/five-whys").json()] == [["CMP-0"]]
    assert sam.get(f"{BASE}/five-whys/{pk}").status_code == 200
    assert send(sam, "post", f"{BASE}/five-whys", _five_why()).status_code == 403
    alice = client_for(p.alice)
    assert alice.get(f"{BASE}/five-whys").status_code == 403
    assert alice.get(f"{BASE}/five-whys/{pk}").status_code == 403
    assert send(alice, "put", f"{BASE}/five-whys/{pk}", _five_why()).status_code == 403
    assert client_for().get(f"{BASE}/five-whys").status_code == 401


def test_validation_errors_are_422(complaints):
    client = client_for(complaints.quinn)
    other = cause_nodes("物流延迟").first()
    wrong = send(client, "post", f"{BASE}/five-whys", _five_why(root_cause_id=other.pk))
    assert wrong.status_code == 422 and other.name in wrong.json()["detail"]
    unknown = send(client, "post", f"{BASE}/five-whys", _five_why(conversations=["NOPE"]))
    assert unknown.status_code == 422 and "NOPE" in unknown.json()["detail"]
    assert send(client, "post", f"{BASE}/five-whys", _five_why(whys=[])).status_code == 422
    assert not FiveWhy.objects.exists()


def test_the_list_filters_by_problem(complaints):
    client = client_for(complaints.quinn)
    send(client, "post", f"{BASE}/five-whys", _five_why())
    send(client, "post", f"{BASE}/five-whys", _five_why(problem="物流延迟", root_cause_id=None))
    rows = client.get(f"{BASE}/five-whys", {"problem": "物流延迟"}).json()
    assert [r["problem"] for r in rows] == ["物流延迟"]
    rows = client.get(f"{BASE}/five-whys", {"kind": "missing_training"}).json()
    assert [r["problem"] for r in rows] == ["退款到账慢"]
    assert client.get(f"{BASE}/five-whys", {"kind": "nope"}).status_code == 422


def test_fishbones_and_retrospectives(complaints):
    client = client_for(complaints.quinn)
    fishbone = send(
        client,
        "post",
        f"{BASE}/fishbones",
        {"title": "鱼骨", "problem": "物流延迟", "causes": {"people": ["夜班人手少"]}},
    )
    assert fishbone.status_code == 201 and fishbone.json()["causes"]["people"] == ["夜班人手少"]
    bad = send(
        client, "post", f"{BASE}/fishbones",
        {"title": "鱼骨", "problem": "物流延迟", "causes": {"weather": ["雨"]}},
    )  # fmt: skip
    assert bad.status_code == 422 and Fishbone.objects.count() == 1
    retro = send(
        client,
        "post",
        f"{BASE}/retrospectives",
        {
            "title": "复盘",
            "problem": "退款到账慢",
            "background": "背景",
            "conversations": ["CMP-0"],
        },
    )
    assert retro.status_code == 201 and retro.json()["background"] == "背景"
    pk = retro.json()["id"]
    export = client_for(complaints.sam).get(f"{BASE}/retrospectives/{pk}/export.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert [r[0] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["CMP-0"]
    assert AuditLog.objects.filter(action=AuditAction.EXPORT, user=complaints.sam).count() == 1
    assert (
        client_for(complaints.alice).get(f"{BASE}/retrospectives/{pk}/export.xlsx").status_code
        == 403
    )
    assert Retrospective.objects.count() == 1
