"""Exams in a real browser: a trainer imports questions from an Excel file into a new
bank and builds a closed-book exam from it; an agent takes it (no way out of the page,
no pasting, the clock running) and fails it, seeing a score below the pass line of 85."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from kefu.training.models import Attempt, Exam, QuestionBank

pytestmark = pytest.mark.browser

HEADER = ["题号", "题型", "知识领域", "难度", "分值", "题目", "A", "B", "C", "D", "答案"]
ROWS = [
    ["B-01", "单选", "基础咨询", 1, 1, "无理由退货的期限从哪天开始计算？", "下单当天", "签收次日", "发货当天", "", "B"],
    ["B-02", "单选", "投诉处理", 2, 1, "客户情绪激动时，第一句话最好是？", "请您冷静", "非常抱歉给您带来不便", "这不归我们管", "", "B"],
    ["B-03", "多选", "投诉处理", 3, 1, "哪些是服务禁语？", "这不归我们管", "您稍等", "你听不懂吗", "我也没办法", "ACD"],
    ["B-04", "判断", "基础咨询", 1, 1, "可以请客户提供登录密码。", "", "", "", "", "错"],
    ["B-05", "判断", "沟通技巧", 2, 1, "需要客户等待时，应告知大约多长时间。", "", "", "", "", "对"],
    ["B-06", "填空", "产品知识", 2, 1, "最高会员等级是____。", "", "", "", "", "钻石会员|钻石"],
]  # fmt: skip


def log_in(page, user) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)


def log_out(page) -> None:
    page.goto("about:blank")
    page.context.clear_cookies()


@pytest.fixture
def workbook(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    path = tmp_path / "新人题库.xlsx"
    book.save(path)
    return path


def test_a_trainer_builds_an_exam_and_an_agent_fails_it(page, personas, workbook, screenshot):
    from kefu.training.demo_exams import ensure_areas

    ensure_areas()  # the live server's database is flushed between tests
    p = personas

    # the trainer creates a bank and imports the Excel file through the page
    log_in(page, p.tina)
    page.goto("/training/exams/")
    page.click(".ex-subnav a[href='/training/exams/banks/']")
    page.fill("#id_name", "新人题库")
    page.click("#bank-create")
    page.wait_for_selector("#import-form")
    page.set_input_files("#id_file", str(workbook))
    page.click("#import-submit")
    page.wait_for_selector("#question-list")
    assert page.locator("#question-list tbody tr").count() == 6
    assert "新增 6 道" in page.inner_text(".flash")
    bank = QuestionBank.objects.get(name="新人题库")
    assert bank.questions.filter(external_id="B-03").get().answer == [0, 2, 3]
    screenshot(page, "training-exams-bank")

    # … and builds a closed-book exam of five questions drawn from it
    page.click("text=用此题库新建考试")
    page.wait_for_selector("#exam-form")
    page.fill("#id_title", "新人入职测验")
    page.fill("#id_time_limit_minutes", "10")
    assert page.input_value("#id_pass_score") == "85"
    assert page.is_checked("#id_closed_book")
    page.check("#id_published")
    page.fill("#id_parts-0-count", "5")
    screenshot(page, "training-exams-exam-form")
    page.click("#exam-save")
    page.wait_for_selector("#exam-facts")
    exam = Exam.objects.get(title="新人入职测验")
    assert exam.bank == bank and exam.published and exam.closed_book
    log_out(page)

    # the agent takes it: a closed-book page with no way out and a running clock
    log_in(page, p.alice)
    page.goto("/training/exams/")
    page.click(f"#exam-list tr[data-exam='{exam.pk}'] a:has-text('新人入职测验')")
    page.wait_for_selector("#closed-book")
    page.click("#start-exam")
    page.wait_for_selector("#exam-paper")
    assert page.locator("nav.mainnav").count() == 0
    assert page.locator(".ex-question").count() == 5
    page.wait_for_function("document.getElementById('timer').textContent.startsWith('09:')")
    html = page.content()
    assert "钻石会员" not in html and "ACD" not in html  # no key in the page
    # pasting is refused in a closed-book exam
    prevented = page.evaluate(
        """() => {
        const event = new ClipboardEvent('paste', {bubbles: true, cancelable: true});
        document.querySelector('#exam-paper').dispatchEvent(event);
        return event.defaultPrevented;
    }"""
    )
    assert prevented
    # she answers one question, wrongly, and leaves the rest blank
    first = page.locator(".ex-question").first
    kind = first.get_attribute("data-kind")
    if kind == "fill":
        first.locator("input[type=text]").fill("黄金会员")
    elif kind == "true_false":
        attempt = Attempt.objects.get(exam=exam)
        question = bank.questions.get(pk=attempt.question_ids[0])
        first.locator(f"input[value='{'false' if question.answer[0] else 'true'}']").check()
    else:
        first.locator("input").first.check()
    page.wait_for_selector("#save-state:has-text('答案已保存')")
    screenshot(page, "training-exams-take")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#submit-exam")
    page.wait_for_selector("#score")

    score = float(page.inner_text("#score"))
    assert score < 85
    assert "未通过" in page.inner_text("#verdict")
    attempt = Attempt.objects.get(exam=exam)
    assert attempt.status == "graded" and attempt.passed is False and float(attempt.score) == score
    # one attempt allowed, none left: the right answers are shown now
    assert page.locator(".ex-key").count() > 0
    screenshot(page, "training-exams-result")


# Runs before any page script, outside the policy: collects what the browser refused.
_WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


def test_the_exam_page_keeps_to_the_content_security_policy(browser, live_server, personas):
    from kefu.training.tests.exams.conftest import make_bank, make_exam

    exam = make_exam(make_bank())
    context = browser.new_context(
        viewport={"width": 1440, "height": 900}, locale="en-US", base_url=live_server.url
    )  # the policy applies (conftest's `page` bypasses it)
    context.set_default_timeout(15_000)
    context.add_init_script(_WATCH_VIOLATIONS)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        log_in(page, personas.alice)
        page.goto(f"/training/exams/{exam.pk}/")
        page.click("#start-exam")
        page.wait_for_selector("#exam-paper")
        page.wait_for_selector("#timer:not(:has-text('--:--'))")  # the page's script runs
        page.locator(".ex-question input[type=radio]").first.check()  # … and saves by fetch
        page.wait_for_selector("#save-state:has-text('答案已保存')")
        assert page.evaluate("window.__cspViolations") == []
        assert problems == []
    finally:
        context.close()
