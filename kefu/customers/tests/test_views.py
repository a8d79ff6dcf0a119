"""Pages: the history card (right role, wrong role, masked and unmasked reasons, audit),
manual tags, the customer list with its filters and export, tags, settings, back-test."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import client_for
from kefu.audit.models import AuditLog
from kefu.customers.models import Backtest, CustomerTag, RiskSettings, Tag, TagGroup

CARD = "/risk/customers/U-RISK/card/"


def test_the_agent_sees_the_card_of_her_customer_with_masked_reasons(risky):
    # when
    response = client_for(risky.alice).get(CARD)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-label="high"' in html
    reasons = {r["code"]: r for r in response.context["reasons"]}
    assert reasons["complaints"]["text"] == "90 天内投诉 * 次"
    assert reasons["complaints"]["points"] is None
    assert "90 天内投诉 * 次：+*" in html
    assert "90 天内投诉 3 次" not in html
    assert response.context["score"] is None
    assert not AuditLog.objects.filter(action="view_personal_data").exists()


def test_the_manager_sees_the_values_and_the_view_is_audited(risky):
    response = client_for(risky.mia).get(CARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "90 天内投诉 3 次：+45" in html
    assert response.context["score"] == response.context["risk"].score
    entry = AuditLog.objects.get(action="view_personal_data", object_type="customer_risk")
    assert entry.object_id == "U-RISK" and entry.user == risky.mia


def test_the_card_shows_the_last_complaint_habits_and_recent_conversations(risky):
    response = client_for(risky.alice).get(CARD)
    html = response.content.decode()
    assert response.context["risk"].last_complaint_conversation == "R-1"
    assert 'href="/conversations/R-1/"' in html  # alice sees that conversation
    assert response.context["preferred_channel"] == "在线聊天"
    assert response.context["preferred_hour"] == "10:00–11:00"
    assert [c.external_id for c in response.context["card"].recent] == ["R-1", "R-2", "R-3"]


@pytest.mark.parametrize("who", ["bob", "olga"])
def test_someone_who_sees_none_of_the_customers_conversations_gets_404(risky, who):
    assert client_for(getattr(risky, who)).get(CARD).status_code == 404


def test_the_supervisor_and_qa_see_the_card_masked(risky):
    for who in ("sam", "quinn"):
        response = client_for(getattr(risky, who)).get(CARD)
        assert response.status_code == 200
        assert response.context["unmasked"] is False


def test_the_conversation_page_and_the_workspace_load_the_card_by_url(risky):
    page = client_for(risky.alice).get("/conversations/R-1/").content.decode()
    assert f'hx-get="{CARD}"' in page


def test_an_agent_tags_her_customer_by_hand_and_removes_the_tag(risky, tags):
    client = client_for(risky.alice)
    manual = tags["manual"]
    response = client.post(
        "/risk/customers/U-RISK/tags/", {"action": "add", "tag": manual.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "偏好电话" in response.content.decode()
    assert CustomerTag.objects.filter(customer__external_id="U-RISK", tag=manual).exists()
    response = client.post("/risk/customers/U-RISK/tags/", {"action": "remove", "tag": manual.pk})
    assert response.status_code == 302
    assert not CustomerTag.objects.filter(tag=manual).exists()


def test_tagging_refuses_rule_tags_outsiders_and_roles_without_the_permission(risky, tags):
    rule = {"action": "add", "tag": tags["rule"].pk}
    assert client_for(risky.alice).post("/risk/customers/U-RISK/tags/", rule).status_code == 409
    manual = {"action": "add", "tag": tags["manual"].pk}
    assert client_for(risky.bob).post("/risk/customers/U-RISK/tags/", manual).status_code == 404
    assert client_for(risky.quinn).post("/risk/customers/U-RISK/tags/", manual).status_code == 403
    assert not CustomerTag.objects.exists()


def test_the_list_shows_the_users_customers_highest_risk_first(risky):
    alice = client_for(risky.alice).get("/risk/")
    assert [r.customer.external_id for r in alice.context["page"].items] == ["U-RISK"]
    assert alice.context["page"].items[0].shown_score is None
    mia = client_for(risky.mia).get("/risk/")
    rows = mia.context["page"].items
    assert [r.customer.external_id for r in rows] == ["U-RISK", "U-CALM"]
    assert rows[0].shown_score == rows[0].score
    assert AuditLog.objects.filter(object_type="customer_list").exists()


def test_the_list_filters_by_label_and_by_every_chosen_tag(risky, tags):
    from kefu.customers import refresh

    refresh.refresh_all()  # the rule tag 高价值 (bob's customer spent 2500)
    calm = risky.mia
    CustomerTag.objects.create(customer_id=_pk("U-CALM"), tag=tags["manual"])
    client = client_for(calm)

    def ids(params):
        return [r.customer.external_id for r in client.get("/risk/", params).context["page"].items]

    assert ids({"label": "high"}) == ["U-RISK"]
    assert ids({"tag": [tags["rule"].pk]}) == ["U-CALM"]
    assert ids({"tag": [tags["rule"].pk, tags["manual"].pk]}) == ["U-CALM"]
    CustomerTag.objects.filter(tag=tags["manual"]).delete()
    assert ids({"tag": [tags["rule"].pk, tags["manual"].pk]}) == []
    assert ids({"customer": "U-RISK"}) == ["U-RISK"]


def _pk(external_id: str) -> int:
    from kefu.interactions.models import Customer

    return Customer.objects.get(external_id=external_id).pk


def test_the_list_reads_a_constant_number_of_queries(risky, tags, import_records):
    from kefu.customers.tests.conftest import CALM, conversation

    client = client_for(risky.mia)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/risk/").status_code == 200
        return len(queries)

    before = count()
    import_records(
        *[conversation(f"X-{i}", "A0102", dict(CALM, id=f"U-X{i}"), 2) for i in range(5)]
    )
    assert count() == before


def test_the_export_needs_the_export_permission_and_is_masked_and_audited(risky):
    assert client_for(risky.alice).get("/risk/export/").status_code == 403
    response = client_for(risky.quinn).get("/risk/export/", {"label": "high"})
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2 and "U-RISK" in lines[1]
    assert "赵敏" not in text and "赵*" in text  # masked name
    assert AuditLog.objects.filter(action="export", object_type="customers").exists()


def test_tags_page_lists_for_everyone_and_managers_add_groups_and_rule_tags(risky, tags):
    assert client_for(risky.alice).get("/risk/tags/").status_code == 200
    assert client_for(risky.alice).post("/risk/tags/", {"group-name": "x"}).status_code == 403
    mia = client_for(risky.mia)
    response = mia.post("/risk/tags/", {"group-name": "生命周期", "group-description": ""})
    assert response.status_code == 302
    group = TagGroup.objects.get(name="生命周期")
    response = mia.post(
        "/risk/tags/",
        {
            "tag-group": group.pk, "tag-name": "可能流失", "tag-kind": "rule",
            "tag-condition1": "no_contact_for", "tag-condition1_first": "30",
            "tag-condition1_second": "2",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content
    tag = Tag.objects.get(name="可能流失")
    assert tag.rule == [{"kind": "no_contact_for", "days": 30, "contacts": 2}]
    bad = mia.post(
        "/risk/tags/",
        {"tag-group": group.pk, "tag-name": "坏规则", "tag-kind": "rule",
         "tag-condition1": "spend_at_least", "tag-condition1_first": "很多"},
    )  # fmt: skip
    assert bad.status_code == 200 and not Tag.objects.filter(name="坏规则").exists()
    assert "rule[0].amount" in bad.content.decode()


def test_only_managers_delete_tags(risky, tags):
    url = f"/risk/tags/{tags['manual'].pk}/delete/"
    assert client_for(risky.alice).post(url).status_code == 403
    assert client_for(risky.mia).post(url).status_code == 302
    assert not Tag.objects.filter(pk=tags["manual"].pk).exists()


def test_settings_are_for_managers_validated_and_audited(risky):
    assert client_for(risky.quinn).get("/risk/settings/").status_code == 403
    mia = client_for(risky.mia)
    assert mia.get("/risk/settings/").status_code == 200
    data = RiskSettings.current().weights().as_dict()
    response = mia.post("/risk/settings/", data | {"complaint_points": 25})
    assert response.status_code == 302
    assert RiskSettings.current().complaint_points == 25
    log = AuditLog.objects.get(object_type="customers.risk_settings")
    assert log.detail["old"]["complaint_points"] == 15
    response = mia.post("/risk/settings/", data | {"low_below": 50, "high_at": 20})
    assert response.status_code == 200 and RiskSettings.current().low_below == 10


def test_the_back_test_page_is_for_department_roles_and_managers_run_it(risky):
    assert client_for(risky.alice).get("/risk/backtest/").status_code == 403
    assert client_for(risky.quinn).get("/risk/backtest/").status_code == 200
    form = {"as_of": "2024-05-10", "horizon_days": 10, "windows": 1}
    assert client_for(risky.quinn).post("/risk/backtest/", form).status_code == 403
    response = client_for(risky.mia).post("/risk/backtest/", form)
    assert response.status_code == 302
    run = Backtest.objects.get()
    assert run.status == "done", run.error  # the tests' task backend runs it at once
    page = client_for(risky.quinn).get(response.url)
    assert page.status_code == 200
    assert page.context["shown"]["customers"] == run.result["customers"] == 1  # U-CALM came later
    assert "backtest-measures" in page.content.decode()


def test_the_fitted_weights_are_applied_by_a_manager(risky):
    fitted = {
        "points": {"complaints": 31, "escalations": 0, "repeat_contacts": 2,
                   "negative_emotion": 9, "low_satisfaction": 4, "spend": -3,
                   "recent_contact": 20},
        "high_at": 33, "low_below": 4,
    }  # fmt: skip
    run = Backtest.objects.create(
        as_of="2024-05-10", horizon_days=10, status="done", result={"fitted": fitted}
    )
    url = f"/risk/backtest/{run.pk}/apply/"
    assert client_for(risky.quinn).post(url).status_code == 403
    assert client_for(risky.mia).post(url).status_code == 302
    weights = RiskSettings.current().weights()
    assert (weights.complaint_points, weights.spend_points, weights.high_at) == (31, -3, 33)


def test_the_agents_workspace_loads_the_card_of_each_live_conversation(risky):
    from kefu.interactions.models import Conversation
    from kefu.monitoring.models import LiveState

    conversation = Conversation.objects.get(external_id="R-1")
    LiveState.objects.update_or_create(
        conversation=conversation,
        defaults={"agent_id": conversation.agent_id, "team_id": conversation.team_id,
                  "is_live": True},
    )  # fmt: skip
    page = client_for(risky.alice).get("/live/workspace/").content.decode()
    assert f'hx-get="{CARD}"' in page
