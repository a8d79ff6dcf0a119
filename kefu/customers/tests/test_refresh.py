"""The stored risk index follows every write: file and API imports, live messages, QA
scoring; `kefu customers_risk` scores everyone; rule tags come and go with the data."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.test import Client

from conftest import client_for
from kefu.customers import refresh
from kefu.customers.models import CustomerRisk, CustomerTag, PendingRisk, RiskSettings
from kefu.customers.tests.conftest import CALM, RISKY, conversation
from kefu.interactions.models import Conversation, Customer


def risk_of(external_id: str) -> CustomerRisk:
    return CustomerRisk.objects.get(customer__external_id=external_id)


def codes(row: CustomerRisk) -> dict[str, dict]:
    return {r["code"]: r for r in row.reasons}


def test_it_scores_the_customers_an_import_writes(risky):
    # then (the import hook queued them, the task scored them)
    row = risk_of("U-RISK")
    reasons = codes(row)
    assert row.label == "high"
    assert reasons["complaints"]["values"] == {"count": 3}
    assert reasons["complaints"]["points"] == 45
    assert reasons["low_satisfaction"]["values"] == {"count": 2}
    assert row.score == sum(r["points"] for r in row.reasons)
    assert row.last_complaint_conversation == "R-1"
    assert row.preferred_channel == "chat" and row.contacts == 3
    assert risk_of("U-CALM").label in ("low", "normal")
    assert not PendingRisk.objects.exists()  # the queue is worked off


def test_negative_emotion_comes_from_automatic_qa(risky):
    # R-1's customer wrote "太差了！！！气死了": QA's anger indicator hit it
    negative = codes(risk_of("U-RISK"))["negative_emotion"]
    assert negative["values"]["count"] == 1 and negative["values"]["of"] == 3


def test_scores_are_as_of_the_end_of_the_newest_contacts_day(risky):
    row = risk_of("U-RISK")
    assert row.as_of.isoformat().startswith("2024-05-19T16:00:00")  # 2024-05-20 00:00 +08:00


def test_a_live_conversation_scores_its_customer_again(risky):
    # given a manager's ingesting client and a calm customer
    before = risk_of("U-CALM")
    assert "complaints" not in codes(before)
    # when a new complaint of that customer arrives over the API
    record = conversation("B-2", "A0102", CALM, 0, complaint=True)
    response = client_for(risky.mia).post(
        "/api/v1/conversations", json.dumps(record), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    # then
    after = risk_of("U-CALM")
    assert codes(after)["complaints"]["values"] == {"count": 1}
    assert after.score > before.score


def test_a_new_message_scores_its_customer_again(risky):
    response = client_for(risky.mia).post(
        "/api/v1/conversations/B-1/messages",
        json.dumps(
            {"role": "customer", "at": "2024-05-17T11:00:00+08:00", "text": "太差了！！！气死了"}
        ),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert codes(risk_of("U-CALM"))["negative_emotion"]["values"]["count"] == 1


def conversation_pk(external_id: str) -> int:
    return Conversation.objects.get(external_id=external_id).pk


def test_queueing_a_queued_conversation_again_renews_its_mark(risky):
    pk = conversation_pk("B-1")
    refresh.queue([pk])
    first = PendingRisk.objects.get().mark
    refresh.queue([pk, pk])  # twice in one batch, too
    row = PendingRisk.objects.get()  # still one row
    assert row.conversation_id == pk and row.mark > first


def test_a_refresh_takes_off_what_it_scored(risky, monkeypatch):
    monkeypatch.setattr(refresh, "BULK", 2)  # two batches: the queue is walked in id order
    ids = sorted(Conversation.objects.values_list("pk", flat=True))
    refresh.queue(ids)
    scored: list[set] = []
    refresh_customers = refresh.refresh_customers

    def spy(customers, *args, **kwargs):
        scored.append(set(customers))
        return refresh_customers(customers, *args, **kwargs)

    monkeypatch.setattr(refresh, "refresh_customers", spy)
    assert refresh.refresh_pending() == sum(len(c) for c in scored)
    assert len(scored) == 2 and set().union(*scored) == set(
        Customer.objects.values_list("pk", flat=True)
    )
    assert not PendingRisk.objects.exists()


def test_a_conversation_queued_again_while_its_customer_is_scored_stays_queued(risky, monkeypatch):
    # given a writer that queues B-1 again while its customer is being scored
    b1 = conversation_pk("B-1")
    calm = Customer.objects.get(external_id=CALM["id"]).pk
    refresh.queue(Conversation.objects.values_list("pk", flat=True))
    refresh_customers = refresh.refresh_customers
    scored: list[set] = []

    def writer_meanwhile(customers, *args, **kwargs):
        counts = refresh_customers(customers, *args, **kwargs)
        if not scored:
            refresh.queue([b1])  # a new mark: the refresh read the old one
        scored.append(set(customers))
        return counts

    monkeypatch.setattr(refresh, "refresh_customers", writer_meanwhile)
    # when a refresh works the queue off
    assert refresh.refresh_pending() == 2
    # then B-1 is still queued, the others are not …
    assert list(PendingRisk.objects.values_list("conversation_id", flat=True)) == [b1]
    # … and the next refresh scores its customer again and takes it off
    assert refresh.refresh_pending() == 1
    assert scored[-1] == {calm}
    assert not PendingRisk.objects.exists()


def test_the_command_scores_everyone_as_of_a_day(risky):
    out = io.StringIO()
    call_command("customers_risk", "--as-of", "2024-03-31", stdout=out)
    assert "2 customers scored" in out.getvalue()
    row = risk_of("U-RISK")
    assert row.score == 0 and row.label == "low" and row.contacts == 0  # before any contact
    call_command("customers_risk", stdout=io.StringIO())
    assert risk_of("U-RISK").label == "high"


def test_the_command_refuses_a_bad_date(db):
    with pytest.raises(Exception, match="YYYY-MM-DD"):
        call_command("customers_risk", "--as-of", "yesterday", stdout=io.StringIO())


def test_new_weights_apply_at_the_next_computation(risky):
    settings = RiskSettings.current()
    settings.complaint_points = 1
    settings.low_satisfaction_points = 0
    settings.save()
    assert risk_of("U-RISK").label == "high"  # stored until computed again
    refresh.refresh_all()
    row = risk_of("U-RISK")
    assert codes(row)["complaints"]["points"] == 3
    assert "low_satisfaction" not in codes(row)


def test_rule_tags_follow_the_data(risky, tags):
    # given the rule "spend ≥ 2000 in 365 days" (bob's customer spent 2500)
    refresh.refresh_all()
    tagged = set(CustomerTag.objects.values_list("customer__external_id", "tag__name"))
    assert tagged == {("U-CALM", "高价值")}
    # when the threshold rises above what they spent
    rule = tags["rule"]
    rule.rule = [{"kind": "spend_at_least", "amount": 3000, "days": 365}]
    rule.save()
    refresh.refresh_all()
    # then the tag is gone, and a manual tag stays untouched
    assert not CustomerTag.objects.filter(tag=rule).exists()
    CustomerTag.objects.create(customer=risk_of("U-RISK").customer, tag=tags["manual"])
    refresh.refresh_all()
    assert CustomerTag.objects.filter(tag=tags["manual"]).count() == 1


def test_the_card_of_an_unscored_customer_is_computed_without_writing(risky):
    CustomerRisk.objects.all().delete()
    client = client_for(risky.alice)
    response = client.get(f"/risk/customers/{RISKY['id']}/card/")
    assert response.status_code == 200
    assert response.context["risk"].label == "high"
    assert not CustomerRisk.objects.exists()


def test_anonymous_gets_no_card(risky):
    assert Client().get("/risk/customers/U-RISK/card/").status_code == 302
