"""Routing in a real browser: a high-sensitivity customer's chat arrives through the
ingest API, routing gives it to the senior agent who is online (alice), and her workspace
shows the conversation with the customer's history card; the supervisor's console shows
the queue card; a supervisor edits an agent's routing skills."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from django.db import connection

from kefu.assignment import selectors
from kefu.assignment.models import AgentProfile, RoutingDecision, RoutingRule, RoutingSettings
from kefu.assignment.tests.conftest import high_risk, ingest, online, record
from kefu.audit.models import AuditLog
from kefu.interactions.models import Conversation

pytestmark = pytest.mark.browser


@pytest.fixture
def routed(personas):
    RoutingSettings.objects.update_or_create(
        pk=1, defaults={"enabled": True, "enabled_since": date(2024, 6, 1)}
    )
    RoutingRule.objects.create(position=0, name="高敏感", risk_labels=["high"], tiers=["senior"])
    online("A0007")  # alice, senior
    online("A0102")  # bob, regular
    selectors.forget()
    high_risk("U-BROWSER", agent_id="A0102")
    # through the API, in a thread of its own (Playwright runs an event loop in this one,
    # and the live path pushes to the consoles after the commit)
    with ThreadPoolExecutor(1) as pool:
        pool.submit(_ingest, personas.mia).result(timeout=60)
    selectors.forget()
    return personas


def _ingest(user) -> None:
    try:
        ingest(user, record("LIVE-HIGH", "U-BROWSER"))
    finally:
        connection.close()


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def test_a_high_risk_chat_is_routed_to_the_online_senior_agent(page, routed, screenshot):
    # given the chat routed on arrival to alice (senior), not bob (regular, last agent)
    conversation = Conversation.objects.select_related("agent").get(external_id="LIVE-HIGH")
    assert conversation.agent.external_id == "A0007"
    assert RoutingDecision.objects.get(conversation=conversation).target == "senior"
    # when alice opens her workspace
    log_in(page, routed.alice)
    page.goto("/live/workspace/")
    conv = page.locator("section.workspace-conv[data-conversation='LIVE-HIGH']")
    conv.wait_for()
    # then the conversation is there with the customer's history card, labelled high
    card = conv.locator("section.customer-card")
    card.wait_for()
    assert card.get_attribute("data-label") == "high"
    assert card.locator(".risk-label").inner_text() == "高敏感"
    screenshot(page, "routing-workspace-agent")
    # and the decision's reasons read in Chinese
    page.goto("/routing/conversations/LIVE-HIGH/")
    reasons = page.locator(".routing-reasons").first.inner_text()
    assert "规则“高敏感”命中" in reasons
    assert "客户上次的客服 王强 不在目标层级" in reasons


def test_the_supervisor_console_shows_the_queue_card(page, routed, screenshot):
    log_in(page, routed.sam)
    page.goto("/live/")
    card = page.locator("#routing-console")
    card.wait_for()
    assert "分配队列" in card.inner_text()
    assert card.locator("tr[data-agent='A0007']").inner_text().endswith("1 / 3")
    screenshot(page, "routing-console-supervisor")


def test_a_supervisor_edits_an_agents_routing_skills(page, personas, screenshot):
    # given sam, supervisor of 售后一组, on the routing skills page (from the live tabs)
    log_in(page, personas.sam)
    page.goto("/live/")
    page.get_by_role("link", name="分配技能").click()
    page.wait_for_url("**/routing/agents/")
    row = page.locator("#routing-profiles tr[data-agent='A0007']")
    assert "默认" in row.locator(".profile-capacity").inner_text()
    assert page.locator("#routing-profiles tr[data-agent='A0102']").count() == 0  # not his team
    # when he edits alice: chat only, the product line 手机, English, 4 at once
    row.get_by_role("link", name="修改").click()
    form = page.locator("#routing-profile-form")
    form.wait_for()
    form.get_by_label("在线聊天").check()
    form.get_by_label("产品线").fill("手机")
    form.get_by_label("语言").fill("en")
    form.get_by_label("名额").fill("4")
    screenshot(page, "routing-profile-edit-supervisor")
    form.get_by_role("button", name="保存").click()
    # then the list shows her new skills, and they are stored and audited
    page.wait_for_url("**/routing/agents/**")
    row = page.locator("#routing-profiles tr[data-agent='A0007']")
    assert row.locator(".profile-channels").inner_text() == "在线聊天"
    assert row.locator(".profile-product-lines").inner_text() == "手机"
    assert row.locator(".profile-capacity").inner_text() == "4"
    profile = AgentProfile.objects.get(agent__external_id="A0007")
    assert (profile.channels, profile.languages, profile.capacity) == (["chat"], ["en"], 4)
    assert AuditLog.objects.filter(object_type="assignment.agent_profile", user=personas.sam)
