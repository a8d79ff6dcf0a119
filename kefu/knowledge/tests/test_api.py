"""REST API of the knowledge base with the right and the wrong role: an agent (alice),
an agent of another team (bob), a knowledge owner (quinn), anonymous."""

from __future__ import annotations

import json

import pytest

from conftest import client_for, native_conversation
from kefu.audit.models import AuditLog
from kefu.knowledge import actions
from kefu.knowledge.choices import RequestStatus, State
from kefu.knowledge.models import Article, ArticleLink, ChangeRequest, SearchLog
from kefu.knowledge.tests.conftest import REFUND

BASE = "/api/v1/knowledge"


def send(client, method: str, url: str, body: dict | None = None):
    return getattr(client, method)(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def conversations(import_records):
    import_records(
        native_conversation(id="KA-ALICE", agent="A0007",
                            messages=[{"id": "m1", "role": "customer", "at": "2024-05-02T10:15:00+08:00",
                                       "text": "你好，我的钱还没到账，退款都一周了"}]),
        native_conversation(id="KA-BOB", agent="A0102"),
    )  # fmt: skip


def test_anonymous_gets_401(db):
    assert client_for().get(f"{BASE}/articles").status_code == 401


def test_search_ranks_highlights_and_logs(personas, published):
    response = client_for(personas.bob).get(f"{BASE}/articles", {"q": "退款多久到账"})
    assert response.status_code == 200
    body = response.json()
    (hit,) = body["items"]
    assert hit["article"]["id"] == published.pk and hit["article"]["owner"] == "quinn"
    assert any(piece["mark"] for piece in hit["title"]) and hit["score"] > 0
    assert SearchLog.objects.get().source == "api"


def test_the_list_filters_like_the_page_and_hides_drafts(personas, published):
    draft = actions.create_article(
        personas.alice, {**REFUND, "title": "草稿文章", "kind": "article"}
    )
    bob = client_for(personas.bob).get(f"{BASE}/articles").json()
    assert [a["id"] for a in bob["articles"]] == [published.pk]
    alice = client_for(personas.alice).get(f"{BASE}/articles", {"state": "draft"}).json()
    assert [a["id"] for a in alice["articles"]] == [draft.pk]
    quinn = client_for(personas.quinn).get(f"{BASE}/articles", {"kind": "faq"}).json()
    assert [a["id"] for a in quinn["articles"]] == [published.pk]
    tagged = client_for(personas.bob).get(f"{BASE}/articles", {"tag": "退款"}).json()
    assert [a["id"] for a in tagged["articles"]] == [published.pk]


def test_a_bad_filter_is_422_naming_the_parameter(personas):
    response = client_for(personas.bob).get(f"{BASE}/articles", {"kind": "video"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.kind"


def test_a_draft_is_read_by_its_author_and_the_owners_only(personas):
    draft = actions.create_article(personas.alice, REFUND)
    url = f"{BASE}/articles/{draft.pk}"
    assert client_for(personas.bob).get(url).status_code == 404
    assert client_for(personas.alice).get(url).json()["version"]["number"] == 1
    assert client_for(personas.quinn).get(url).json()["state"] == "draft"


def test_an_agent_writes_submits_and_an_owner_publishes(personas):
    alice, quinn = client_for(personas.alice), client_for(personas.quinn)
    body = {"type": "sop", "title": "退款查询", "tags": ["退款"],
            "steps": [{"n": 1, "text": "查询", "branches": [{"if": "已退款", "goto": 2}]},
                      {"n": 2, "text": "告知"}]}  # fmt: skip
    created = send(alice, "post", f"{BASE}/articles", body)
    assert created.status_code == 201, created.json()
    article_id = created.json()["id"]
    assert created.json()["version"]["steps"][0]["branches"] == [{"if": "已退款", "goto": 2}]
    assert send(alice, "post", f"{BASE}/articles/{article_id}/submit").json()["state"] == "review"
    # the agent may not publish; the owner does, with the checklist
    refused = send(alice, "post", f"{BASE}/articles/{article_id}/publish")
    assert refused.status_code == 403
    done = send(quinn, "post", f"{BASE}/articles/{article_id}/publish",
                {"quality": {"accurate": True}})  # fmt: skip
    assert done.status_code == 200 and done.json()["published_version"] == 1
    assert Article.objects.get().published_version.quality["accurate"] is True
    # published: the author no longer edits it (403), the owner writes version 2
    edit = send(alice, "put", f"{BASE}/articles/{article_id}", {**body, "title": "新标题"})
    assert edit.status_code == 403
    edit = send(quinn, "put", f"{BASE}/articles/{article_id}", {**body, "title": "新标题"})
    assert edit.status_code == 200 and edit.json()["head_version"] == 2
    # bob reads version 1 until version 2 is published
    bob = client_for(personas.bob).get(f"{BASE}/articles/{article_id}").json()
    assert bob["version"]["number"] == 1 and bob["version"]["title"] == "退款查询"
    versions = client_for(personas.bob).get(f"{BASE}/articles/{article_id}/versions").json()
    assert [v["number"] for v in versions] == [1]
    diff = client_for(personas.quinn).get(f"{BASE}/articles/{article_id}/diff").json()
    assert (diff["a"], diff["b"]) == (1, 2) and diff["changed"] >= 1
    hidden = client_for(personas.bob).get(f"{BASE}/articles/{article_id}/diff", {"b": 2})
    assert hidden.status_code == 422 and hidden.json()["errors"][0]["field"] == "b"


def test_bad_steps_are_422_per_step(personas):
    body = {
        "type": "sop",
        "title": "t",
        "steps": [{"n": 1, "text": "查", "branches": [{"if": "x", "goto": 7}]}],
    }
    response = send(client_for(personas.alice), "post", f"{BASE}/articles", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["step"] == 1


def test_only_owners_send_back_and_archive(personas, published):
    url = f"{BASE}/articles/{published.pk}"
    for path in ("send-back", "archive"):
        assert send(client_for(personas.alice), "post", f"{url}/{path}").status_code == 403
    assert send(client_for(personas.quinn), "post", f"{url}/send-back").status_code == 409
    archived = send(client_for(personas.quinn), "post", f"{url}/archive", {"note": "过时"})
    assert archived.json()["state"] == State.ARCHIVED
    assert client_for(personas.bob).get(url).status_code == 404


def test_change_requests_flag_decline_resolve(personas, published):
    bob, quinn = client_for(personas.bob), client_for(personas.quinn)
    flag = send(bob, "post", f"{BASE}/requests",
                {"kind": "flag", "article": published.pk, "reason": "到账时间变了"})  # fmt: skip
    assert flag.status_code == 201 and flag.json()["requested_by"] == "bob"
    missing = send(
        bob, "post", f"{BASE}/requests", {"kind": "fix", "article": published.pk, "reason": "x"}
    )
    assert missing.status_code == 422
    # alice sees the open request of an article she reads; only owners close it
    assert [r["id"] for r in client_for(personas.alice).get(f"{BASE}/requests").json()] == [
        flag.json()["id"]
    ]
    url = f"{BASE}/requests/{flag.json()['id']}"
    assert send(bob, "post", f"{url}/decline", {"answer": "不"}).status_code == 403
    assert (
        send(quinn, "post", f"{url}/resolve", {"answer": "已更新"}).json()["status"] == "resolved"
    )
    assert send(quinn, "post", f"{url}/decline", {"answer": "不"}).status_code == 409
    row = ChangeRequest.objects.get()
    assert row.resolved_by_version_id == published.published_version_id
    new = send(
        bob, "post", f"{BASE}/requests", {"kind": "new", "title": "海外退款", "reason": "没有"}
    )
    declined = send(
        quinn, "post", f"{BASE}/requests/{new.json()['id']}/decline", {"answer": "重复"}
    )
    assert declined.json()["status"] == RequestStatus.DECLINED
    assert client_for(personas.alice).get(f"{BASE}/requests", {"status": "declined"}).json() == []


def test_suggestions_and_link_follow_the_conversation_scope(personas, published, conversations):
    alice = client_for(personas.alice)
    body = alice.get(f"{BASE}/conversations/KA-ALICE/suggestions").json()
    assert [h["article"]["id"] for h in body["items"]] == [published.pk] and body["linked"] == []
    assert (
        client_for(personas.bob).get(f"{BASE}/conversations/KA-ALICE/suggestions").status_code
        == 404
    )
    linked = send(alice, "post", f"{BASE}/conversations/KA-ALICE/links", {"article": published.pk})
    assert linked.status_code == 200 and linked.json()["version"] == 1
    send(alice, "post", f"{BASE}/conversations/KA-ALICE/links", {"article": published.pk})
    assert ArticleLink.objects.count() == 1
    refused = send(client_for(personas.bob), "post", f"{BASE}/conversations/KA-ALICE/links",
                   {"article": published.pk})  # fmt: skip
    assert refused.status_code == 404
    assert alice.get(f"{BASE}/conversations/KA-ALICE/suggestions").json()["linked"] == [
        published.pk
    ]


def test_writes_are_audited(personas, published):
    send(client_for(personas.quinn), "post", f"{BASE}/articles/{published.pk}/archive")
    events = [a.detail["event"] for a in AuditLog.objects.filter(object_type="knowledge.article")]
    assert "archive" in events
