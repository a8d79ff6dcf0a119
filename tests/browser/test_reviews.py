"""Human QA in a real browser: a QA specialist reviews a sampled conversation beside its
highlighted automatic hits, the agent appeals an item, the supervisor upholds it, and
the score changes for the agent."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from kefu.reviews import actions
from kefu.reviews.models import Review
from kefu.reviews.tests.conftest import JUNE, TABOO, chat

pytestmark = pytest.mark.browser


@pytest.fixture
def sampled(personas, import_records):
    from kefu.interactions.models import Conversation
    from kefu.qa.models import Scorecard
    from kefu.qa.scoring import score_conversations
    from kefu.reviews.models import SamplingPlan

    import_records(chat("C-BROWSER-1", "A0007", 3, TABOO, complaint=True))
    score_conversations(Conversation.objects.values_list("pk", flat=True))
    plan = SamplingPlan.objects.create(
        name="风险抽检", scorecard=Scorecard.objects.get(is_default=True), method="risk",
        quota=5, quota_basis="total", seed=1,
    )  # fmt: skip
    actions.run_plan(plan, today=JUNE)
    return Review.objects.get()


def log_in(page, user: User) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", f"pw-{user.username}")
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/", timeout=30_000)  # slow when CI shares the cores


def log_out(page) -> None:
    # Leave the page first: a request it still had in flight (the bell's poll) would come
    # back after the cookies are gone with a new CSRF cookie, replacing the log-in page's.
    page.goto("about:blank")
    page.context.clear_cookies()


def test_review_appeal_and_decision(page, personas, sampled, screenshot):
    p = personas
    assert Group.objects.get(name="qa").user_set.filter(pk=p.quinn.pk).exists()

    # the specialist finds the sampled conversation in the queue (and the bell says so)
    log_in(page, p.quinn)
    page.wait_for_selector("#notification-bell .bell-count")
    page.click("nav.mainnav a[href='/reviews/']")
    page.wait_for_url("**/reviews/queue/")
    page.click("#my-queue a:has-text('C-BROWSER-1')")
    page.wait_for_selector("#review-form")
    # the automatic hits are highlighted beside the form, which starts from them
    assert page.locator(".qa-chat .qa-hit mark").count() > 0
    assert page.is_checked("#applies-taboo")
    auto_score = page.locator("#rv-scores .qa-score").first.inner_text()
    # the specialist adds a missed problem with a comment and sees the score move
    page.check("#applies-confirm_need")
    page.fill("#points-confirm_need", "5")
    page.fill("#comment-confirm_need", "未确认客户诉求")
    page.fill("#id_coaching", "先复述客户问题再给方案")
    preview = page.locator("#manual-score .qa-score").inner_text()
    assert preview != auto_score
    screenshot(page, "reviews-form")
    page.click("#submit-review")
    page.wait_for_selector("#rv-compare")
    manual = float(page.locator("#manual-score .qa-score").inner_text())
    assert page.locator("#rv-compare tr.rv-differs[data-item='confirm_need']").count() == 1
    log_out(page)

    # the agent sees the review with the coaching note and appeals the taboo item
    log_in(page, p.alice)
    page.goto(f"/reviews/{sampled.pk}/")
    assert "先复述客户问题再给方案" in page.inner_text(".rv-coaching")
    page.click("#rv-compare button.rv-appeal-btn[data-item='taboo']")
    page.fill("#id_reason", "客户先辱骂，我是在解释规则")
    page.click("#appeal-submit")
    page.wait_for_selector("#appeal-status")
    assert page.locator("#decide-form").count() == 0  # she cannot decide her own appeal
    log_out(page)

    # the supervisor decides: upheld, with a reason
    log_in(page, p.sam)
    page.goto("/reviews/appeals/")
    page.click("#to-decide a:has-text('C-BROWSER-1')")
    page.check("input[name=decision][value=upheld]")
    page.fill("#id_reason", "复听录音，扣分不成立")
    screenshot(page, "reviews-appeal-decision")
    page.click("#decide-submit")
    page.wait_for_selector("#appeal-status.rv-appeal-upheld")
    log_out(page)

    # the agent sees the new score and the history
    log_in(page, p.alice)
    page.goto(f"/reviews/{sampled.pk}/")
    changed = float(page.locator("#manual-score .qa-score").inner_text())
    assert changed == manual + 10
    assert page.locator("#rv-revisions tbody tr").count() == 2
    screenshot(page, "reviews-after-appeal")
