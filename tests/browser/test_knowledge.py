"""The knowledge base in the conversation, on a real Uvicorn server with the demo data:
a customer message arrives in the agent's workspace, a suggested SOP appears, the agent
inserts its snippet into the reply box and links the article; the agent flags the
article, a knowledge owner updates and publishes it, and the freshness figure counts it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.browser.test_live import Site, now, serve_demo
from tests.browser.test_live import api as live_api
from tests.browser.test_live import signed_in as live_signed_in

PATIENCE_MS = 60_000  # a busy machine (the demo server shares it with other tests)


def api(site: Site, path: str, body) -> int:
    for attempt in range(3):
        try:
            return live_api(site, path, body)
        except TimeoutError:
            if attempt == 2:
                raise
    raise AssertionError


def signed_in(browser, site: Site, username: str):
    context, tab = live_signed_in(browser, site, username)
    context.set_default_timeout(PATIENCE_MS)
    return context, tab


pytestmark = pytest.mark.browser

MESSAGE = "退款怎么还没到？说好三天到账，现在一周了，退款太慢了"
SOP_TITLE = "退款一直没到账的核查流程"
NEW_SNIPPET = "系统显示退款卡在了审核环节，我已提交紧急处理，预计2小时内退回到您的支付账户。"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """A fresh demo installation (with its knowledge base) served by Uvicorn in another
    process (as test_live's, with room for a busy machine)."""
    yield from serve_demo(
        tmp_path_factory.mktemp("knowledge"), setup_timeout_s=1200, start_timeout_s=60
    )


def test_a_suggested_sop_is_inserted_linked_flagged_and_updated(browser, site, screenshot):
    conversation = {
        "type": "conversation", "id": "KB-BROWSER-1", "channel": "chat", "status": "open",
        "customer": {"id": "U-KB-1"}, "agent": site.agent, "created_at": now(),
        "messages": [{"id": "m1", "role": "customer", "at": now(), "text": "你好"}],
    }  # fmt: skip
    # (201; 200 when a retry after a timeout finds it stored already)
    assert api(site, "/api/v1/conversations", conversation) in (200, 201)

    agent_context, workspace = signed_in(browser, site, "agent")
    owner_context, owner = signed_in(browser, site, "qa")
    try:
        workspace.goto("/live/workspace/")
        card = workspace.locator(".workspace-conv[data-conversation='KB-BROWSER-1']")
        card.wait_for()
        workspace.locator("#live-status.ok").wait_for()

        # the customer's message arrives live: the suggestions refresh with the refund SOP
        message = {"id": "m2", "role": "customer", "at": now(), "text": MESSAGE}
        assert api(site, "/api/v1/conversations/KB-BROWSER-1/messages", message) in (200, 201)
        card.locator(".msg-customer .msg-body", has_text="退款太慢了").wait_for()
        sop = card.locator(".knowledge-suggestion", has_text=SOP_TITLE)
        sop.wait_for()
        assert "SOP" in sop.inner_text()
        article_id = sop.get_attribute("data-article")

        # insert the snippet into the reply box, then link the article
        snippet = sop.locator("template.knowledge-snippet").evaluate(
            "t => t.content.textContent.trim()"
        )
        sop.locator("button.knowledge-insert").click()
        assert card.locator(".reply-form textarea").input_value() == snippet
        sop.locator("button.knowledge-link").click()
        card.locator(".knowledge-suggestion", has_text=SOP_TITLE).locator(
            ".knowledge-linked"
        ).wait_for()
        screenshot(workspace, "knowledge-workspace-suggestion")

        # "Wrong or outdated?": the agent flags the article on its page
        workspace.goto(f"/knowledge/{article_id}/")
        workspace.select_option("#id_kind", "flag")
        workspace.fill("#id_reason", "审核时效已缩短到2小时，话术里还是24小时")
        workspace.click("#request-form button[type=submit]")
        workspace.locator(".flash-success").wait_for()

        # the owner updates the snippet and publishes with the quality checklist
        flagged = datetime.now(UTC)
        owner.goto(f"/knowledge/{article_id}/edit/")
        owner.fill("#id_snippet", NEW_SNIPPET)
        owner.fill("#id_note", "审核时效改为2小时")
        owner.click("#article-form button[type=submit]")
        owner.wait_for_url(f"**/knowledge/{article_id}/")
        for criterion in ("unique", "customer_words", "complete", "clear", "accurate"):
            owner.check(f"#publish-form input[name={criterion}]")
        owner.click("#publish-form button[type=submit]")
        owner.wait_for_url(f"**/knowledge/{article_id}/")
        assert owner.locator("#publish-form").count() == 0  # published
        screenshot(owner, "knowledge-article-published")

        # the freshness figure of this month counts the request (minutes, not hours)
        today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
        owner.goto(f"/knowledge/figures/?from={today}&to={today}")
        month = owner.locator("#month-table tbody tr").first
        cells = month.locator("td")
        assert cells.nth(4).inner_text() == "1"  # requests resolved
        hours = float(owner.locator("#figure-freshness").inner_text().removesuffix(" h"))
        assert 0 <= hours <= (datetime.now(UTC) - flagged).total_seconds() / 3600 + 0.1
        owner.locator("#freshness-chart svg").wait_for()
        screenshot(owner, "knowledge-figures")

        # agents now get the new snippet
        workspace.goto("/live/workspace/")
        updated = workspace.locator(
            ".workspace-conv[data-conversation='KB-BROWSER-1'] .knowledge-suggestion",
            has_text=SOP_TITLE,
        )
        updated.wait_for()
        assert NEW_SNIPPET in updated.locator("template.knowledge-snippet").evaluate(
            "t => t.content.textContent"
        )
    finally:
        agent_context.close()
        owner_context.close()
