"""False-positive feedback in a real browser: a supervisor reviewing a conversation marks
a rule's hit wrong with a reason, a QA specialist confirms it in the queue, the hit leaves
the score and the rule's confirmed precision changes (docs/qa-feedback.md)."""

from __future__ import annotations

import pytest

from kefu.qa.models import QaResult
from kefu.qa.tests.test_views import TABOO, chat

pytestmark = pytest.mark.browser

RULE = "forbidden_phrase"


@pytest.fixture
def hits(personas, import_records):
    """alice's and bob's conversations, each hit by forbidden_phrase (score 90)."""
    report = import_records(
        chat("C-FP-ALICE", "A0007", 0, TABOO), chat("C-FP-BOB", "A0102", 1, TABOO)
    )
    assert report.rejected == 0, report.errors
    return personas


def score(external_id: str) -> float:
    return QaResult.objects.get(conversation__external_id=external_id, is_current=True).score


def log_out(page) -> None:
    page.goto("about:blank")  # no request left in flight (see tests/browser/test_reviews.py)
    page.context.clear_cookies()


def test_a_reviewer_reports_a_false_positive_and_qa_confirms_it(page, login, screenshot, hits):
    page.set_default_timeout(60_000)  # slow when other work shares the cores
    # quinn has marked the hit on bob's conversation correct: precision 100 %
    login("quinn")
    page.goto("/qa/conversations/C-FP-BOB/")
    page.click(f"[data-judge='{RULE}'] button[value='correct']")
    page.wait_for_url("**/qa/conversations/C-FP-BOB/")
    page.goto("/qa/rules/")
    assert page.inner_text(f"td[data-precision='{RULE}']") == "100.0 %"
    log_out(page)

    # sam, alice's supervisor, reviews her conversation and reports the hit as wrong
    login("sam")
    page.goto("/qa/conversations/C-FP-ALICE/")
    judge = page.locator(f"#qa-hits [data-judge='{RULE}']")
    judge.locator("summary").click()
    judge.locator("input[name='reason']").fill("客户说的不知道，不是客服")
    screenshot(page, "qa-feedback-report")
    judge.locator("button[value='wrong']").click()
    page.wait_for_url("**/qa/conversations/C-FP-ALICE/")
    assert judge.locator(".qa-judged-pending").is_visible()  # waiting for a QA specialist
    assert score("C-FP-ALICE") == 90  # nothing changes before a QA specialist confirms
    log_out(page)

    # quinn confirms it in the queue
    login("quinn")
    page.goto("/qa/feedback/")
    row = page.locator("#feedback-queue tr", has_text="C-FP-ALICE")
    assert "客户说的不知道" in row.inner_text()
    row.locator("input[name='note']").fill("确认")
    row.locator("button[value='confirm']").click()
    page.wait_for_url("**/qa/feedback/")
    assert page.locator("#feedback-queue").count() == 0  # the queue is empty

    # the hit left the score, and the rule's precision fell to 1 − 1/2
    assert score("C-FP-ALICE") == 100
    page.goto("/qa/conversations/C-FP-ALICE/")
    assert page.locator("#qa-set-aside").is_visible()
    page.goto("/qa/rules/")
    assert page.inner_text(f"td[data-precision='{RULE}']") == "50.0 %"
    page.goto(f"/qa/rules/{RULE}/")
    assert page.inner_text(f"#rule-precision [data-precision='{RULE}']") == "50.0 %"
    screenshot(page, "qa-feedback-precision")
