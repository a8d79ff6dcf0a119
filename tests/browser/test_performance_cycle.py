"""Performance in a real browser: a manager opens a quarter and computes it; the
ranking shows two agents whose intervals overlap as not distinguishable; an agent's score
breaks down to its figures, and a figure to the conversations behind it."""

from __future__ import annotations

from datetime import date

import pytest

from conftest import import_native
from kefu.interactions.models import Conversation
from kefu.performance.actions.cycles import create_cycle
from kefu.performance.tests.test_cycles import _conversations
from kefu.qa.scoring import score_conversations

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("performance_defaults")]


@pytest.fixture
def quarter(personas):
    # alice and her lead answer alike (their figures cannot be told apart); bob slower
    import_native(
        *_conversations("A0007", 10, 20, 5),
        *_conversations("A0001", 10, 22, 5),
        *_conversations("A0102", 10, 90, 1),
    )
    score_conversations(Conversation.objects.values_list("pk", flat=True))
    return create_cycle(personas.mia, "quarter", date(2024, 4, 1))


def test_a_manager_computes_a_quarter_and_follows_a_score_to_its_conversations(
    page, login, personas, quarter, screenshot
):
    login("mia")
    page.goto("/performance/")
    page.click(f"#cycles a[href='/performance/cycles/{quarter.pk}/']")
    page.click("#compute")
    page.wait_for_selector("#ranking tr[data-agent='A0007']")
    alice_row = page.locator("#ranking tr[data-agent='A0007']")
    lead_row = page.locator("#ranking tr[data-agent='A0001']")
    # overlapping intervals: one shared rank, said in words
    assert alice_row.get_attribute("data-rank") == lead_row.get_attribute("data-rank")
    assert "无法区分" in alice_row.inner_text()  # "not distinguishable"
    assert "无法区分" in lead_row.inner_text()
    screenshot(page, "performance-ranking")

    alice_row.locator("a").first.click()
    page.wait_for_selector("#breakdown")
    qa_line = page.locator("#breakdown tr[data-source='qa.score']")
    assert "10" in qa_line.inner_text()  # the ten conversations it rests on
    screenshot(page, "performance-review")
    qa_line.locator("a[href$='/figures/qa.score/']").click()
    page.wait_for_selector("#evidence")
    links = page.locator("#evidence tbody a")
    assert links.count() == 10
    first = links.first.inner_text()
    links.first.click()
    page.wait_for_url(f"**/conversations/{first}/")
