"""REST API of root cause with the right and the wrong role."""

from __future__ import annotations

import json

from conftest import client_for
from kefu.improvement.models import Classification, Project, TaxonomyVersion
from kefu.interactions.models import Conversation

BASE = "/api/v1/improvement"


def send(client, method: str, url: str, body: dict):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_pareto_is_scoped_and_computed(complaints):
    mia = client_for(complaints.mia).get(f"{BASE}/pareto", {"month": "2024-05"}).json()
    assert mia["month"] == "2024-05" and mia["total"] == 6
    assert [(r["problem"], r["count"]) for r in mia["rows"]] == [("物流延迟", 3), ("退款到账慢", 3)]
    refund = mia["rows"][1]
    assert (refund["previous"], refund["change"], refund["cumulative"]) == (1, 2, 1.0)
    bob = client_for(complaints.bob).get(f"{BASE}/pareto", {"month": "2024-05"}).json()
    assert [(r["problem"], r["count"]) for r in bob["rows"]] == [("物流延迟", 2)]
    default = client_for(complaints.mia).get(f"{BASE}/pareto").json()
    assert default["month"] == "2024-05"


def test_a_bad_month_is_422_naming_the_parameter(complaints):
    for url in (f"{BASE}/pareto", f"{BASE}/classifications"):
        response = client_for(complaints.mia).get(url, {"month": "2024-13"})
        assert response.status_code == 422
        assert "month" in json.dumps(response.json())


def test_classifications_filter_like_the_page(complaints):
    client = client_for(complaints.sam)
    rows = client.get(f"{BASE}/classifications", {"problem": "物流延迟", "month": "2024-05"}).json()
    assert [r["conversation"] for r in rows["items"]] == ["CMP-3"]  # his team's only
    queue = client_for(complaints.mia).get(f"{BASE}/classifications", {"review": "true"}).json()
    assert [r["conversation"] for r in queue["items"]] == ["CMP-5"]
    first = client_for(complaints.mia).get(f"{BASE}/classifications", {"limit": 4}).json()
    rest = (
        client_for(complaints.mia)
        .get(f"{BASE}/classifications", {"limit": 4, "after": first["next"]})
        .json()
    )
    assert len(first["items"]) == 4 and len(rest["items"]) == 3 and rest["next"] is None


def test_correcting_takes_the_permission(complaints):
    url = f"{BASE}/classifications/CMP-5"
    assert send(client_for(complaints.bob), "put", url, {"problem": "退换货"}).status_code == 403
    assert send(client_for(complaints.alice), "put", url, {"problem": "退换货"}).status_code == 404
    response = send(client_for(complaints.quinn), "put", url, {"problem": "退换货"})
    assert response.status_code == 200, response.content
    assert response.json()["source"] == "human" and not response.json()["needs_review"]
    unknown = send(client_for(complaints.quinn), "put", url, {"problem": "不存在"})
    assert unknown.status_code == 422
    pk = Conversation.objects.get(external_id="CMP-5").pk
    assert Classification.objects.get(pk=pk).problem == "退换货"


def test_taxonomy_read_by_all_written_by_managers(personas):
    taxonomy = client_for(personas.alice).get(f"{BASE}/taxonomy").json()
    assert taxonomy["version"] == 1
    assert "退款到账慢" in json.dumps(taxonomy, ensure_ascii=False)
    body = {"scenes": [{"scene": "售后", "problems": [{"problem": "退款到账慢"}]}], "note": "x"}
    assert send(client_for(personas.alice), "put", f"{BASE}/taxonomy", body).status_code == 403
    saved = send(client_for(personas.mia), "put", f"{BASE}/taxonomy", body)
    assert saved.status_code == 200 and saved.json()["version"] == 2
    twice = {"scenes": [{"scene": "售后"}, {"scene": "售后"}]}
    refused = send(client_for(personas.mia), "put", f"{BASE}/taxonomy", twice)
    assert refused.status_code == 422 and "售后" in refused.json()["detail"]
    assert TaxonomyVersion.objects.count() == 2


def test_projects_through_the_api(complaints):
    body = {
        "title": "退款提速",
        "problem": "退款到账慢",
        "start": "2024-05-01",
        "end": "2024-05-09",
    }
    assert send(client_for(complaints.sam), "post", f"{BASE}/projects", body).status_code == 403
    created = send(client_for(complaints.quinn), "post", f"{BASE}/projects", body)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    detail = client_for(complaints.sam).get(f"{BASE}/projects/{pk}").json()
    assert detail["figures"]["complaints"]["after_events"] == 3
    assert client_for(complaints.alice).get(f"{BASE}/projects").status_code == 403
    assert client_for(complaints.alice).get(f"{BASE}/projects/{pk}").status_code == 403
    bad = dict(body, end="2024-04-01")
    assert send(client_for(complaints.quinn), "post", f"{BASE}/projects", bad).status_code == 422
    assert Project.objects.count() == 1
