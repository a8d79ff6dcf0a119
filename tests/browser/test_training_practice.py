"""Practice with simulated customers in a real browser: an agent picks a scenario, chats
with the simulated customer (each reply answered in place, HTMX), reaches the goal, says
goodbye, finishes, and sees the QA breakdown with the hits and their evidence."""

from __future__ import annotations

import pytest

from kefu.training.actions.practice import sync_builtin_scenarios
from kefu.training.models import Practice

pytestmark = pytest.mark.browser

REPLIES = [
    "您好，非常抱歉让您久等了，跟您确认一下，麻烦提供一下订单号，我马上帮您查一下。",
    "非常抱歉，查到是仓库缺货，已从华东仓调货，明天上午就能发出，顺丰次日达。",
    "这个没办法，延迟发货是没有补偿的。",
]


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def send(page, text: str, messages: int) -> None:
    page.fill("#tp-reply", text)
    page.press("#tp-reply", "Enter")  # Enter sends (Shift+Enter: a new line)
    page.wait_for_function(
        "n => document.querySelectorAll('#tp-chat .msg').length >= n", arg=messages
    )


def test_an_agent_practises_and_sees_the_qa_breakdown(page, personas, screenshot):
    sync_builtin_scenarios()
    log_in(page, personas.alice)
    page.goto("/training/practice/")
    assert page.locator("#tp-scenarios tr[data-scenario]").count() == 20
    page.click("tr[data-scenario='logistics-delay'] button[type=submit]")
    page.wait_for_selector("#tp-reply-form")
    assert page.locator("#tp-chat .msg-customer").count() == 1
    assert "2024050212" in page.locator(".tp-brief").inner_text()  # what the system shows

    send(page, REPLIES[0], 3)
    assert "2024050212" in page.locator("#tp-chat .msg-customer").last.inner_text()
    send(page, REPLIES[1], 5)
    screenshot(page, "training-practice-workspace")
    # a bad reply: the customer does not accept it and leaves with a complaint
    page.fill("#tp-reply", REPLIES[2])
    page.press("#tp-reply", "Enter")
    page.wait_for_selector("#qa-breakdown")  # the customer left: the result page

    practice = Practice.objects.get()
    assert practice.status == "finished" and practice.goal_reached is False
    assert page.get_attribute("#tp-outcome", "data-goal") == "0"
    score = page.locator("#qa-score .qa-score").inner_text()
    assert float(score) == float(practice.qa_score)
    # the taboo phrase: an item of the breakdown, a hit with its evidence, marked on the message
    assert page.locator("#qa-breakdown tr.qa-item[data-item='taboo']").count() == 1
    hit = page.locator("#qa-hits li[data-indicator='forbidden_phrase']")
    assert "这个没办法" in hit.inner_text()
    assert page.locator(".qa-chat .msg.qa-hit mark", has_text="这个没办法").count() == 1
    assert page.locator("#tp-checks li.tp-check-failed[data-item='taboo']").count() == 1
    assert "直接拒绝补偿，客户不满" in page.locator(".qa-chat").inner_text()
    screenshot(page, "training-practice-result")

    # practise again, this time to the goal, with a closing word, then finish
    page.click("#tp-again")
    page.wait_for_selector("#tp-reply-form")
    send(page, REPLIES[0], 3)
    send(page, REPLIES[1], 5)
    send(page, "理解您的心情，给您补偿一张20元无门槛券，已经发到您的账户了。", 7)
    page.wait_for_selector("#tp-goal-reached")
    page.fill("#tp-reply", "感谢您的理解，还有什么可以帮您的吗？祝您生活愉快！")
    page.press("#tp-reply", "Enter")
    page.wait_for_function("() => document.querySelectorAll('#tp-chat .msg').length >= 8")
    page.click("#tp-finish")
    page.wait_for_selector("#qa-breakdown")
    assert page.get_attribute("#tp-outcome", "data-goal") == "1"
    best = Practice.objects.order_by("-pk").first()
    assert best.goal_reached and best.qa_score > practice.qa_score
    page.goto("/training/practice/history/")
    assert page.locator("#tp-history tr[data-practice]").count() == 2


def test_a_trainer_sees_the_new_hires_error_rate_fall(page, personas, screenshot):
    from datetime import date

    from conftest import import_native
    from kefu.accounts.models import Agent
    from kefu.training import demo_practice

    import_native(
        *[
            {"type": "agent", "id": f"N{n:03d}", "name": name, "team": "新人组", "tier": "new",
             "hired_on": date(2024, 2 + n, 5).isoformat()}
            for n, name in enumerate(["陈晨", "刘洋", "赵敏", "孙悦", "周杰", "吴婷"])
        ]
    )  # fmt: skip
    demo_practice.demo(7, today=date(2024, 12, 31), agents=list(Agent.objects.filter(tier="new")))
    log_in(page, personas.tina)
    page.goto("/training/practice/error-rates/")
    page.wait_for_selector("#tp-rates-chart canvas")
    assert page.locator("#tp-new-hires tr[data-agent]").count() == 6
    first = page.locator("#tp-cohort tr[data-week='1'] td").last.inner_text()
    last = page.locator("#tp-cohort tr[data-week='8'] td").last.inner_text()
    assert float(first.rstrip(" %")) > 15 > 10 > float(last.rstrip(" %"))
    screenshot(page, "training-practice-error-rates")
