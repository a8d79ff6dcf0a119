"""A QA specialist changes a rule in the browser: edits it, tests it on recent
conversations, saves it, re-scores, and finds the new hit highlighted on a conversation."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from kefu.interactions.models import Conversation, Message
from kefu.qa.models import QaHit

pytestmark = pytest.mark.browser

DEMO_PASSWORD = "kefu2024"
PHRASE = "这个要看情况"


@pytest.fixture
def demo(db):
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)
    # one agent reply says a vague phrase that no built-in lexicon knows yet
    shirked = QaHit.objects.filter(indicator="shirking").values("result__conversation_id")
    message = (
        Message.objects.filter(role="agent", conversation__channel="chat")
        .exclude(conversation_id__in=shirked)
        .order_by("pk")
        .first()
    )
    message.text = f"{PHRASE}，我再帮您问问"
    message.save(update_fields=["text"])
    return message.conversation


def test_a_qa_specialist_edits_tests_saves_and_rescores_a_rule(demo, page, screenshot):
    conversation: Conversation = demo
    assert not QaHit.objects.filter(result__conversation=conversation, indicator="shirking",
                                    is_current=True).exists()  # fmt: skip

    # log in as the QA specialist and open the shirking rule
    page.goto("/accounts/login/")
    page.fill("#id_username", "qa")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.goto("/qa/rules/")
    page.click("a[href='/qa/rules/shirking/']")

    # make the rule also catch the vague phrase in YAML (the builder's advanced tab), and
    # test it on the newest conversations
    page.click("#tab-yaml")
    page.fill(
        "#id_definition",
        "id: shirking\n"
        "name: {zh: 推诿, en: Shirking}\n"
        "severity: severe\n"
        "type: attitude\n"
        "when:\n"
        "  any:\n"
        "    - must_not_say: {lexicon: shirking, role: agent}\n"
        f"    - must_not_say: {{words: [{PHRASE}], role: agent}}\n",
    )
    page.fill("#id_limit", "500")
    page.click("#test-rule")
    trial = page.locator("#trial")
    trial.locator("table").wait_for()
    assert conversation.external_id in trial.inner_text()
    assert PHRASE in trial.inner_text()
    screenshot(page, "qa-rule-test")

    # save, then re-score every conversation
    page.click("#rule-form button[type=submit]")
    page.wait_for_url("**/qa/rules/shirking/")
    page.goto("/qa/rules/")
    page.click("form[action='/qa/rescore/'] button[type=submit]")
    page.wait_for_url("**/qa/rules/")

    # the conversation's QA page marks the message and highlights the phrase
    page.goto(f"/qa/conversations/{conversation.external_id}/")
    marked = page.locator("mark", has_text=PHRASE)
    marked.first.wait_for()
    assert page.locator("[data-indicator='shirking']").count() >= 1
    screenshot(page, "qa-rescored-hit")


def test_a_new_rule_added_to_the_scorecard_scores_at_once(demo, page, screenshot):
    conversation: Conversation = demo
    page.goto("/accounts/login/")
    page.fill("#id_username", "qa")
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.goto("/qa/rules/new/")
    page.click("#tab-yaml")
    page.fill(
        "#id_definition",
        "id: vague_answer\n"
        "name: {zh: 含糊答复, en: Vague answer}\n"
        "severity: normal\n"
        "type: knowledge\n"
        f"when: {{must_not_say: {{words: [{PHRASE}], role: agent}}}}\n",
    )
    # add it to the default scorecard's solving section, re-scoring on save
    page.check("#id_add_to_scorecard")
    page.select_option("#id_section", "solving")
    page.fill("#id_points", "6")
    screenshot(page, "qa-rule-add-to-scorecard")
    page.click("#rule-form button[type=submit]")
    page.wait_for_url("**/qa/rules/vague_answer/")
    assert "Judged by" in page.inner_text("main") or "评分" in page.inner_text("main")

    page.goto(f"/qa/conversations/{conversation.external_id}/")
    page.locator("[data-indicator='vague_answer']").first.wait_for()
    assert page.locator("mark", has_text=PHRASE).count() >= 1
