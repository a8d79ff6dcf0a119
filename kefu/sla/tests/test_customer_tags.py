"""Service-level policies matched on a customer tag: the core's choice, the copy of tag
names kept on the customer (kefu.customers.tag_names), and the three readers (KPI facts,
QA records, the live console's deadline)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import SHANGHAI, native_conversation
from kefu.customers import actions as customer_actions
from kefu.customers import tag_names
from kefu.customers.models import CustomerTag
from kefu.interactions.models import Conversation, Customer
from kefu.metrics import facts
from kefu.metrics.models import KpiFact
from kefu.monitoring.models import LiveState
from kefu.monitoring.tests.test_live import client_for, open_conversation, post, say
from kefu.qa.core.engine import policy_for
from kefu.qa.scoring import records_for
from kefu.sla import actions, selectors
from kefu.sla.core.policies import Policy, choose

CHAT = Policy(1, 1, "chat", "chat", first_response_s=30)
KEY_ACCOUNT = Policy(2, 1, "key accounts", "chat", tag="大客户", first_response_s=10)
KEY_VIP = Policy(3, 1, "key vip", "chat", segment="vip", tag="大客户", first_response_s=5)


def test_a_tag_policy_judges_the_customers_who_carry_the_tag():
    policies = [CHAT, KEY_ACCOUNT, KEY_VIP]
    assert choose(policies, "chat") == CHAT
    assert choose(policies, "chat", tags=("新客",)) == CHAT
    assert choose(policies, "chat", tags=("新客", "大客户")) == KEY_ACCOUNT
    # a tag and a segment are more specific than a tag alone
    assert choose(policies, "chat", segment="vip", tags=("大客户",)) == KEY_VIP
    assert choose(policies, "email", tags=("大客户",)) is None


@pytest.fixture
def key_accounts(personas):
    """A manual tag 大客户 and a chat policy for its customers: first response in 10 s."""
    group = customer_actions.create_group("客户等级", user=personas.mia)
    tag = customer_actions.create_tag(group, "大客户", user=personas.mia)
    policy = actions.save_policy(
        "chat-key-accounts",
        {"name": "大客户在线", "channel": "chat", "tag": "大客户", "first_response_s": 10,
         "measure": "calendar"},
    )  # fmt: skip
    return personas, tag, policy


def answered_in(cid: str, seconds: float, day: int) -> dict:
    created = datetime(2024, 5, day, 10, tzinfo=SHANGHAI)
    reply = (created + timedelta(seconds=seconds)).isoformat()
    return native_conversation(
        id=cid,
        customer={"id": "U-BIG", "segment": "regular"},
        created=created,
        messages=[
            {"id": "m1", "role": "customer", "at": created.isoformat(), "text": "在吗"},
            {"id": "m2", "role": "agent", "agent": "A0007", "at": reply, "text": "您好"},
        ],
    )


def test_putting_a_tag_on_judges_the_next_conversations_by_its_policy(key_accounts, import_records):
    personas, tag, policy = key_accounts
    # given a conversation answered in 20 s before the customer was tagged
    import_records(answered_in("BIG-1", 20, 6))
    facts.refresh()
    before = KpiFact.objects.get(conversation__external_id="BIG-1")
    assert before.sla_policy.channel == "chat" and not before.sla_policy.tag
    assert before.frt_over_target == 0  # within the chat policy's 30 s
    # when a manager tags the customer 大客户
    customer_actions.add_tag(personas.mia, "U-BIG", tag.pk)
    assert Customer.objects.get(external_id="U-BIG").tags == ["大客户"]
    # then the next conversation, answered in 20 s too, misses the key-account 10 s
    import_records(answered_in("BIG-2", 20, 7))
    facts.refresh()
    after = KpiFact.objects.get(conversation__external_id="BIG-2")
    assert after.sla_policy_id == policy.pk and after.frt_over_target == 1
    # and QA reads the same policy from the stored record
    pk = Conversation.objects.get(external_id="BIG-2").pk
    [(_info, record)] = list(records_for([pk]))
    assert record.customer.tags == ("大客户",)
    assert policy_for(record, selectors.active_policies()).id == policy.pk
    # taking the tag off empties the copy
    customer_actions.remove_tag(personas.mia, "U-BIG", tag.pk)
    assert Customer.objects.get(external_id="U-BIG").tags == []


def test_sync_rewrites_only_stale_copies(key_accounts, import_records):
    personas, tag, _policy = key_accounts
    import_records(answered_in("BIG-1", 20, 6))
    customer = Customer.objects.get(external_id="U-BIG")
    CustomerTag.objects.create(customer=customer, tag=tag)  # written around the actions
    assert tag_names.sync([customer.pk]) == 1
    assert Customer.objects.get(pk=customer.pk).tags == ["大客户"]
    assert tag_names.sync([customer.pk]) == 0
    # deleting the tag takes it off every carrier
    customer_actions.delete_tag(tag, user=personas.mia)
    assert Customer.objects.get(pk=customer.pk).tags == []


def test_the_live_deadline_follows_the_tag_policy(key_accounts):
    personas, tag, _policy = key_accounts
    ingest = client_for(personas.mia)
    open_conversation(ingest, "LIVE-BIG", "A0007")
    state = LiveState.objects.get(conversation__external_id="LIVE-BIG")
    first = state.conversation.messages.get(external_id="m1").at
    assert state.sla_due == first + timedelta(seconds=30)  # the chat policy
    customer_actions.add_tag(personas.mia, "U-LIVE-BIG", tag.pk)
    post(ingest, "LIVE-BIG", say("m2", "还在吗？"))
    state.refresh_from_db()
    assert state.sla_due == first + timedelta(seconds=10)  # the key-account policy
