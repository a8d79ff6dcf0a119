"""The KPI dashboards: access per role, scoping of every figure, drill-down to the
conversations behind a figure, and the overview's query budget."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from conftest import SHANGHAI, native_conversation
from kefu.accounts.models import Agent, Team
from kefu.metrics.models import ImprovementAction

T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
MAY = {"from": "2024-05-01", "to": "2024-05-31"}
MAY_FCR = {**MAY, "kpi": "fcr_rate"}


def escalated(**overrides) -> dict:
    """Resolved, but escalated: not resolved at first contact."""
    created = overrides.get("created", T0)
    return native_conversation(
        escalations=[
            {
                "level": "supervisor",
                "at": (created + timedelta(minutes=3)).isoformat(),
                "resolved_at": (created + timedelta(minutes=12)).isoformat(),
            }
        ],
        **overrides,
    )


def still_open(**overrides) -> dict:
    record = native_conversation(status="open", **overrides)
    del record["resolved_at"]
    return record


@pytest.fixture
def data(personas, import_records):
    """May 2024. alice (售后一组): one resolved first time, one escalated, one open;
    A0001 (sam's own, 售后一组): one resolved first time; bob (售前一组): one escalated,
    one resolved first time. April: one of alice's (the previous period)."""
    report = import_records(
        native_conversation(id="C-ALICE-FCR", created=T0),
        escalated(id="C-ALICE-ESC", created=T0 + timedelta(days=1), survey={"csat": 2, "nps": 3}),
        still_open(id="C-ALICE-OPEN", created=T0 + timedelta(days=2)),
        native_conversation(id="C-SAM-FCR", agent="A0001", created=T0 + timedelta(days=3)),
        escalated(id="C-BOB-ESC", agent="A0102", created=T0 + timedelta(days=4)),
        native_conversation(id="C-BOB-FCR", agent="A0102", created=T0 + timedelta(days=5)),
        native_conversation(id="C-ALICE-APRIL", created=T0 - timedelta(days=20)),
    )
    assert report.rejected == 0, report.errors
    personas.after_sales = Team.objects.get(name="售后一组")
    personas.pre_sales = Team.objects.get(name="售前一组")
    personas.alice_agent = Agent.objects.get(external_id="A0007")
    personas.bob_agent = Agent.objects.get(external_id="A0102")
    personas.sam_agent = Agent.objects.get(external_id="A0001")
    return personas


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed_ids(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<td class="nowrap"><a href="/conversations/([^/]+)/">', html)


def json_data(response, element_id: str):
    html = response.content.decode()
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html)
    assert match, f"no #{element_id} in the page"
    return json.loads(match.group(1))


def card(response, key: str) -> dict:
    return next(c for c in response.context["data"]["cards"] if c["key"] == key)


def urls(data) -> list[str]:
    return [
        reverse("metrics:overview"),
        reverse("metrics:trends"),
        reverse("metrics:teams"),
        reverse("metrics:team", args=[data.after_sales.pk]),
        reverse("metrics:agent", args=[data.alice_agent.pk]),
        reverse("metrics:me"),
        reverse("metrics:workload"),
        reverse("metrics:conversations"),
    ]


# --- access ------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(data, client):
    for url in urls(data):
        response = client.get(url, MAY_FCR)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


@pytest.mark.parametrize("name", ["mia", "quinn", "tina", "adam", "sam"])
def test_every_page_renders_for_supervisors_and_department_roles(data, name):
    client = as_user(getattr(data, name))
    for url in urls(data):
        response = client.get(url, MAY_FCR, follow=True)
        assert response.status_code == 200, url


def test_user_without_role_sees_nothing(data):
    olga = as_user(data.olga)
    overview = olga.get(reverse("metrics:overview"), MAY)
    assert overview.status_code == 200
    assert overview.context["data"]["current"]["conversations"] == 0
    assert overview.context["data"]["teams"] is None
    for url in urls(data)[2:5]:
        assert olga.get(url, MAY).status_code == 404, url
    assert olga.get(reverse("metrics:workload"), MAY).context["data"]["rows"] == []
    drill = olga.get(reverse("metrics:conversations"), {"kpi": "fcr_rate", **MAY})
    assert listed_ids(drill) == []


def test_the_navigation_leads_agents_to_their_own_page(data):
    alice_nav = as_user(data.alice).get("/conversations/").content.decode()
    assert f'href="{reverse("metrics:me")}"' in alice_nav
    mia_nav = as_user(data.mia).get("/conversations/").content.decode()
    assert f'href="{reverse("metrics:overview")}"' in mia_nav
    sam_nav = as_user(data.sam).get("/conversations/").content.decode()
    assert f'href="{reverse("metrics:overview")}"' in sam_nav


# --- overview ------------------------------------------------------------------------------


def test_agent_overview_counts_only_her_own_conversations(data):
    response = as_user(data.alice).get(reverse("metrics:overview"), MAY)
    assert response.status_code == 200
    current = response.context["data"]["current"]
    assert current["conversations"] == 3
    assert current["fcr_rate"] == 0.5  # one of her two resolved was escalated
    assert response.context["data"]["teams"] is None  # no team chart for an agent
    assert card(response, "conversations")["change"] == "+200.0%"  # 1 in April → 3


def test_supervisor_overview_is_his_team(data):
    response = as_user(data.sam).get(reverse("metrics:overview"), MAY)
    assert response.context["data"]["current"]["conversations"] == 4
    bars = response.context["data"]["teams"]["bars"]
    assert [b["name"] for b in bars] == ["售后一组"]


def test_manager_overview_has_cards_charts_and_links(data):
    response = as_user(data.mia).get(reverse("metrics:overview"), MAY)
    assert response.status_code == 200
    assert response.context["data"]["current"]["conversations"] == 6
    fcr = card(response, "fcr_rate")
    assert fcr["text"] == "60.0%" and fcr["target_text"] == "85.0%"  # 3 of 5 resolved
    assert fcr["status"] == "misses"
    assert card(response, "conversations")["status"] == "none"  # volume has no target
    # the FRT share on the cards is judged by each conversation's SLA policy
    assert card(response, "frt_over_target_rate")["label"] == "首响超 SLA 目标占比"
    sparks = json_data(response, "sparkline-data")
    assert len(sparks["days"]) == 31
    assert set(sparks["series"]) >= {"conversations", "frt_mean_s", "nps"}
    frt = json_data(response, "frt-data")
    assert frt["threshold"] == 30
    assert len(frt["mean"]["values"]) == 31
    # beside the share over 30 s, the share over each conversation's own SLA target
    assert frt["over_target"]["name"] == "首响超 SLA 目标占比"
    assert len(frt["over_target"]["values"]) == 31
    assert any(v is not None for v in frt["over_target"]["values"])
    # each channel's FRT beside its own SLA target (chat: 30 s)
    by_channel = {r["channel"]: r for r in response.context["data"]["frt_by_channel"]}
    assert by_channel["chat"]["target_s"] == 30.0
    assert sum(r["conversations"] for r in by_channel.values()) == 6
    assert 'id="frt-by-channel"' in response.content.decode()
    radar = json_data(response, "radar-data")
    assert len(radar["indicators"]) == 6
    assert {b["slug"] for b in radar["benchmarks"]} >= {"ecommerce", "finance", "healthcare"}
    teams = json_data(response, "fcr-team-data")
    urls_by_team = {b["name"]: b["url"] for b in teams["bars"]}
    assert urls_by_team["售前一组"].startswith(reverse("metrics:team", args=[data.pre_sales.pk]))
    html = response.content.decode()
    assert f"{reverse('metrics:review_export')}?month=2024-05" in html
    assert reverse("metrics:settings") in html  # managers may change targets
    assert "/static/vendor/echarts.min.js" in html
    assert "/static/kefu/metrics-overview.js" in html


def test_settings_link_only_for_those_who_may_change_targets(data):
    html = as_user(data.quinn).get(reverse("metrics:overview"), MAY).content.decode()
    assert reverse("metrics:settings") not in html


def test_overview_filters_by_team_and_channel(data):
    mia = as_user(data.mia)
    team = mia.get(reverse("metrics:overview"), {**MAY, "team": data.pre_sales.pk})
    assert team.context["data"]["current"]["conversations"] == 2
    channel = mia.get(reverse("metrics:overview"), {**MAY, "channel": "phone"})
    assert channel.context["data"]["current"]["conversations"] == 0


def test_agent_cannot_filter_by_another_team(data):
    response = as_user(data.alice).get(
        reverse("metrics:overview"), {**MAY, "team": data.pre_sales.pk}
    )
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert response.context["data"]["current"]["conversations"] == 3


def test_overview_defaults_to_the_30_days_ending_with_the_data(data):
    response = as_user(data.mia).get(reverse("metrics:overview"))
    assert response.context["date_to"] == date(2024, 5, 7)
    assert response.context["date_from"] == date(2024, 4, 8)


def test_an_impossible_period_falls_back_to_the_default(data):
    response = as_user(data.mia).get(
        reverse("metrics:overview"), {"from": "2024-05-31", "to": "2024-05-01"}
    )
    assert response.status_code == 200
    assert response.context["date_to"] == date(2024, 5, 7)


def test_overview_query_budget(data, django_assert_max_num_queries, monkeypatch):
    """Five roll-up reads (period, previous period, per day, per team, per channel), the
    targets, the channels' SLA targets and the benchmark sets: a constant number of
    queries, whatever the data."""
    from kefu.metrics import selectors

    calls = []
    real_grouped = selectors.grouped
    monkeypatch.setattr(
        selectors,
        "grouped",
        lambda scope, by, **kw: calls.append(by) or real_grouped(scope, by, **kw),
    )
    mia = as_user(data.mia)
    mia.get(reverse("metrics:overview"), MAY)  # warm the session
    calls.clear()
    with django_assert_max_num_queries(30):
        response = mia.get(reverse("metrics:overview"), MAY)
    assert response.status_code == 200
    assert sorted(calls, key=str) == sorted([None, None, "day", "team", "channel"], key=str)


# --- drill-down: teams, a team, an agent ---------------------------------------------------


def test_agents_have_no_team_pages(data):
    alice = as_user(data.alice)
    assert alice.get(reverse("metrics:teams"), MAY).status_code == 404
    assert alice.get(reverse("metrics:team", args=[data.after_sales.pk])).status_code == 404


def test_manager_sees_every_team_against_its_target(data):
    response = as_user(data.mia).get(reverse("metrics:teams"), {**MAY, "kpi": "fcr_rate"})
    rows = {r["name"]: r for r in response.context["table"]["rows"]}
    assert set(rows) == {"售后一组", "售前一组"}
    assert rows["售后一组"]["text"] == "66.7%"
    assert rows["售前一组"]["text"] == "50.0%"
    assert rows["售前一组"]["target_text"] == "85.0%"
    assert "agent" not in rows["售前一组"]["drill"]
    summary = response.context["table"]["summary"]
    assert summary["conversations"] == 6


def test_unknown_kpi_falls_back_to_fcr(data):
    response = as_user(data.mia).get(reverse("metrics:teams"), {**MAY, "kpi": "nonsense"})
    assert response.context["kpi"] == "fcr_rate"


def test_supervisor_sees_only_his_teams(data):
    sam = as_user(data.sam)
    rows = sam.get(reverse("metrics:teams"), MAY).context["table"]["rows"]
    assert [r["name"] for r in rows] == ["售后一组"]
    assert sam.get(reverse("metrics:team", args=[data.pre_sales.pk]), MAY).status_code == 404
    team = sam.get(reverse("metrics:team", args=[data.after_sales.pk]), MAY)
    agents = {r["external_id"]: r for r in team.context["table"]["rows"]}
    assert set(agents) == {"A0001", "A0007"}
    assert agents["A0007"]["conversations"] == 3
    assert agents["A0007"]["text"] == "50.0%"
    html = team.content.decode()
    assert reverse("metrics:agent", args=[data.alice_agent.pk]) in html
    assert f"agent={data.alice_agent.pk}" in agents["A0007"]["drill"]


def test_agent_targets_follow_their_tier(data):
    from kefu.metrics.models import Target

    Target.objects.create(key="fcr_rate", team=data.after_sales, tier="senior", value=0.9)
    team = as_user(data.mia).get(reverse("metrics:team", args=[data.after_sales.pk]), MAY)
    agents = {r["external_id"]: r for r in team.context["table"]["rows"]}
    assert agents["A0007"]["target_text"] == "90.0%"  # alice is senior
    assert agents["A0001"]["target_text"] == "85.0%"  # the lead: department target


def test_agent_opens_only_her_own_page(data):
    alice = as_user(data.alice)
    own = alice.get(reverse("metrics:agent", args=[data.alice_agent.pk]), MAY)
    assert own.status_code == 200
    assert own.context["is_self"]
    assert alice.get(reverse("metrics:agent", args=[data.bob_agent.pk]), MAY).status_code == 404
    assert alice.get(reverse("metrics:agent", args=[data.sam_agent.pk]), MAY).status_code == 404


def test_supervisor_opens_his_agents_only(data):
    sam = as_user(data.sam)
    assert sam.get(reverse("metrics:agent", args=[data.alice_agent.pk]), MAY).status_code == 200
    assert sam.get(reverse("metrics:agent", args=[data.bob_agent.pk]), MAY).status_code == 404


def test_agent_page_compares_with_the_team_aggregate(data):
    response = as_user(data.alice).get(reverse("metrics:agent", args=[data.alice_agent.pk]), MAY)
    rows = {r["key"]: r for r in response.context["data"]["rows"]}
    assert rows["conversations"]["text"] == "3"
    assert rows["conversations"]["team_text"] == "4"  # the team total includes A0001's
    assert rows["fcr_rate"]["text"] == "50.0%"
    assert rows["fcr_rate"]["team_text"] == "66.7%"
    assert rows["fcr_rate"]["target_text"] == "85.0%"
    trend = json_data(response, "agent-trend-data")
    assert trend["months"][-1] == "2024-05" and len(trend["months"]) == 12
    fcr = next(s for s in trend["series"] if s["key"] == "fcr_rate")
    assert fcr["values"][-1] == 0.5 and fcr["values"][-2] == 1.0  # April: resolved first time


def test_me_redirects_to_the_own_agent_page(data):
    response = as_user(data.alice).get(reverse("metrics:me"), MAY)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("metrics:agent", args=[data.alice_agent.pk]))
    assert "from=2024-05-01" in response["Location"]
    no_agent = as_user(data.mia).get(reverse("metrics:me"))
    assert no_agent["Location"] == reverse("metrics:overview")


