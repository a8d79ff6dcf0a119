"""REST API: risk (masked per role, audited), the customer list (one FilterSet with the
page), tags and their assignment; the interactions customer route still answers."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.customers.api import CustomerQuery
from kefu.customers.filtersets import CustomerFilterSet
from kefu.customers.models import CustomerTag, Tag

RISK = "/api/v1/customers/U-RISK/risk"


def post(client: Client, url: str, body: dict):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_it_documents_every_filter_in_the_api_schema():
    filters = set(CustomerQuery.model_fields) - CustomerQuery.PAGING
    assert filters == set(CustomerFilterSet.base_filters)


def test_the_agent_reads_the_label_and_masked_reasons(risky):
    response = client_for(risky.alice).get(RISK)
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "high" and body["masked"] is True and body["score"] is None
    complaints = next(r for r in body["reasons"] if r["code"] == "complaints")
    assert complaints["values"] is None and complaints["points"] is None
    assert complaints["settings"] == {"days": 90}
    assert "*" in complaints["text"] and "3" not in complaints["text"]
    assert body["stored"] is True and body["last_complaint_category"] == [
        "售后",
        "退款",
        "退款到账慢",
    ]
    assert not AuditLog.objects.filter(action="view_personal_data").exists()


def test_the_manager_reads_the_values_and_is_audited(risky):
    body = client_for(risky.mia).get(RISK, HTTP_ACCEPT_LANGUAGE="en").json()
    complaints = next(r for r in body["reasons"] if r["code"] == "complaints")
    assert complaints["values"] == {"count": 3} and complaints["points"] == 45
    assert body["score"] == sum(r["points"] for r in body["reasons"])
    assert AuditLog.objects.filter(object_type="customer_risk", object_id="U-RISK").count() == 1


@pytest.mark.parametrize(("who", "status"), [("bob", 404), ("olga", 404), ("anonymous", 401)])
def test_others_get_no_risk(risky, who, status):
    client = Client() if who == "anonymous" else client_for(getattr(risky, who))
    assert client.get(RISK).status_code == status


def test_the_customer_route_of_interactions_still_answers(risky):
    response = client_for(risky.alice).get("/api/v1/customers/U-RISK")
    assert response.status_code == 200 and response.json()["id"] == "U-RISK"


def test_the_list_is_scoped_filtered_and_paged(risky, tags):
    from kefu.customers import refresh

    refresh.refresh_all()
    alice = client_for(risky.alice).get("/api/v1/customers").json()
    assert [c["id"] for c in alice["items"]] == ["U-RISK"]
    assert alice["items"][0]["score"] is None
    mia = client_for(risky.mia)
    first = mia.get("/api/v1/customers", {"limit": 1}).json()
    assert [c["id"] for c in first["items"]] == ["U-RISK"] and first["next"]
    second = mia.get("/api/v1/customers", {"limit": 1, "after": first["next"]}).json()
    assert [c["id"] for c in second["items"]] == ["U-CALM"] and second["next"] is None
    assert second["items"][0]["tags"][0]["name"] == "高价值"
    tagged = mia.get("/api/v1/customers", {"tag": tags["rule"].pk}).json()
    assert [c["id"] for c in tagged["items"]] == ["U-CALM"]
    assert mia.get("/api/v1/customers", {"label": "high"}).json()["items"][0]["id"] == "U-RISK"
    assert mia.get("/api/v1/customers", {"label": "extreme"}).status_code == 422
    assert mia.get("/api/v1/customers", {"tag": 999999}).json()["items"] == []


def test_tags_are_listed_for_all_and_created_by_managers(risky, tags):
    listed = client_for(risky.alice).get("/api/v1/customer-tags").json()
    assert {t["name"] for t in listed} == {"偏好电话", "高价值"}
    body = {"group": "生命周期", "name": "可能流失", "kind": "rule",
            "rule": [{"kind": "no_contact_for", "days": 60, "contacts": 2}]}  # fmt: skip
    assert post(client_for(risky.alice), "/api/v1/customer-tags", body).status_code == 403
    created = post(client_for(risky.mia), "/api/v1/customer-tags", body)
    assert created.status_code == 201, created.content
    assert created.json()["group"] == "生命周期" and created.json()["kind"] == "rule"
    bad = post(client_for(risky.mia), "/api/v1/customer-tags",
               body | {"name": "坏", "rule": [{"kind": "no_contact_for", "days": 0}]})  # fmt: skip
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "rule[0].days"
    again = post(client_for(risky.mia), "/api/v1/customer-tags", body)
    assert again.status_code == 409


def test_manual_tags_are_assigned_and_removed_on_visible_customers(risky, tags):
    manual, rule = tags["manual"], tags["rule"]
    alice = client_for(risky.alice)
    url = "/api/v1/customers/U-RISK/tags"
    assert post(alice, url, {"tag": manual.pk}).status_code == 201
    assert post(alice, url, {"tag": manual.pk}).status_code == 200  # already there
    assert post(alice, url, {"tag": rule.pk}).status_code == 409
    assert post(client_for(risky.bob), url, {"tag": manual.pk}).status_code == 404
    assert post(client_for(risky.quinn), url, {"tag": manual.pk}).status_code == 403
    assert client_for(risky.bob).delete(f"{url}/{manual.pk}").status_code == 404
    assert alice.delete(f"{url}/{manual.pk}").status_code == 204
    assert alice.delete(f"{url}/{manual.pk}").status_code == 404
    assert not CustomerTag.objects.exists()
    assert Tag.objects.filter(pk=manual.pk).exists()
