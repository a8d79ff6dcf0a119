"""The web UI in a real browser: log-in, masking, the cross-channel timeline, HTMX
filtering and the language switch."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import unquote

import pytest

from conftest import SHANGHAI, native_conversation

pytestmark = pytest.mark.browser

PHONE = "13812345678"
MASKED = "138****5678"
T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
CUSTOMER = {"id": "U-B-MIX", "name": "王芳", "phone": PHONE, "email": "wf@example.com"}


@pytest.fixture
def data(personas, import_records):
    """Customer U-B-MIX on three channels (two with alice, e-mail with bob)."""
    call = T0 + timedelta(days=2)
    segments = [
        {"id": "s0", "role": "agent", "agent": "A0007", "at": call.isoformat(),
         "text": "您好，这里是客服中心", "start_s": 0.0, "end_s": 3.5},
        {"id": "s1", "role": "customer", "at": (call + timedelta(seconds=4)).isoformat(),
         "text": f"我的电话是{PHONE}，退款还没到", "start_s": 4.0, "end_s": 9.0},
    ]  # fmt: skip
    report = import_records(
        native_conversation(
            id="C-B-CHAT",
            created=T0,
            customer=CUSTOMER,
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": T0.isoformat(),
                    "text": f"退款怎么还没到？我的手机{PHONE}",
                },
                {
                    "id": "m2",
                    "role": "agent",
                    "agent": "A0007",
                    "at": (T0 + timedelta(seconds=20)).isoformat(),
                    "text": "您好，我马上为您查询。",
                },
            ],
        ),
        native_conversation(
            id="C-B-PHONE",
            channel="phone",
            created=call,
            customer=CUSTOMER,
            messages=segments,
            complaint=True,
        ),
        native_conversation(
            id="C-B-EMAIL",
            channel="email",
            agent="A0102",
            created=T0 + timedelta(days=30),
            customer=CUSTOMER,
            category=["咨询", "发票"],
        ),
        *[
            native_conversation(
                id=f"C-B-OTHER-{i}",
                agent=("A0007", "A0102")[i % 2],
                channel=("chat", "app", "phone")[i % 3],
                created=T0 - timedelta(days=i + 1),
            )
            for i in range(12)
        ],
    )
    assert report.rejected == 0, report.errors
    return personas


def test_agent_logs_in_and_opens_a_conversation_masked(data, page, login, screenshot):
    login("alice")
    assert page.locator("table.conversations").is_visible()
    screenshot(page, "agent-conversation-list")
    page.click("a[href='/conversations/C-B-CHAT/']")
    page.wait_for_url("**/conversations/C-B-CHAT/")
    body = page.inner_text("body")
    assert MASKED in page.inner_text(".customer-phone")
    assert MASKED in body
    assert PHONE not in page.content()
    assert "会话 C-B-CHAT" in body
    screenshot(page, "agent-conversation-detail")


def test_manager_sees_the_cross_channel_timeline(data, page, login, screenshot):
    login("mia")
    page.goto("/customers/U-B-MIX/")
    timeline = page.locator("ol.timeline")
    text = timeline.inner_text()
    for channel in ("在线聊天", "电话", "邮件"):
        assert channel in text
    assert timeline.locator("li.tl-chat, li.tl-phone, li.tl-email").count() == 3
    assert "7 天内重复联络" in text  # the call came two days after the chat
    assert PHONE in page.inner_text(".customer-phone")  # managers see it unmasked
    page.wait_for_selector("#contacts-chart svg")  # ECharts drew the monthly chart
    screenshot(page, "manager-customer-timeline")


def test_filters_refresh_the_table_without_reloading(data, page, login, screenshot):
    login("mia")
    page.evaluate("window.kefuMarker = 'still here'")
    page.select_option("#id_channel", "phone")
    page.wait_for_url(re.compile(r".*channel=phone.*"))
    page.wait_for_function(
        "[...document.querySelectorAll('table.conversations tbody tr')]"
        ".every(tr => tr.innerText.includes('电话'))"
    )
    assert page.evaluate("window.kefuMarker") == "still here"  # no full page load
    assert page.locator("table.conversations tbody tr").count() == 5
    page.fill("#id_q", "退款还没到")  # typing searches after a short pause
    page.wait_for_function("document.querySelectorAll('table.conversations tbody tr').length == 1")
    assert "退款还没到" in unquote(page.url)
    assert "C-B-PHONE" in page.inner_text("table.conversations")
    assert page.evaluate("window.kefuMarker") == "still here"
    screenshot(page, "manager-list-filtered")
    # Switching the language keeps the filters that HTMX put into the address.
    page.click(".langswitch button[value=en]")
    page.wait_for_url(re.compile(r".*channel=phone.*"))
    assert "Conversations" in page.inner_text("nav.mainnav")
    assert page.locator("table.conversations tbody tr").count() == 1


def test_switching_to_english_changes_the_navigation(data, page, login, screenshot):
    login("adam")
    nav = page.locator("nav.mainnav")
    assert "会话" in nav.inner_text() and "审计日志" in nav.inner_text()
    page.click(".langswitch button[value=en]")
    page.wait_for_load_state("load")
    labels = nav.inner_text()
    assert "Conversations" in labels and "Audit log" in labels and "API docs" in labels
    assert "会话" not in labels
    assert page.locator("html").get_attribute("lang") == "en"
    screenshot(page, "admin-list-english")
    page.goto("/audit/")
    assert "Audit log" in page.inner_text("h1")
    screenshot(page, "admin-audit-log-english")