# --- the conversations behind a figure -----------------------------------------------------


def drill(client, headers=None, **params):
    return client.get(reverse("metrics:conversations"), {**MAY, **params}, headers=headers)


def test_drill_lists_exactly_the_conversations_behind_the_figure(data):
    mia = as_user(data.mia)
    alice_fcr = drill(mia, kpi="fcr_rate", agent=data.alice_agent.pk)
    assert listed_ids(alice_fcr) == ["C-ALICE-ESC"]  # not the first-time one, not the open one
    everyone = drill(mia, kpi="fcr_rate")
    assert set(listed_ids(everyone)) == {"C-ALICE-ESC", "C-BOB-ESC"}
    team = drill(mia, kpi="fcr_rate", team=data.pre_sales.pk)
    assert listed_ids(team) == ["C-BOB-ESC"]
    csat = drill(mia, kpi="csat_satisfied_rate")
    assert listed_ids(csat) == ["C-ALICE-ESC"]  # the only CSAT of 1–3
    volume = drill(mia, kpi="conversations", agent=data.alice_agent.pk)
    assert set(listed_ids(volume)) == {"C-ALICE-FCR", "C-ALICE-ESC", "C-ALICE-OPEN"}
    assert alice_fcr.context["behind_label"]


def test_drill_respects_the_period(data):
    response = as_user(data.mia).get(
        reverse("metrics:conversations"),
        {
            "kpi": "conversations",
            "agent": data.alice_agent.pk,
            "from": "2024-04-01",
            "to": "2024-04-30",
        },
    )
    assert listed_ids(response) == ["C-ALICE-APRIL"]


