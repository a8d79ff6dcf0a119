"""The customer history card in a real browser: an agent opens a conversation of a
high-risk customer and sees the card (loaded by HTMX from the customers app) with the
label and the reasons, their values masked for her role; she tags the customer by hand;
the manager sees the same reasons with their values."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from kefu.customers.choices import TagKind
from kefu.customers.models import CustomerRisk, Tag, TagGroup
from kefu.customers.tests.conftest import risky_records

pytestmark = pytest.mark.browser


@pytest.fixture
def high_risk(personas, import_records):
    report = import_records(*risky_records())
    assert report.rejected == 0, report.errors
    group = TagGroup.objects.create(name="偏好")
    Tag.objects.create(group=group, name="偏好电话", kind=TagKind.MANUAL)
    assert CustomerRisk.objects.get(customer__external_id="U-RISK").label == "high"
    return personas


def log_in(page, user: User) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)  # slow when CI shares the cores


def test_the_agent_sees_the_history_card_of_a_high_risk_customer(page, high_risk, screenshot):
    # given alice, whose conversation R-1 is with the high-risk customer U-RISK
    log_in(page, high_risk.alice)
    # when she opens the conversation
    page.goto("/conversations/R-1/")
    card = page.locator("section.customer-card")
    card.wait_for()
    # then the card shows the label and the reasons, values masked for her role
    assert card.get_attribute("data-label") == "high"
    assert card.locator(".risk-label").inner_text() == "高敏感"  # Chinese first
    reasons = card.locator(".risk-reasons li")
    texts = [reasons.nth(i).inner_text() for i in range(reasons.count())]
    assert "90 天内投诉 * 次：+*" in texts, texts
    assert all("+*" in t for t in texts)
    assert card.locator(".last-complaint").inner_text().startswith("2024-05-19")
    assert card.locator(".customer-recent li").count() == 3
    screenshot(page, "customers-card-agent")

    # she tags the customer by hand; the card answers in place
    card.locator("select[name=tag]").select_option(label="偏好: 偏好电话")
    card.locator("button:has-text('添加标签')").click()
    page.locator("section.customer-card .customer-tag:has-text('偏好电话')").wait_for()

    # the manager sees the values
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(page, high_risk.mia)
    page.goto("/conversations/R-1/")
    manager_card = page.locator("section.customer-card")
    manager_card.wait_for()
    assert "90 天内投诉 3 次：+45" in manager_card.locator(".risk-reasons").inner_text()
    screenshot(page, "customers-card-manager")
