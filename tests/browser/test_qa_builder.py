"""A QA specialist builds a rule with the form (no YAML): adds a condition, types two
words as chips, tests it (the evidence marked in its context), saves it, finds it in the
rules list, and sees the same words on the YAML tab. Then reorders a scorecard."""

from __future__ import annotations

import pytest

from conftest import native_conversation
from kefu.qa.models import Indicator, Scorecard

pytestmark = pytest.mark.browser


@pytest.fixture
def vague(personas, import_records):
    conversation = native_conversation(id="C-VAGUE")
    conversation["messages"][1]["text"] = "这个要看情况，我也说不好"
    import_records(conversation)
    return personas


def test_a_qa_specialist_builds_a_rule_without_yaml(vague, page, login, screenshot):
    login("quinn")
    page.goto("/qa/rules/new/")
    builder = page.locator("#pane-builder")
    builder.wait_for()
    assert page.locator("#pane-yaml").is_hidden()

    # name the rule, then add a second condition to the starting one
    builder.locator("[data-path='id'] input").fill("vague_answer")
    builder.locator("button.add-condition").last.click()
    builder.locator("[data-path='when.all[1]']").wait_for()
    # either condition fires it: the group becomes "any"
    builder.locator("[data-path='when'] > .cond-head select.cond-op").select_option("any")
    condition = builder.locator("[data-path='when.any[1]']")
    condition.wait_for()
    assert condition.locator("select.cond-op").input_value() == "must_not_say"

    # two words as chips: type, Enter; type, Enter
    chip_input = condition.locator("[data-path='when.any[1].must_not_say.words'] input.chip-input")
    chip_input.fill("这个要看情况")
    chip_input.press("Enter")
    chip_input.fill("说不好")
    chip_input.press("Enter")
    assert condition.locator(".chip span").all_inner_texts() == ["这个要看情况", "说不好"]

    # test it: the message is shown with the evidence marked
    page.click("#test-rule")
    page.locator("#trial .trial-context").first.wait_for()
    assert page.locator("#trial li.is-hit mark", has_text="说不好").count() == 1
    screenshot(page, "qa-rule-builder")

    # save, and find it in the rules list
    page.click("#rule-form button[type=submit]")
    page.wait_for_url("**/qa/rules/vague_answer/")
    when = Indicator.objects.get(key="vague_answer").definition["when"]
    assert when == {
        "any": [
            {"must_not_say": {"words": ["不知道"], "role": "agent"}},
            {"must_not_say": {"role": "agent", "words": ["这个要看情况", "说不好"]}},
        ]
    }
    page.goto("/qa/rules/")
    page.click("a[href='/qa/rules/vague_answer/']")

    # the YAML tab shows the same rule, words included
    page.click("#tab-yaml")
    yaml_box = page.locator("#id_definition")
    yaml_box.wait_for()
    text = yaml_box.input_value()
    assert "这个要看情况" in text and "说不好" in text and "must_not_say" in text
    assert page.locator("#pane-builder").is_hidden()
    # … and back to the builder, where nothing was lost
    page.click("#tab-builder")
    page.locator("[data-path='when.any[1]'] .chip", has_text="说不好").wait_for()


def test_a_qa_specialist_reorders_a_scorecard_with_the_keyboard(vague, page, login):
    login("quinn")
    page.goto("/qa/scorecards/default/")
    sections = page.locator("#pane-builder .sc-section")
    sections.first.wait_for()
    first_id = sections.nth(0).locator("[data-path='sections[0].id'] input").input_value()
    second_id = sections.nth(1).locator("[data-path='sections[1].id'] input").input_value()
    # move the second section up, set the pass line, save a new version
    sections.nth(1).locator(".cond-head button.move-up").first.click()
    page.locator("#pane-builder [data-path='pass_line'] input").fill("88")
    page.click("#scorecard-form button[type=submit]")
    page.wait_for_url("**/qa/scorecards/default/")
    version = Scorecard.objects.get(slug="default").current_version()
    assert version.number == 2 and version.definition["pass_line"] == 88
    assert [s["id"] for s in version.definition["sections"][:2]] == [second_id, first_id]