def test_drill_stays_inside_the_scope(data):
    alice = as_user(data.alice)
    assert listed_ids(drill(alice, kpi="fcr_rate")) == ["C-ALICE-ESC"]
    assert drill(alice, kpi="fcr_rate", agent=data.bob_agent.pk).status_code == 404
    assert drill(alice, kpi="fcr_rate", team=data.pre_sales.pk).status_code == 404
    sam = as_user(data.sam)
    assert listed_ids(drill(sam, kpi="fcr_rate")) == ["C-ALICE-ESC"]
    assert drill(sam, kpi="fcr_rate", agent=data.bob_agent.pk).status_code == 404


def test_drill_needs_a_known_figure(data):
    assert drill(as_user(data.mia), kpi="nonsense").status_code == 404
    assert drill(as_user(data.mia)).status_code == 404


def test_drill_pages_with_htmx_fragments_and_masks(data):
    response = drill(as_user(data.quinn), {"HX-Request": "true"}, kpi="fcr_rate")
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<section id="results"')
    assert set(listed_ids(response)) == {"C-ALICE-ESC", "C-BOB-ESC"}
    assert "王芳" not in html  # QA sees masked names
    assert "王*" in html


# --- trends and workload -----------------------------------------------------------------


def test_trends_mark_improvement_actions(data):
    ImprovementAction.objects.create(on=date(2024, 5, 10), title="话术培训")
    ImprovementAction.objects.create(on=date(2024, 5, 12), title="售前专项", team=data.pre_sales)
    ImprovementAction.objects.create(on=date(2022, 1, 1), title="太早了")
    mia = as_user(data.mia).get(reverse("metrics:trends"))
    assert mia.context["date_from"] == date(2023, 6, 1)
    assert mia.context["date_to"] == date(2024, 5, 31)
    trend = json_data(mia, "trend-data")
    assert len(trend["months"]) == 12
    nps = next(s for s in trend["series"] if s["key"] == "nps")
    assert nps["values"][-1] == pytest.approx(400 / 6)  # 5 promoters, 1 detractor of 6
    assert [a["title"] for a in trend["actions"]] == ["话术培训", "售前专项"]
    assert trend["markers"][0]["month"] == "2024-05"
    heat = json_data(mia, "heatmap-data")
    assert heat["quarters"][-1] == "2024-Q2"
    assert set(heat["teams"]) == {"售后一组", "售前一组"}
    assert set(heat["metrics"]) == {"nps", "csat_satisfied_rate", "csat_mean"}
    # alice sees department-wide actions and her own team's, and no heat map of teams
    alice = as_user(data.alice).get(reverse("metrics:trends"))
    assert [a["title"] for a in alice.context["trend"]["actions"]] == ["话术培训"]
    assert alice.context["heatmap"] is None


