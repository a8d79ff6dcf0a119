"""Writes of the knowledge base with the right and the wrong role: drafts, review,
publishing, change requests and freshness, links, audit."""

from __future__ import annotations

import pytest
from django.utils import translation

from kefu.accounts import access
from kefu.audit.models import AuditLog
from kefu.interactions.models import Conversation
from kefu.knowledge import actions
from kefu.knowledge import search as knowledge_search
from kefu.knowledge.choices import RequestStatus, State
from kefu.knowledge.models import Article, ArticleLink, ArticleVersion, ChangeRequest, SearchLog
from kefu.knowledge.tests.conftest import REFUND
from kefu.lib.errors import Invalid, NotAllowed, NotFound


def visible(user) -> set[int]:
    return set(access.restrict(Article.objects.all(), user).values_list("pk", flat=True))


def test_an_agents_draft_is_seen_by_its_author_and_the_owners_only(personas):
    p = personas
    # given alice writes a draft
    draft = actions.create_article(p.alice, REFUND)
    # then
    assert draft.state == State.DRAFT and draft.head.number == 1
    assert draft.pk in visible(p.alice) and draft.pk in visible(p.quinn)
    assert draft.pk in visible(p.mia) and draft.pk in visible(p.adam)
    assert draft.pk not in visible(p.bob) and draft.pk not in visible(p.sam)
    assert draft.pk not in visible(p.olga)
    assert draft.pk not in visible(None)


def test_the_author_submits_and_only_an_owner_publishes(personas):
    p = personas
    draft = actions.create_article(p.alice, REFUND)
    actions.submit(p.alice, draft.pk)
    with pytest.raises(NotAllowed):
        actions.publish(p.alice, draft.pk)
    with pytest.raises(NotAllowed):
        actions.publish(p.sam, draft.pk)
    with pytest.raises(NotFound):  # bob does not see alice's draft
        actions.submit(p.bob, draft.pk)
    article = actions.publish(p.quinn, draft.pk, quality={"unique": True, "bogus": True})
    assert article.state == State.PUBLISHED and article.published_version.number == 1
    assert article.review_due is not None
    assert article.published_version.quality["unique"] is True
    assert "bogus" not in article.published_version.quality
    assert article.pk in visible(p.bob)
    events = list(
        AuditLog.objects.filter(action="knowledge").values_list("detail__event", flat=True)
    )
    assert set(events) >= {"create", "submit", "publish"}


def test_a_published_article_changes_through_a_request_and_freshness_is_recorded(
    personas, published
):
    p = personas
    # an agent may not edit it (403: she reads it): she flags it instead
    with pytest.raises(NotAllowed):
        actions.edit_article(p.bob, published.pk, {**REFUND, "title": "x"})
    flag = actions.request_change(
        p.bob, kind="flag", reason="银行卡现在要1-5天", article_id=published.pk
    )
    assert flag.status == RequestStatus.OPEN
    # the owner writes version 2: a draft; readers still get version 1
    v2 = actions.edit_article(
        p.quinn,
        published.pk,
        {**REFUND, "resolution": "银行卡一般1-5个工作日到账。", "note": "时效"},
    )
    article = Article.objects.get(pk=published.pk)
    assert v2.number == 2 and article.state == State.DRAFT
    assert article.published_version.number == 1
    # publishing resolves the request with the version that did it
    actions.publish(p.quinn, published.pk)
    flag.refresh_from_db()
    assert flag.status == RequestStatus.RESOLVED
    assert flag.resolved_by_version_id == v2.pk and flag.resolved_by == p.quinn
    assert flag.resolved_at >= flag.requested_at


def test_a_fix_needs_a_proposal_and_a_new_article_request_a_title(personas, published):
    p = personas
    with pytest.raises(Invalid):
        actions.request_change(p.bob, kind="fix", reason="过时", article_id=published.pk)
    with pytest.raises(Invalid):
        actions.request_change(p.bob, kind="new", reason="没有相关文章")
    with pytest.raises(Invalid):
        actions.request_change(p.bob, kind="flag", reason="", article_id=published.pk)
    new = actions.request_change(p.bob, kind="new", reason="没有文章", title="海外退款")
    # an article written from it resolves it when published
    article = actions.create_article(p.quinn, {**REFUND, "title": "海外订单退款"}, request=new)
    actions.publish(p.quinn, article.pk)
    new.refresh_from_db()
    assert new.status == RequestStatus.RESOLVED and new.article_id == article.pk


def test_only_an_owner_declines_a_request(personas, published):
    p = personas
    request = actions.request_change(p.bob, kind="flag", reason="不对", article_id=published.pk)
    with pytest.raises(NotAllowed):
        actions.decline_request(p.alice, request.pk, "无")
    actions.decline_request(p.mia, request.pk, "内容无误")
    assert ChangeRequest.objects.get(pk=request.pk).status == RequestStatus.DECLINED


def test_sop_steps_are_checked_with_one_error_per_problem(personas):
    data = {**REFUND, "kind": "sop", "steps": "1. 核实\n   - 如果 未支付 → 9\n2. 回复"}
    with translation.override("zh-hans"), pytest.raises(Invalid) as exc:
        actions.create_article(personas.quinn, data)
    # one error, on step 1, in the users' first language
    assert exc.value.errors == [{"step": 1, "error": "分支跳转到不存在的第 9 步"}]
    ok = actions.create_article(
        personas.quinn, {**data, "steps": "1. 核实\n - 如果 未支付 → 2\n2. 回复"}
    )
    assert ok.head.steps[0]["branches"] == [{"if": "未支付", "goto": 2}]
    with pytest.raises(Invalid):
        actions.create_article(personas.quinn, {**data, "steps": ""})


def test_an_agent_links_the_article_to_her_own_conversation_only(
    personas, published, import_records
):
    p = personas
    from conftest import native_conversation

    import_records(
        native_conversation(id="K-ALICE", agent="A0007"),
        native_conversation(id="K-BOB", agent="A0102"),
    )
    mine = Conversation.objects.get(external_id="K-ALICE")
    link = actions.link(p.alice, mine.pk, published.pk)
    assert link.version_id == published.published_version_id and link.agent.external_id == "A0007"
    assert actions.link(p.alice, mine.pk, published.pk).pk == link.pk  # once
    with pytest.raises(NotFound):
        actions.link(p.alice, Conversation.objects.get(external_id="K-BOB").pk, published.pk)
    assert ArticleLink.objects.count() == 1


def test_search_answers_what_the_user_may_read_and_logs_it(personas, published):
    p = personas
    draft = actions.create_article(p.alice, {**REFUND, "title": "退款到账慢的草稿"})
    found_by_bob = [r.article.pk for r in knowledge_search.search(p.bob, "钱没到账怎么办")]
    assert found_by_bob == [published.pk]
    found_by_alice = {r.article.pk for r in knowledge_search.search(p.alice, "钱没到账怎么办")}
    assert found_by_alice == {published.pk, draft.pk}
    results = knowledge_search.search(p.bob, "退款到账")
    assert any(hit for text, hit in results[0].title)
    assert knowledge_search.search(p.bob, "量子力学") == []
    assert SearchLog.objects.filter(query="量子力学", results=0).exists()
    # an edit is found at once (the index follows the articles)
    actions.edit_article(p.quinn, published.pk, {**REFUND, "title": "退款时效说明"})
    actions.publish(p.quinn, published.pk)
    assert knowledge_search.search(p.bob, "时效说明")[0].article.pk == published.pk
    assert ArticleVersion.objects.filter(article=published).count() == 2
