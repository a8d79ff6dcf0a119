"""Exams in a real browser: a trainer imports questions from an Excel file into a new
bank and builds a closed-book certification exam from it; an agent takes it (no way out
of the page, no pasting, the clock running) and fails it, seeing a score below the pass
line of 85; then finds on her training page the improvement class she is enrolled in
(its lessons, her seat in its session) and the re-test, which she may start."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from kefu.training.models import (
    Assignment,
    Attempt,
    CertificationCycle,
    Course,
    Enrolment,
    Exam,
    ExamPart,
    QuestionBank,
    TrainingSession,
)

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
    page.select_option("#id_kind", "certification")
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
    assert exam.kind == "certification"
    log_out(page)
    # the quarter's cycle counts it (knowledge only here); failing it leads to the
    # improvement class, whose next session has seats, and to its re-test
    improvement = Course.objects.create(title="能力提升班", kind="improvement")
    starts = timezone.now() + timedelta(days=3)
    TrainingSession.objects.create(
        title="能力提升班·第一期", course=improvement, kind="improvement", starts_at=starts,
        ends_at=starts + timedelta(hours=2), place="3 楼培训室", capacity=20,
    )  # fmt: skip
    retest = Exam.objects.create(
        title="认证补考", kind="retest", bank=bank, published=True, time_limit_minutes=10,
        session=TrainingSession.objects.get(course=improvement),
    )  # fmt: skip
    ExamPart.objects.create(exam=retest, count=5)
    today = timezone.localdate()
    CertificationCycle.objects.create(
        name="新人认证", starts_on=today - timedelta(days=30), ends_on=today + timedelta(days=60),
        knowledge_exam=exam, retest_exam=retest, knowledge_weight=100,
        communication_weight=0, problem_weight=0,
    )  # fmt: skip

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

    # … and what follows: her training page shows the improvement class and the re-test
    page.goto("/training/")
    page.wait_for_selector("#improvement")
    card = page.locator("#improvement")
    assert "能力提升班" in card.locator("#improvement-lessons").inner_text()
    seat = card.locator("#improvement-session").inner_text()
    assert "能力提升班·第一期" in seat and "3 楼培训室" in seat
    assert "认证补考" in card.locator("#improvement-retest").inner_text()
    assert "失败 · 能力提升班" in page.inner_text("#mine")
    assignment = Assignment.objects.get(agent__user=p.alice, course=improvement)
    assert assignment.source == "improvement" and assignment.status == "open"
    assert Enrolment.objects.filter(agent__user=p.alice, session__course=improvement).exists()
    screenshot(page, "training-exams-improvement")
    # the lessons are hers to take, and the re-test (for the class's agents) to start
    page.click("#improvement-lessons a")
    page.wait_for_url(f"**/training/assignments/{assignment.pk}/")
    page.go_back()
    page.click("#take-retest")
    page.wait_for_url(f"**/training/exams/{retest.pk}/")
    assert page.locator("#start-exam").count() == 1
    assert page.locator("#refusal").count() == 0


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