def test_workload_per_agent_in_scope(data):
    mia = as_user(data.mia).get(reverse("metrics:workload"), MAY)
    rows = {r["external_id"]: r for r in mia.context["data"]["rows"]}
    assert set(rows) == {"A0001", "A0007", "A0102"}
    assert rows["A0007"]["conversations"] == 3
    assert rows["A0007"]["share_text"] == "75.0%"  # 3 of 售后一组's 4
    assert rows["A0007"]["deviation_text"] == "+50.0%"  # team mean 2
    assert rows["A0007"]["band"] == "high"
    assert mia.context["data"]["rows"][0]["external_id"] == "A0007"  # the busiest first
    alice = as_user(data.alice).get(reverse("metrics:workload"), MAY)
    assert [r["external_id"] for r in alice.context["data"]["rows"]] == ["A0007"]


def test_chart_labels_follow_the_language(data):
    mia = as_user(data.mia)
    zh = mia.get(reverse("metrics:overview"), MAY)
    assert card(zh, "fcr_rate")["label"] == "一次解决率"
    assert json_data(zh, "frt-data")["threshold_label"] == "30.0 秒"
    mia.cookies["django_language"] = "en"
    en = mia.get(reverse("metrics:overview"), MAY)
    assert card(en, "fcr_rate")["label"] == "First contact resolution"
    assert json_data(en, "radar-data")["indicators"][1]["name"] == "First contact resolution"
    assert json_data(en, "frt-data")["threshold_label"] == "30.0 s"


