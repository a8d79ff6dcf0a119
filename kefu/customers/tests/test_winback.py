"""Win-back campaigns: creation from a tag filter, the split, who sees which members,
outcomes, the measured come-back rates and lift, the CSV export and the API."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from conftest import client_for, import_native, native_conversation
from kefu.audit.models import AuditLog
from kefu.customers import actions, selectors
from kefu.customers.core import winback
from kefu.customers.models import CustomerTag, WinbackCampaign, WinbackMember
from kefu.customers.tests.conftest import CALM, RISKY, T0
from kefu.interactions.models import Conversation, Customer
from kefu.lib.errors import Conflict, NotAllowed, NotFound


@pytest.fixture
def campaign(risky, tags):
    """Both customers tagged; a campaign starting 2024-05-18 with a 2-day window (U-RISK
    wrote on 05-19, U-CALM on 05-17), nobody held back, then U-CALM moved to control."""
    for customer in Customer.objects.filter(external_id__in=["U-RISK", "U-CALM"]):
        CustomerTag.objects.create(customer=customer, tag=tags["manual"])
    item = actions.create_campaign(
        user=risky.mia,
        name="回访",
        tag_ids=[tags["manual"].pk],
        starts_on=date(2024, 5, 18),
        window_days=2,
        control_share=0.0,
    )
    WinbackMember.objects.filter(campaign=item, customer__external_id="U-CALM").update(
        group="control", agent=None
    )
    return item


def members(item) -> dict[str, WinbackMember]:
    return {m.customer.external_id: m for m in item.members.select_related("customer", "agent")}


def test_the_manager_creates_a_campaign_from_all_chosen_tags(risky, tags):
    # given U-RISK carries both tags, U-CALM one
    risk, calm = (
        Customer.objects.get(external_id="U-RISK"),
        Customer.objects.get(external_id="U-CALM"),
    )
    CustomerTag.objects.create(customer=risk, tag=tags["manual"])
    CustomerTag.objects.create(customer=calm, tag=tags["manual"])
    other = tags["rule"]
    CustomerTag.objects.create(customer=risk, tag=other)
    # when
    response = client_for(risky.mia).post(
        "/risk/winback/",
        {"name": "高价值流失回访", "tags": [tags["manual"].pk, other.pk],
         "starts_on": "2024-05-01", "window_days": 30, "control_share": 10},
    )  # fmt: skip
    # then
    assert response.status_code == 302
    item = WinbackCampaign.objects.get()
    found = members(item)
    assert set(found) == {"U-RISK"}
    expected = winback.group_of(item.pk, risk.pk, 0.1)
    assert found["U-RISK"].group == expected
    if expected == "contact":
        assert found["U-RISK"].agent.external_id == "A0007"  # the newest conversation's
    assert item.control_share == pytest.approx(0.1)
    assert [t["name"] for t in item.criteria] == ["偏好电话", "高价值"]
    assert AuditLog.objects.filter(object_type="customers.winbackcampaign").exists()


def test_only_managers_create(risky, tags):
    with pytest.raises(NotAllowed):
        actions.create_campaign(
            user=risky.sam, name="x", tag_ids=[tags["manual"].pk], starts_on=date(2024, 5, 1)
        )
    response = client_for(risky.sam).post(
        "/risk/winback/", {"name": "x", "tags": [tags["manual"].pk]}
    )
    assert response.status_code == 403


def test_it_assigns_contact_members_to_the_newest_conversations_agent(campaign):
    found = members(campaign)
    assert found["U-RISK"].agent.external_id == "A0007"
    assert found["U-CALM"].group == "control" and found["U-CALM"].agent is None


def test_agents_see_only_their_members_and_supervisors_their_teams(campaign, risky):
    page = client_for(risky.alice).get(f"/risk/winback/{campaign.pk}/")
    assert page.status_code == 200
    assert [m.customer.external_id for m in page.context["members"]] == ["U-RISK"]
    sam = client_for(risky.sam).get(f"/risk/winback/{campaign.pk}/")
    assert [m.customer.external_id for m in sam.context["members"]] == ["U-RISK"]
    manager = client_for(risky.mia).get(f"/risk/winback/{campaign.pk}/")
    assert len(manager.context["members"]) == 2
    # bob has no member in it: the campaign does not exist for him; nor for QA
    assert client_for(risky.bob).get(f"/risk/winback/{campaign.pk}/").status_code == 404
    assert client_for(risky.quinn).get(f"/risk/winback/{campaign.pk}/").status_code == 404
    assert client_for(risky.quinn).get("/risk/winback/").status_code == 403
    assert client_for().get("/risk/winback/").status_code == 302


def test_the_page_measures_who_came_back(campaign, risky):
    response = client_for(risky.mia).get(f"/risk/winback/{campaign.pk}/")
    groups = {g["key"]: g for g in response.context["groups"]}
    assert groups["contact"]["members"] == 1 and groups["contact"]["came_back"] == 1
    assert groups["control"]["members"] == 1 and groups["control"]["came_back"] == 0
    assert response.context["verdict"] == winback.TOO_FEW  # one member in each group
    html = response.content.decode()
    assert 'data-verdict="too_few"' in html
    assert "+100.0 %" in html  # the difference, 1/1 − 0/1
    assert response.context["relative"] == "—"  # control rate 0: no relative lift


def test_agents_record_outcomes_on_their_contact_members(campaign, risky):
    found = members(campaign)
    client = client_for(risky.alice)
    response = client.post(
        f"/risk/winback/members/{found['U-RISK'].pk}/outcome/",
        {"outcome": "won_back", "note": "已下单"},
    )
    assert response.status_code == 302
    found["U-RISK"].refresh_from_db()
    assert found["U-RISK"].outcome == "won_back" and found["U-RISK"].outcome_by == risky.alice
    # bob's colleague's member: not found; the control member: never contacted
    assert (
        client_for(risky.bob)
        .post(f"/risk/winback/members/{found['U-RISK'].pk}/outcome/", {"outcome": "reached"})
        .status_code
        == 404
    )
    with pytest.raises(NotFound):
        actions.record_outcome(risky.alice, found["U-CALM"].pk, "reached")
    with pytest.raises(Conflict):
        actions.record_outcome(risky.mia, found["U-CALM"].pk, "reached")


def test_the_export_is_masked_and_audited(campaign, risky):
    response = client_for(risky.alice).get(f"/risk/winback/{campaign.pk}/export/")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "U-RISK" in text and "U-CALM" not in text
    assert "赵敏" not in text  # masked for an agent
    manager = client_for(risky.mia).get(f"/risk/winback/{campaign.pk}/export/").content.decode()
    assert "赵敏" in manager and "U-CALM" in manager
    assert (
        AuditLog.objects.filter(action="export", object_type="customers.winbackcampaign").count()
        == 2
    )


def test_the_api_creates_reads_and_records(risky, tags):
    CustomerTag.objects.create(
        customer=Customer.objects.get(external_id="U-RISK"), tag=tags["manual"]
    )
    body = {"name": "回访", "tags": [tags["manual"].pk], "starts_on": "2024-05-18",
            "window_days": 2, "control_share": 0}  # fmt: skip
    refused = client_for(risky.alice).post(
        "/api/v1/winback", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403
    created = client_for(risky.mia).post(
        "/api/v1/winback", json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["contact"] == {"members": 1, "came_back": 1, "rate": 1.0,
                               "low": pytest.approx(0.2065, abs=1e-3), "high": 1.0}  # fmt: skip
    assert data["lift"]["verdict"] == "no_control"
    # every verdict the core can give is one the schema allows
    from kefu.customers.api import VERDICTS

    assert {winback.compare(*args).verdict for args in ((1, 20, 1, 2), (0, 0, 1, 2))} <= set(
        VERDICTS
    )
    member = data["members"][0]
    alice = client_for(risky.alice)
    assert [c["id"] for c in alice.get("/api/v1/winback").json()] == [data["id"]]
    put = alice.put(
        f"/api/v1/winback/members/{member['id']}/outcome",
        json.dumps({"outcome": "reached", "note": "电话已接通"}),
        content_type="application/json",
    )
    assert put.status_code == 200 and put.json()["outcome"] == "reached"
    assert client_for(risky.bob).get(f"/api/v1/winback/{data['id']}").status_code == 404
    bad = alice.put(
        f"/api/v1/winback/members/{member['id']}/outcome",
        json.dumps({"outcome": "maybe"}),
        content_type="application/json",
    )
    assert bad.status_code == 422


def test_the_outreach_logged_as_a_conversation_is_not_coming_back(campaign, risky):
    # given U-RISK (contact, alice's) whose only conversations in the window are the
    # outreach — alice's call on the day she recorded the outcome, a chat she opened, an
    # e-mail nobody answered, a conversation the source marks outbound — and U-CALM
    # (control) who called alice on 18 May
    Conversation.objects.filter(external_id="R-1").delete()
    member = members(campaign)["U-RISK"]
    actions.record_outcome(risky.alice, member.pk, "reached")
    WinbackMember.objects.filter(pk=member.pk).update(outcome_at=T0.replace(day=18, hour=15))
    day18, day19 = T0.replace(day=18, hour=11), T0.replace(day=19, hour=11)
    report = import_native(
        _call("W-CALL", RISKY, day18),
        _chat("W-CHAT", RISKY, day19, agent_first=True),
        _chat("W-MAIL", RISKY, day19, channel="email", customer_writes=False),
        _chat("W-MARK", RISKY, day19, direction="outbound"),
        _call("W-CTRL", CALM, day18),
    )
    assert report.rejected == 0, report.errors
    # then the control member came back, the contact member did not
    figures = selectors.campaign_figures(campaign)
    assert figures.counts["contact"] == {"members": 1, "came_back": 0}
    assert figures.counts["control"] == {"members": 1, "came_back": 1}
    # when U-RISK then calls alice back the next day, they came back
    import_native(_call("W-BACK", RISKY, day19))
    assert selectors.campaign_figures(campaign).counts["contact"]["came_back"] == 1


def _call(cid: str, customer: dict, at) -> dict:
    record = native_conversation(id=cid, channel="phone", agent="A0007",
                                 customer=dict(customer), created=at)  # fmt: skip
    record["messages"] = [
        {"id": "s1", "role": "agent", "start_s": 0, "end_s": 3, "text": "您好，这里是客服中心。"},
        {"id": "s2", "role": "customer", "start_s": 4, "end_s": 8, "text": "你好，什么事？"},
    ]
    return record


def _chat(cid: str, customer: dict, at, *, channel: str = "chat", agent_first: bool = False,
          customer_writes: bool = True, **extra) -> dict:  # fmt: skip
    record = native_conversation(id=cid, channel=channel, agent="A0007",
                                 customer=dict(customer), created=at, **extra)  # fmt: skip
    agent = {"id": "a", "role": "agent", "agent": "A0007", "text": "您好，给您回访一下。"}
    said = {"id": "c", "role": "customer", "text": "好的。"}
    first, second = (agent, said) if agent_first else (said, agent)
    record["messages"] = [
        dict(first, at=at.isoformat()),
        dict(second, at=(at + timedelta(minutes=1)).isoformat()),
    ]
    if not customer_writes:
        record["messages"] = [dict(agent, at=at.isoformat())]
    return record
