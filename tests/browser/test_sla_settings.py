"""The service-level settings page in a real browser: a manager opens it from the KPI
settings page, changes the e-mail policy's first-response target, and sees version 2
listed with version 1 in its history (kefu.sla.actions.save_policy)."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from kefu.sla.models import SlaPolicy

pytestmark = pytest.mark.browser


@pytest.fixture
def sla_defaults(personas):
    """Live-server tests flush the database after each test, data migrations' rows too:
    put the default calendars, holidays and policies back (idempotent)."""
    import_module("kefu.sla.migrations.0002_defaults").seed(apps, None)
    return personas


def test_manager_changes_the_email_first_response_target(sla_defaults, page, login, screenshot):
    login("mia")
    page.goto("/metrics/settings/")
    page.click(".settings-nav a[href='/sla/settings/']")
    page.wait_for_url("**/sla/settings/")
    assert page.locator("h1").inner_text() == "服务水平（SLA）"
    row = page.locator("#policy-row-email")
    assert row.locator("[data-target='first']").inner_text() == "24 小时"

    form = page.locator("#policy-email form.sla-policy-form")
    form.locator("#id_policy_email_first_value").fill("12")
    form.locator("#id_policy_email_first_unit").select_option("h")
    form.locator("button[type=submit]").click()
    page.wait_for_url("**/sla/settings/#policy-email")

    assert "策略已保存：邮件客服，第 2 版。" in page.locator(".flash-success").inner_text()
    assert row.locator("[data-target='first']").inner_text() == "12 小时"
    assert row.locator("[data-key='version']").inner_text() == "2"
    history = page.locator("#policy-email details.sla-history")
    history.locator("summary").click()
    old = history.locator("tr[data-version='1']")
    assert old.is_visible()
    assert "24 小时" in old.inner_text()
    versions = SlaPolicy.objects.filter(key="email").order_by("version")
    assert [(p.version, p.active, p.first_response_s) for p in versions] == [
        (1, False, 86400.0),
        (2, True, 43200.0),
    ]
    screenshot(page, "sla-settings-email-v2")