def test_the_default_period_passes_over_a_thin_month_and_says_so(personas, import_records):
    # three months of ten conversations, then one in April (a test run, say)
    records = [
        native_conversation(id=f"T-{m}-{i}", created=datetime(2024, m, 1 + i, 10, tzinfo=SHANGHAI))
        for m in (1, 2, 3)
        for i in range(10)
    ]
    records.append(
        native_conversation(id="T-4-0", created=datetime(2024, 4, 9, 10, tzinfo=SHANGHAI))
    )
    assert import_records(*records).rejected == 0
    client = Client()
    client.force_login(personas.mia)

    page = client.get(reverse("metrics:overview"))
    named = client.get(reverse("metrics:overview"), {"from": "2024-04-01", "to": "2024-04-30"})

    assert page.context["date_to"] == date(2024, 3, 31)
    assert "2024-04" in page.content.decode() and 'id="period-note"' in page.content.decode()
    assert named.context["date_to"] == date(2024, 4, 30)  # a named period is kept, no note
    assert 'id="period-note"' not in named.content.decode()


def test_a_thin_month_after_a_long_gap_is_passed_over_too(personas, import_records):
    # a year of history in 2024, then a test run (`kefu simulate`) two years later
    records = [
        native_conversation(id=f"G-{m}-{i}", created=datetime(2024, m, 1 + i, 10, tzinfo=SHANGHAI))
        for m in (10, 11, 12)
        for i in range(10)
    ]
    records.append(
        native_conversation(id="G-late", created=datetime(2026, 12, 2, 10, tzinfo=SHANGHAI))
    )
    assert import_records(*records).rejected == 0
    client = Client()
    client.force_login(personas.mia)

    assert client.get(reverse("metrics:overview")).context["date_to"] == date(2024, 12, 31)
