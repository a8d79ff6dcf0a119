"""The KPI dashboards in a real browser: a manager drills from the overview's FCR chart
to a team, an agent, and the conversations behind the agent's FCR figure."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command

from kefu.accounts.models import Agent
from kefu.interactions.models import Conversation
from kefu.metrics.core.catalogue import FIGURES
from kefu.metrics.models import KpiFact

pytestmark = pytest.mark.browser

YEAR = "from=2024-01-01&to=2024-12-31"
DEMO_PASSWORD = "kefu2024"


@pytest.fixture
def demo(db):
    """The deterministic demo data at its smallest size (200 conversations of 2024, 127
    agents in 10 teams) and one log-in per role."""
    call_command("demo", "--seed", "42", "--size", "tiny", verbosity=0)


def behind_fcr(agent: Agent) -> set[str]:
    facts = KpiFact.objects.filter(agent=agent, **FIGURES["fcr_rate"].behind)
    return set(
        Conversation.objects.filter(pk__in=facts.values("conversation_id")).values_list(
            "external_id", flat=True
        )
    )


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("form[action='/accounts/login/'] button[type=submit]")
    page.wait_for_url("**/conversations/")


def test_manager_drills_from_the_fcr_chart_to_the_conversations(demo, page, screenshot):
    # an agent with conversations not resolved first time, and one resolved first time
    candidates = [a for a in Agent.objects.exclude(team=None).order_by("pk") if behind_fcr(a)]
    agent = next(
        a
        for a in candidates
        if KpiFact.objects.filter(agent=a, resolved=1, first_contact_resolved=1).exists()
    )
    expected = behind_fcr(agent)
    first_time = set(
        Conversation.objects.filter(
            kpi_fact__agent=agent, kpi_fact__resolved=1, kpi_fact__first_contact_resolved=1
        ).values_list("external_id", flat=True)
    )

    log_in(page, "manager")
    page.click("nav.mainnav a[href='/metrics/']")
    page.wait_for_url("**/metrics/")
    page.goto(f"/metrics/?{YEAR}")
    page.wait_for_selector("#fcr-team-chart svg")
    page.wait_for_selector(".sparkline svg")
    page.wait_for_selector("#radar-chart svg")
    page.wait_for_selector("#frt-chart svg")
    assert page.locator(".kpi-card").count() == 12
    screenshot(page, "metrics-overview")

    # click the agent's team on the FCR chart (the ECharts bar itself, not the table)
    bars = json.loads(page.inner_text("#fcr-team-data"))["bars"]
    index = next(i for i, b in enumerate(bars) if b["team_id"] == agent.team_id)
    chart = page.locator("#fcr-team-chart")
    chart.scroll_into_view_if_needed()
    x, y = page.evaluate(
        """([index, value]) => {
            const el = document.getElementById("fcr-team-chart");
            const chart = echarts.getInstanceByDom(el);
            const [x, y] = chart.convertToPixel({ seriesIndex: 0 }, [index, value / 2]);
            const box = el.getBoundingClientRect();
            return [box.left + x, box.top + y];
        }""",
        [index, bars[index]["value"]],
    )
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(rf".*/metrics/teams/{agent.team_id}/\?.*"))
    assert agent.team.name in page.inner_text("h1")
    page.wait_for_selector("#figure-chart svg")
    screenshot(page, "metrics-team")

    # the team's agents: open the agent
    page.click(f"#figure-table a.agent-link[href^='/metrics/agents/{agent.pk}/']")
    page.wait_for_url(re.compile(rf".*/metrics/agents/{agent.pk}/.*"))
    assert agent.name in page.inner_text("h1")
    page.wait_for_selector("#agent-trend-chart svg")
    screenshot(page, "metrics-agent")

    # the agent's FCR figure: the conversations not resolved first time
    page.click("#agent-figures tr[data-key=fcr_rate] a.figure-link")
    page.wait_for_url(re.compile(r".*/metrics/conversations/\?.*kpi=fcr_rate.*"))
    listed = set(page.locator("table.conversations tbody tr td:first-child a").all_inner_texts())
    assert listed == expected
    assert not listed & first_time
    screenshot(page, "metrics-fcr-conversations")


def test_the_time_toggle_switches_to_business_time_and_back(demo, page, screenshot):
    log_in(page, "manager")
    page.goto(f"/metrics/?{YEAR}")
    assert page.is_checked("#time-toggle input[value=calendar]")
    assert "当前显示：日历时间" in page.inner_text("#time-shown")
    page.check("#time-toggle input[value=business]")  # applies at once (data-autosubmit)
    page.wait_for_url(re.compile(r"time=business"))
    assert page.is_checked("#time-toggle input[value=business]")
    assert "当前显示：工作时间" in page.inner_text("#time-shown")
    screenshot(page, "metrics-overview-business-time")
    page.click("nav.metrics-tabs a[href='/metrics/trends/']")
    page.wait_for_url("**/metrics/trends/")
    page.check("#time-toggle input[value=business]")
    page.wait_for_url(re.compile(r"trends/.*time=business"))
    assert "当前显示：工作时间" in page.inner_text("#time-shown")
    page.check("#time-toggle input[value=calendar]")
    page.wait_for_url(re.compile(r"trends/.*time=calendar"))
    assert "当前显示：日历时间" in page.inner_text("#time-shown")


def test_during_a_large_import_the_overview_says_its_figures_are_behind(
    demo, page, screenshot, settings, monkeypatch
):
    from datetime import datetime, timedelta

    from conftest import SHANGHAI, import_native, native_conversation
    from kefu.metrics import facts
    from kefu.metrics.models import PendingFact

    facts.refresh_all()
    # an import stores 5 chats in June whose count waits for a busy worker
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(facts, "PAGE_BACKLOG", 3)
    june = datetime(2024, 6, 10, 10, tzinfo=SHANGHAI)
    import_native(
        *(
            native_conversation(
                id=f"C-LATE-{i}", created=june + timedelta(hours=i), customer={"id": f"LATE{i}"}
            )
            for i in range(5)
        )
    )
    assert PendingFact.objects.count() == 5
    chats = "#frt-by-channel tr[data-channel=chat] td.num >> nth=0"

    log_in(page, "manager")
    page.goto(f"/metrics/?{YEAR}")
    notice = page.locator("#kpi-counting")
    assert "正在统计 5 个新会话" in notice.inner_text()
    before = int(page.inner_text(chats))
    screenshot(page, "metrics-overview-counting")

    facts.refresh_all()  # the worker counts them
    notice.locator("a").click()  # 稍后刷新查看
    page.wait_for_selector("#frt-chart svg")
    assert page.locator("#kpi-counting").count() == 0
    assert int(page.inner_text(chats)) == before + 5
