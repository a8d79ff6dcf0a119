"""Everyday work in a real browser: a QA lead ticks three rows of the review queue and
assigns them to a QA specialist in one go, then saves a filtered conversation list as a
view (我的视图) and opens it again from its link."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group, User

from conftest import native_conversation

pytestmark = pytest.mark.browser


@pytest.fixture
def open_reviews(personas, import_records):
    """Four unassigned reviews of alice's conversations (two of them complaints), and a
    QA specialist, rita, to take them."""
    from kefu.interactions.models import Conversation
    from kefu.qa.store import default_version
    from kefu.reviews.models import Review

    import_records(
        *[
            native_conversation(id=f"C-BULK-{n}", agent="A0007", complaint=n % 2 == 1)
            for n in range(4)
        ]
    )
    version = default_version()
    for conv in Conversation.objects.order_by("external_id"):
        Review.objects.create(
            conversation=conv, scorecard_version=version, agent_id=conv.agent_id,
            team_id=conv.team_id, status="unassigned",
        )  # fmt: skip
    rita = User.objects.create_user("rita", password="pw-rita")
    rita.groups.add(Group.objects.get(name="qa"))
    return list(Review.objects.order_by("pk"))


def test_assign_three_reviews_then_save_and_open_a_view(
    page, login, personas, open_reviews, screenshot
):
    from kefu.interactions.models import SavedView
    from kefu.reviews.models import Review

    # the lead (a manager: may assign reviews, does not review) opens the queue
    login(personas.mia.username)
    page.goto("/reviews/queue/")
    page.wait_for_selector("#bulk-assign")
    rows = page.locator("#open-reviews input.rv-bulk-row")
    assert rows.count() == 4
    # "select all on this page" ticks every row; untick one to leave three
    page.check("#bulk-select-all")
    assert page.locator("input.rv-bulk-row:checked").count() == 4
    rows.nth(3).uncheck()
    assert page.locator("input.rv-bulk-row:checked").count() == 3
    rita = User.objects.get(username="rita")
    page.check(f"#bulk-assign input[name=reviewer][value='{rita.pk}']")
    screenshot(page, "reviews-bulk-assign")
    page.click("#bulk-assign-submit")
    page.wait_for_selector(".flash-success")
    assert re.search(r"\b3\b", page.locator(".flash-success").inner_text())
    chosen = [r.pk for r in open_reviews[:3]]
    assert set(
        Review.objects.filter(pk__in=chosen).values_list("reviewer__username", flat=True)
    ) == {"rita"}
    assert Review.objects.get(pk=open_reviews[3].pk).reviewer is None

    # the lead filters the conversation list to complaints and saves it as a view
    page.goto("/conversations/")
    page.select_option("#id_complaint", "yes")
    page.wait_for_url(re.compile(r"complaint=yes"))
    page.fill("#saved-view-name", "我的差评会话")
    page.click("#saved-view-form button[type=submit]")
    page.wait_for_selector("#saved-views a:has-text('我的差评会话')")
    view = SavedView.objects.get(user=personas.mia)
    assert view.query == "complaint=yes"
    # opening it from another page brings the filtered list back
    page.goto("/conversations/")
    assert page.input_value("#id_complaint") == ""
    page.click("#saved-views a:has-text('我的差评会话')")
    page.wait_for_url(re.compile(r"/conversations/\?complaint=yes$"))
    assert page.input_value("#id_complaint") == "yes"
    screenshot(page, "conversations-saved-view")
