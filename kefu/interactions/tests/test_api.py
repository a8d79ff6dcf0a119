"""REST API v1: conversations and customers — scoping, masking, ingestion, appends."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
from django.test import Client

from conftest import SHANGHAI, native_conversation
from kefu.accounts.models import ApiToken
from kefu.audit.models import AuditAction, AuditLog
from kefu.interactions.models import Conversation

T0 = datetime(2024, 5, 2, 10, 15, 3, tzinfo=SHANGHAI)


def customer(cid: str) -> dict:
    return {"id": cid, "name": "王芳", "phone": "13812345678", "email": "wf@example.com"}


@pytest.fixture
def data(personas, import_records):
    """alice (A0007) owns C-A1 (resolved) and C-A-OPEN (only the customer spoke) and
    C-A-CLOSED; bob (A0102) owns C-B1 (email complaint). C-A1 and C-B1 share customer U1."""
    import_records(
        native_conversation(id="C-A1", customer=customer("U1")),
        native_conversation(
            id="C-A-OPEN",
            customer=customer("U2"),
            status="open",
            resolved_at=None,
            created=T0 + timedelta(days=1),
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": (T0 + timedelta(days=1)).isoformat(),
                    "text": "请回电13812345678，谢谢",
                }
            ],
            survey=None,
        ),
        native_conversation(
            id="C-A-CLOSED",
            customer=customer("U3"),
            status="closed",
            closed_at=(T0 + timedelta(hours=1)).isoformat(),
        ),
        native_conversation(
            id="C-B1",
            customer=customer("U1"),
            agent="A0102",
            channel="email",
            complaint=True,
            created=T0 + timedelta(days=2),
            category=["售前", "价格"],
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": (T0 + timedelta(days=2)).isoformat(),
                    "text": "优惠券用不了",
                },
                {
                    "id": "m2",
                    "role": "agent",
                    "agent": "A0102",
                    "at": (T0 + timedelta(days=2, seconds=40)).isoformat(),
                    "text": "我帮您查一下",
                },
            ],
        ),
    )
    return personas


def login(persona) -> Client:
    client = Client()
    client.force_login(persona)
    return client


def ids(response) -> list[str]:
    return [item["id"] for item in response.json()["items"]]


def post_json(client: Client, path: str, body, **extra):
    return client.post(path, orjson.dumps(body), content_type="application/json", **extra)


# --- list -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("alice", ["C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("bob", ["C-B1"]),
        ("sam", ["C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("quinn", ["C-B1", "C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("mia", ["C-B1", "C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("olga", []),
    ],
)
def test_the_list_is_scoped_and_newest_first(data, persona, expected):
    response = login(getattr(data, persona)).get("/api/v1/conversations")
    assert response.status_code == 200
    assert ids(response) == expected
    assert response.json()["count"] == len(expected)


def test_the_list_needs_authentication(data, client):
    assert client.get("/api/v1/conversations").status_code == 401


def test_summary_fields(data):
    item = login(data.quinn).get("/api/v1/conversations?agent=A0102").json()["items"][0]
    assert item["id"] == "C-B1"
    assert item["customer"] == "U1"
    assert item["agent"] == "A0102"
    assert item["team"] == "售前一组"
    assert item["channel"] == "email"
    assert item["category"] == ["售前", "价格"]
    assert item["complaint"] is True
    assert item["first_response_s"] == 40.0
    assert item["message_count"] == 2
    assert item["created_at"] == "2024-05-04T10:15:03+08:00"  # the configured time zone
    assert item["csat"] == 5 and item["nps"] == 9
    assert "phone" not in str(item)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("channel=email", ["C-B1"]),
        ("complaint=true", ["C-B1"]),
        ("status=closed", ["C-A-CLOSED"]),
        ("team=售前一组", ["C-B1"]),
        ("agent=A0007", ["C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("category=价格", ["C-B1"]),
        ("category=售后", ["C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("from=2024-05-03&to=2024-05-03", ["C-A-OPEN"]),
        ("from=2024-05-04", ["C-B1"]),
        ("q=优惠券", ["C-B1"]),
        ("q=退款 到账", ["C-A-OPEN", "C-A-CLOSED", "C-A1"]),
        ("q=发票", []),
    ],
)
def test_filters(data, query, expected):
    assert ids(login(data.mia).get(f"/api/v1/conversations?{query}")) == expected


def test_team_filter_by_id_stays_in_scope(data):
    from kefu.accounts.models import Team

    other = Team.objects.get(name="售前一组").pk
    assert ids(login(data.alice).get(f"/api/v1/conversations?team={other}")) == []
    assert ids(login(data.mia).get(f"/api/v1/conversations?team={other}")) == ["C-B1"]


def test_pagination_and_the_limit_cap(data):
    client = login(data.mia)
    first = client.get("/api/v1/conversations?limit=3").json()
    assert (first["count"], first["limit"], first["next_offset"]) == (4, 3, 3)
    second = client.get("/api/v1/conversations?limit=3&offset=3").json()
    assert [i["id"] for i in second["items"]] == ["C-A1"]
    assert second["next_offset"] is None
    assert client.get("/api/v1/conversations?limit=10000").json()["limit"] == 500


def test_bad_filters_are_422_and_name_the_field(data):
    response = login(data.mia).get(
        "/api/v1/conversations?channel=fax&limit=0", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "invalid request"
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"query.channel", "query.limit"}


# --- one conversation ------------------------------------------------------------------


def test_an_agent_reads_their_conversation_masked(data):
    response = login(data.alice).get("/api/v1/conversations/C-A-OPEN")
    assert response.status_code == 200
    body = response.json()
    assert body["type"] == "conversation"
    assert body["customer"]["phone"] == "138****5678"
    assert body["customer"]["name"] == "王*"
    assert body["messages"][0]["text"] == "请回电138****5678，谢谢"
    assert "13812345678" not in response.content.decode()
    assert not AuditLog.objects.filter(action=AuditAction.VIEW_PERSONAL_DATA).exists()


def test_a_manager_reads_it_unmasked_and_it_is_audited(data):
    body = login(data.mia).get("/api/v1/conversations/C-A-OPEN").json()
    assert body["customer"]["phone"] == "13812345678"
    assert body["messages"][0]["text"] == "请回电13812345678，谢谢"
    entry = AuditLog.objects.get(action=AuditAction.VIEW_PERSONAL_DATA)
    assert (entry.user, entry.object_type, entry.object_id) == (
        data.mia,
        "conversation",
        "C-A-OPEN",
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [("bob", 404), ("olga", 404), ("sam", 200), ("quinn", 200), ("tina", 200)],
)
def test_a_conversation_outside_the_scope_is_404(data, persona, status):
    response = login(getattr(data, persona)).get(
        "/api/v1/conversations/C-A1", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == status
    if status == 404:
        assert response.json() == {"detail": "Not Found"}


def test_unknown_and_anonymous(data, client):
    assert client.get("/api/v1/conversations/C-A1").status_code == 401
    assert login(data.mia).get("/api/v1/conversations/NOPE").status_code == 404


# --- ingest ----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["alice", "sam", "quinn", "tina", "olga"])
def test_ingesting_needs_the_permission(data, persona):
    response = post_json(
        login(getattr(data, persona)), "/api/v1/conversations", native_conversation(id="C-NEW")
    )
    assert response.status_code == 403
    assert "detail" in response.json()
    assert not Conversation.objects.filter(external_id="C-NEW").exists()


def test_ingesting_needs_authentication(data, client):
    response = post_json(client, "/api/v1/conversations", native_conversation(id="C-NEW"))
    assert response.status_code == 401


def test_one_conversation_is_created_with_a_token(data):
    _, raw = ApiToken.issue(data.mia, "crm")
    record = native_conversation(id="C-NEW")
    del record["type"]  # optional in the API
    response = post_json(
        Client(), "/api/v1/conversations", record, HTTP_AUTHORIZATION=f"Bearer {raw}"
    )
    assert response.status_code == 201
    assert response.json() == {
        "read": 1,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
        "errors": [],
    }
    conv = Conversation.objects.get(external_id="C-NEW")
    assert conv.first_response_s == 18.0
    assert conv.agent.external_id == "A0007"
    entry = AuditLog.objects.get(action=AuditAction.IMPORT)
    assert entry.user == data.mia and entry.detail["created"] == 1


def test_a_batch_imports_the_good_records_and_reports_the_bad_ones(data):
    client = login(data.mia)
    batch = [
        native_conversation(id="C-GOOD-1"),
        native_conversation(id="C-BAD-CSAT", survey={"csat": 7}),
        native_conversation(id="C-GOOD-2", channel="phone", messages=[]),
        native_conversation(id="C-BAD-CHANNEL", channel="fax"),
        "not an object",
    ]
    response = post_json(client, "/api/v1/conversations", batch)
    assert response.status_code == 201
    body = response.json()
    assert (body["read"], body["created"], body["rejected"]) == (5, 2, 3)
    assert [(e["index"], e["id"], e["field"]) for e in body["errors"]] == [
        (1, "C-BAD-CSAT", "survey.csat"),
        (3, "C-BAD-CHANNEL", "channel"),
        (4, None, "record"),
    ]
    assert "7" in body["errors"][0]["reason"]
    assert set(
        Conversation.objects.filter(external_id__startswith="C-GOOD").values_list(
            "external_id", flat=True
        )
    ) == {"C-GOOD-1", "C-GOOD-2"}

    again = post_json(client, "/api/v1/conversations", batch[:1] + batch[2:3])
    assert again.status_code == 200
    assert (again.json()["unchanged"], again.json()["created"]) == (2, 0)

    changed = dict(batch[0], complaint=True)
    updated = post_json(client, "/api/v1/conversations", [changed])
    assert updated.status_code == 200 and updated.json()["updated"] == 1
    assert Conversation.objects.get(external_id="C-GOOD-1").complaint is True


def test_all_rejected_is_422_with_counts(data):
    response = post_json(
        login(data.mia),
        "/api/v1/conversations",
        [
            native_conversation(id="C-X", created_at="yesterday"),
            {"type": "agent", "id": "A9", "name": "x"},
        ],
    )
    assert response.status_code == 422
    body = response.json()
    assert body["rejected"] == 2 and body["created"] == 0
    assert [(e["index"], e["field"]) for e in body["errors"]] == [(0, "created_at"), (1, "type")]


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{not json", 400), (b"[]", 422), (b"42", 422), (b'"text"', 422)],
)
def test_bodies_that_are_not_conversations(data, raw, status):
    response = login(data.mia).post("/api/v1/conversations", raw, content_type="application/json")
    assert response.status_code == status
    assert "detail" in response.json()


def test_batches_are_capped(data):
    response = post_json(login(data.mia), "/api/v1/conversations", [{}] * 1001)
    assert response.status_code == 422
    assert "1000" in response.json()["detail"]


# --- append messages -------------------------------------------------------------------


def test_the_owner_agent_appends_a_reply_and_facts_follow(data):
    client = login(data.alice)
    at = (T0 + timedelta(days=1, seconds=25)).isoformat()
    response = post_json(
        client, "/api/v1/conversations/C-A-OPEN/messages", {"text": "您好，马上为您处理", "at": at}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["message_count"] == 2
    assert body["first_response_s"] == 25.0
    [message] = body["messages"]
    assert (message["id"], message["role"], message["agent"]) == ("m2", "agent", "A0007")
    conv = Conversation.objects.get(external_id="C-A-OPEN")
    assert (conv.message_count, conv.agent_message_count, conv.first_response_s) == (2, 1, 25.0)
    # the search index follows too
    found = client.get("/api/v1/conversations?q=马上 处理").json()["items"]
    assert [i["id"] for i in found] == ["C-A-OPEN"]


def test_an_ingesting_system_appends_several_messages(data):
    client = login(data.mia)
    start = T0 + timedelta(days=1)
    messages = [
        {
            "id": "c2",
            "role": "customer",
            "at": (start + timedelta(seconds=5)).isoformat(),
            "text": "还在吗？我的卡号6222 0212 3456 7890 123",
        },
        {
            "id": "a1",
            "role": "agent",
            "agent": "A0007",
            "at": (start + timedelta(seconds=50)).isoformat(),
            "text": "在的",
        },
    ]
    response = post_json(client, "/api/v1/conversations/C-A-OPEN/messages", messages)
    assert response.status_code == 201
    body = response.json()
    assert [m["id"] for m in body["messages"]] == ["c2", "a1"]
    assert body["first_response_s"] == 50.0
    assert body["message_count"] == 3
    # alice sees the stored card number masked
    alice_view = login(data.alice).get("/api/v1/conversations/C-A-OPEN").json()
    assert "6222 0212 3456 7890 123" not in str(alice_view)


def test_an_append_writes_only_the_new_messages(data):
    from kefu.interactions.models import Message

    # given the stored messages of an open conversation
    before = dict(
        Message.objects.filter(conversation__external_id="C-A-OPEN").values_list(
            "external_id", "pk"
        )
    )
    # when two more arrive
    client = login(data.mia)
    start = T0 + timedelta(days=1)
    posted = [
        {"id": "c9", "role": "customer", "at": (start + timedelta(seconds=5)).isoformat(),
         "text": "我的电话 13912345678"},
        {"id": "a9", "role": "agent", "agent": "A0007",
         "at": (start + timedelta(seconds=9)).isoformat(), "text": "收到"},
    ]  # fmt: skip
    body = post_json(client, "/api/v1/conversations/C-A-OPEN/messages", posted).json()
    # then the stored ones are the same rows (not rewritten) and the new ones follow in order
    after = Message.objects.filter(conversation__external_id="C-A-OPEN").order_by("seq")
    assert {e: pk for e, pk in after.values_list("external_id", "pk") if e in before} == before
    assert list(after.values_list("external_id", flat=True))[-2:] == ["c9", "a9"]
    assert list(after.values_list("seq", flat=True)) == list(range(len(before) + 2))
    # the answer is built from what was stored, masked like any answer without the permission
    assert [m["id"] for m in body["messages"]] == ["c9", "a9"]
    agent_answer = post_json(login(data.alice), "/api/v1/conversations/C-A-OPEN/messages",
                             {"text": "再确认一下 13912345678"}).json()  # fmt: skip
    assert "13912345678" not in str(agent_answer) and agent_answer["messages"][0]["id"]


def test_the_kept_record_serves_an_append_only_while_it_is_what_is_stored(
    data, import_records, django_capture_on_commit_callbacks, monkeypatch
):
    from kefu.interactions import actions
    from kefu.interactions.core.native import conversation_to_native
    from kefu.interactions.exporter import conversation_record, with_record_relations

    actions.stored_records.clear()
    rebuilt = []
    monkeypatch.setattr(
        actions,
        "conversation_record",
        lambda *a, **k: rebuilt.append(1) or conversation_record(*a, **k),
    )
    client = login(data.mia)
    path = "/api/v1/conversations/C-A-OPEN/messages"
    start = T0 + timedelta(days=1)

    def append(mid: str, seconds: int, text: str) -> None:
        at = (start + timedelta(seconds=seconds)).isoformat()
        with django_capture_on_commit_callbacks(execute=True):
            body = {"id": mid, "role": "customer", "at": at, "text": text}
            assert post_json(client, path, body).status_code == 201

    append("c2", 5, "还在吗")
    assert len(rebuilt) == 1
    # a second message is appended to the record kept from the first, not rebuilt
    append("c3", 9, "人呢")
    assert len(rebuilt) == 1
    # when an import changes the conversation (here its category), the next append reads it
    # again: the import's category stays instead of the kept record's
    conv = with_record_relations(Conversation.objects).get(external_id="C-A-OPEN")
    changed = conversation_to_native(conversation_record(conv, masked=False), SHANGHAI)
    changed["category"] = ["售前", "咨询"]
    import_records(changed)
    append("c4", 12, "在线等")
    assert len(rebuilt) == 2
    stored = Conversation.objects.get(external_id="C-A-OPEN")
    assert (stored.category1, stored.category2, stored.message_count) == ("售前", "咨询", 4)


def test_new_messages_are_stored_in_time_order(data):
    from kefu.interactions.models import Message

    # given two new messages posted out of order (the reply listed first)
    start = T0 + timedelta(days=1)  # C-A-OPEN's one stored message, m1
    posted = [
        {"id": "a1", "role": "agent", "agent": "A0007",
         "at": (start + timedelta(seconds=20)).isoformat(), "text": "您好"},
        {"id": "c2", "role": "customer", "at": (start + timedelta(seconds=5)).isoformat(),
         "text": "还在吗"},
        {"id": "c3", "role": "customer", "at": start.isoformat(), "text": "同一时刻"},
    ]  # fmt: skip
    response = post_json(login(data.mia), "/api/v1/conversations/C-A-OPEN/messages", posted)
    # then they are stored in time order after the stored one (same time: after it)
    assert response.status_code == 201
    assert response.json()["first_response_s"] == 20
    stored = Message.objects.filter(conversation__external_id="C-A-OPEN").order_by("seq")
    assert list(stored.values_list("external_id", flat=True)) == ["m1", "c3", "c2", "a1"]


def test_an_append_earlier_than_the_last_stored_message_is_refused(data):
    # given C-A-OPEN's stored message m1 at T0 + 1 day
    client = login(data.mia)
    client.cookies["django_language"] = "en"
    start = T0 + timedelta(days=1)
    posted = [
        {"id": "a1", "role": "agent", "agent": "A0007",
         "at": (start + timedelta(seconds=20)).isoformat(), "text": "您好"},
        {"id": "c0", "role": "customer", "at": (start - timedelta(seconds=30)).isoformat(),
         "text": "更早的消息"},
    ]  # fmt: skip
    # when a message timed before it is appended
    response = post_json(client, "/api/v1/conversations/C-A-OPEN/messages", posted)
    # then that message is refused by name, and the request writes nothing
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["index"], error["id"], error["field"]) == (1, "c0", "at")
    assert error["reason"].startswith("is before the conversation's last message (m1, 2024-05-03")
    assert "POST /api/v1/conversations" in error["reason"]
    assert Conversation.objects.get(external_id="C-A-OPEN").message_count == 1


def test_an_append_puts_messages_stored_out_of_order_in_time_order(data):
    from kefu.interactions import actions
    from kefu.interactions.models import Message

    # given a conversation whose messages were stored in file order (before Kefu sorted
    # them): the reply first
    conv = Conversation.objects.get(external_id="C-A1")
    rows = {m.external_id: m for m in Message.objects.filter(conversation=conv)}
    for external_id, seq in (("m1", 99), ("m2", 0), ("m1", 1)):
        Message.objects.filter(pk=rows[external_id].pk).update(seq=seq)
    actions.stored_records.clear()
    # when a message is appended
    later = (T0 + timedelta(hours=2)).isoformat()
    body = {"id": "c9", "role": "customer", "at": later, "text": "谢谢"}
    response = post_json(login(data.mia), "/api/v1/conversations/C-A1/messages", body)
    # then every message is stored in time order
    assert response.status_code == 201
    stored = Message.objects.filter(conversation=conv).order_by("seq")
    assert list(stored.values_list("external_id", "seq")) == [("m1", 0), ("m2", 1), ("c9", 2)]


def test_appending_again_with_the_same_id_is_a_conflict(data):
    client = login(data.mia)
    message = {"id": "m1", "role": "agent", "agent": "A0007", "text": "重复"}
    response = post_json(client, "/api/v1/conversations/C-A-OPEN/messages", message)
    assert response.status_code == 409
    assert response.json()["errors"][0]["id"] == "m1"
    assert Conversation.objects.get(external_id="C-A-OPEN").message_count == 1


def test_a_closed_conversation_takes_no_messages(data):
    response = post_json(
        login(data.alice), "/api/v1/conversations/C-A-CLOSED/messages", {"text": "还有问题吗"}
    )
    assert response.status_code == 409
    assert "closed" in response.json()["detail"]


def test_an_invalid_message_names_its_index_and_field(data):
    client = login(data.mia)
    client.cookies["django_language"] = "en"  # the reasons follow the UI language
    response = post_json(
        client,
        "/api/v1/conversations/C-A-OPEN/messages",
        [
            {"role": "agent", "agent": "A0007", "text": "ok"},
            {"id": "x", "role": "robot", "text": "beep"},
        ],
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "index": 1,
            "id": "x",
            "field": "role",
            "reason": "must be one of customer, agent, bot, system, got 'robot'",
        }
    ]
    early = post_json(
        login(data.mia),
        "/api/v1/conversations/C-A-OPEN/messages",
        {"role": "agent", "at": "2020-01-01T00:00:00+08:00", "text": "早"},
    )
    assert early.status_code == 422
    assert early.json()["errors"][0]["field"] == "at"
    assert Conversation.objects.get(external_id="C-A-OPEN").message_count == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [("bob", 404), ("olga", 404), ("sam", 403), ("quinn", 403)],
)
def test_who_may_append(data, persona, status):
    response = post_json(
        login(getattr(data, persona)),
        "/api/v1/conversations/C-A-OPEN/messages",
        {"role": "agent", "agent": "A0007", "text": "hi"},
    )
    assert response.status_code == status


def test_agents_only_add_their_own_replies(data):
    client = login(data.alice)
    as_customer = post_json(
        client, "/api/v1/conversations/C-A-OPEN/messages", {"role": "customer", "text": "假装客户"}
    )
    assert as_customer.status_code == 403
    as_colleague = post_json(
        client, "/api/v1/conversations/C-A-OPEN/messages", {"agent": "A0001", "text": "冒名"}
    )
    assert as_colleague.status_code == 403


def test_appending_needs_authentication(data, client):
    response = post_json(client, "/api/v1/conversations/C-A-OPEN/messages", {"text": "x"})
    assert response.status_code == 401


# --- customers -------------------------------------------------------------------------


def test_a_customer_profile_is_masked_and_scoped(data):
    response = login(data.alice).get("/api/v1/customers/U1")
    assert response.status_code == 200
    body = response.json()
    assert body["phone"] == "138****5678"
    assert body["email"] == "w***@example.com"
    assert body["masked"] is True
    # U1 also talked to bob, which alice may not see
    assert [c["id"] for c in body["conversations"]] == ["C-A1"]
    assert body["conversation_count"] == 1


def test_a_manager_sees_the_whole_customer_timeline_unmasked(data):
    body = login(data.mia).get("/api/v1/customers/U1").json()
    assert body["phone"] == "13812345678"
    assert body["masked"] is False
    assert [c["id"] for c in body["conversations"]] == ["C-A1", "C-B1"]  # oldest first
    assert AuditLog.objects.filter(
        action=AuditAction.VIEW_PERSONAL_DATA, object_type="customer", object_id="U1"
    ).exists()


@pytest.mark.parametrize(
    ("persona", "status"), [("bob", 404), ("olga", 404), ("sam", 200), ("quinn", 200)]
)
def test_customers_outside_the_scope_are_404(data, persona, status):
    # U2 only ever talked to alice
    assert login(getattr(data, persona)).get("/api/v1/customers/U2").status_code == status
    assert login(data.mia).get("/api/v1/customers/NOPE").status_code == 404


def test_customer_needs_authentication(data, client):
    assert client.get("/api/v1/customers/U1").status_code == 401


def test_bodies_over_the_upload_limit_are_413(data, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    batch = [native_conversation(id=f"C-BIG-{i}") for i in range(5)]
    response = post_json(login(data.mia), "/api/v1/conversations", batch)
    assert response.status_code == 413
    assert "detail" in response.json()
