"""Analyses in a real browser: a QA specialist writes a 5-Why for a problem, picks the
root cause the answers lead to and sees it on the detail page; then hands it off to the
trainers (the root cause is missing training)."""

from __future__ import annotations

import pytest

from kefu.improvement.selectors import cause_nodes
from kefu.improvement.tests.conftest import classified_complaints
from kefu.notifications.models import Notification

pytestmark = pytest.mark.browser


@pytest.fixture
def complaints(personas, import_records):
    return classified_complaints(personas, import_records)


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def test_a_qa_specialist_writes_a_five_why(page, complaints, screenshot):
    log_in(page, complaints.quinn)
    page.goto("/improvement/")
    page.locator("nav.qa-tabs a", has_text="分析").click()
    page.wait_for_url("**/improvement/analyses/five-why/")
    page.locator("#new-analysis").click()
    page.wait_for_url("**/five-why/new/")

    form = page.locator("#analysis-form")
    form.locator("#id_title").fill("退款到账慢的 5-Why")
    form.locator("#id_problem").select_option("退款到账慢")
    cause = cause_nodes("退款到账慢").get(name="培训缺失")
    form.locator("#id_root_cause").select_option(str(cause.pk))
    form.locator("#id_why1").fill("客服没有为客户申请加急退款")
    form.locator("#id_why2").fill("客服不知道有加急流程")
    form.locator("#id_why3").fill("新人培训没有讲加急流程")
    form.locator("#id_conversations").fill("CMP-0, CMP-1")
    screenshot(page, "improvement-five-why-form")
    form.locator("button[type=submit]").click()

    page.wait_for_url("**/five-why/*/")
    assert page.locator("#analysis-root-cause").inner_text() == "培训缺失"
    whys = page.locator("#five-whys ol li")
    assert whys.count() == 3
    assert "新人培训没有讲加急流程" in whys.nth(2).inner_text()
    links = page.locator("#linked-conversations tbody")
    assert "CMP-0" in links.inner_text() and "CMP-1" in links.inner_text()
    screenshot(page, "improvement-five-why")

    # the root cause is missing training: hand it off to the trainers
    page.locator("#handoff-button").click()
    page.locator("#last-handoff").wait_for()
    assert Notification.objects.filter(recipient=complaints.tina).count() == 1


def test_the_fishbone_is_drawn_without_policy_violations(page, complaints, screenshot):
    from kefu.improvement.actions_analysis import save_fishbone

    fishbone = save_fishbone(
        {
            "title": "物流延迟鱼骨图",
            "problem": "物流延迟",
            "root_cause": cause_nodes("物流延迟").first(),
            "causes": {
                "people": ["夜班人手少", "新人不熟悉物流查询"],
                "system": ["物流接口超时"],
                "product": ["快递公司更换"],
                "process": ["异常件上报要三级审批"],
                "environment": ["大促期间件量翻倍"],
                "measurement": ["没有统计时效"],
            },
            "conversations": ["CMP-3"],
        },
        user=complaints.quinn,
    )
    page.add_init_script(
        "window.__csp = []; document.addEventListener('securitypolicyviolation',"
        " (e) => window.__csp.push(e.violatedDirective));"
    )
    log_in(page, complaints.sam)  # a supervisor reads it
    page.goto(f"/improvement/analyses/fishbone/{fishbone.pk}/")
    diagram = page.locator("#fishbone-diagram")
    diagram.wait_for()
    assert diagram.locator("g.fishbone-bone").count() == 6
    assert diagram.bounding_box()["width"] > 600
    assert page.evaluate("window.__csp") == []
    assert page.locator("#edit-analysis").count() == 0  # supervisors read only
    screenshot(page, "improvement-fishbone")
