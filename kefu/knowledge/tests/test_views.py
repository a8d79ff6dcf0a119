"""Knowledge pages with the right and the wrong role: search with highlights, drafts
hidden from others, publishing by owners only, the diff, requests, and the suggestion
fragment of a conversation (一键调取)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for, native_conversation
from kefu.knowledge import actions
from kefu.knowledge.choices import RequestStatus, State
from kefu.knowledge.models import Article, ArticleLink, ChangeRequest
from kefu.knowledge.tests.conftest import REFUND


@pytest.fixture
def conversations(import_records):
    import_records(
        native_conversation(id="KV-ALICE", agent="A0007",
                            messages=[{"id": "m1", "role": "customer", "at": "2024-05-02T10:15:00+08:00",
                                       "text": "你好，我的钱还没到账，退款都一周了"}]),
        native_conversation(id="KV-BOB", agent="A0102"),
    )  # fmt: skip


def test_the_search_page_ranks_and_highlights(personas, published):
    response = client_for(personas.bob).get(reverse("knowledge:home"), {"q": "退款多久到账"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-article="{published.pk}"' in html and "<mark>" in html


def test_the_list_and_filters_show_only_visible_articles(personas, published):
    draft = actions.create_article(personas.alice, {**REFUND, "title": "草稿文章"})
    bob = client_for(personas.bob).get(reverse("knowledge:home")).context["articles"]
    assert [a.pk for a in bob] == [published.pk]
    quinn = client_for(personas.quinn).get(reverse("knowledge:home"), {"state": "draft"})
    assert [a.pk for a in quinn.context["articles"]] == [draft.pk]
    assert (
        client_for(personas.bob).get(reverse("knowledge:article", args=[draft.pk])).status_code
        == 404
    )
    assert (
        client_for(personas.alice).get(reverse("knowledge:article", args=[draft.pk])).status_code
        == 200
    )
    assert client_for().get(reverse("knowledge:home")).status_code == 302


def test_an_agent_writes_a_draft_and_an_owner_publishes_it_with_the_checklist(personas):
    alice, quinn = client_for(personas.alice), client_for(personas.quinn)
    data = {
        **REFUND,
        "kind": "sop",
        "steps": "1. 查询退款状态\n - 如果 已退款 → 2\n2. 告知到账时间",
    }
    response = alice.post(reverse("knowledge:new"), data)
    article = Article.objects.get()
    assert response.status_code == 302 and article.state == State.DRAFT
    assert alice.post(reverse("knowledge:submit", args=[article.pk])).status_code == 302
    # the agent may not publish (404: not her page), the owner does
    assert alice.post(reverse("knowledge:publish", args=[article.pk])).status_code == 404
    quinn.post(reverse("knowledge:publish", args=[article.pk]), {"unique": "on", "accurate": "on"})
    article.refresh_from_db()
    assert article.state == State.PUBLISHED
    assert article.published_version.quality["accurate"] is True
    html = (
        client_for(personas.bob)
        .get(reverse("knowledge:article", args=[article.pk]))
        .content.decode()
    )
    assert 'id="sop-steps"' in html and "#step-2" in html


def test_bad_steps_are_shown_per_step(personas):
    data = {**REFUND, "kind": "sop", "steps": "1. 查询\n - 如果 已退款 → 7"}
    response = client_for(personas.quinn).post(reverse("knowledge:new"), data)
    assert response.status_code == 200
    assert "不存在的第 7 步" in response.content.decode() and not Article.objects.exists()


def test_an_agent_flags_an_article_and_the_owner_update_resolves_it(personas, published):
    bob, quinn = client_for(personas.bob), client_for(personas.quinn)
    bob.post(
        reverse("knowledge:request", args=[published.pk]), {"kind": "flag", "reason": "时效变了"}
    )
    request = ChangeRequest.objects.get()
    assert request.requested_by == personas.bob
    # bob may not edit a published article
    assert bob.get(reverse("knowledge:edit", args=[published.pk])).status_code == 404
    quinn.post(reverse("knowledge:edit", args=[published.pk]),
               {**REFUND, "resolution": "银行卡一般1-5个工作日到账。", "note": "时效"})  # fmt: skip
    quinn.post(reverse("knowledge:publish", args=[published.pk]))
    request.refresh_from_db()
    assert request.status == RequestStatus.RESOLVED
    diff = quinn.get(reverse("knowledge:diff", args=[published.pk]), {"a": 1, "b": 2})
    assert diff.status_code == 200 and diff.context["changed"] >= 1
    assert "<mark>5</mark>" in diff.content.decode()
    rows = client_for(personas.quinn).get(reverse("knowledge:requests"), {"status": "resolved"})
    assert [r.pk for r in rows.context["rows"]] == [request.pk]


def test_a_new_article_request_from_the_requests_page(personas):
    client_for(personas.bob).post(
        reverse("knowledge:requests"), {"kind": "new", "title": "海外退款", "reason": "没有文章"}
    )
    assert ChangeRequest.objects.get().kind == "new"
    # only owners decline
    request = ChangeRequest.objects.get()
    assert (
        client_for(personas.bob)
        .post(reverse("knowledge:decline", args=[request.pk]), {"answer": "x"})
        .status_code
        == 404
    )
    client_for(personas.mia).post(
        reverse("knowledge:decline", args=[request.pk]), {"answer": "已有"}
    )
    assert ChangeRequest.objects.get().status == RequestStatus.DECLINED


def test_suggestions_read_the_customers_latest_messages(personas, published, conversations):
    url = reverse("knowledge:suggest", args=["KV-ALICE"])
    response = client_for(personas.alice).get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-article="{published.pk}"' in html and "knowledge-insert" in html
    assert "原路退回" in html  # the snippet is there to insert
    assert client_for(personas.bob).get(url).status_code == 404  # not his conversation
    assert client_for(personas.sam).get(url).status_code == 200  # his team's


def test_linking_the_article_that_solved_it(personas, published, conversations):
    url = reverse("knowledge:link", args=["KV-ALICE"])
    assert client_for(personas.bob).post(url, {"article": published.pk}).status_code == 404
    response = client_for(personas.alice).post(url, {"article": published.pk})
    assert response.status_code == 200 and "knowledge-linked" in response.content.decode()
    assert ArticleLink.objects.get().linked_by == personas.alice
    assert client_for(personas.alice).post(url, {"article": "x"}).status_code == 404
