"""Workforce pages and the `kefu wfm` command, for the right and the wrong roles."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from kefu.audit.models import AuditLog
from kefu.workforce.models import ForecastEvent, Roster, ShiftTemplate, StaffingParameters
from kefu.workforce.tests.conftest import WEEK


def login(client, user):
    client.force_login(user)
    return client


PLANNER_PAGES = ["workforce:plan", "workforce:settings", "workforce:agent_rules"]


@pytest.mark.parametrize("name", PLANNER_PAGES)
def test_anonymous_is_sent_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PLANNER_PAGES)
@pytest.mark.parametrize("who", ["alice", "sam", "quinn", "tina", "olga"])
def test_it_refuses_roles_without_the_workforce_permission(client, personas, name, who):
    assert login(client, getattr(personas, who)).get(reverse(name)).status_code == 403


@pytest.mark.parametrize("who", ["mia", "adam"])
def test_it_shows_the_plan_to_managers_and_admins(client, planned, who):
    response = login(client, getattr(planned, who)).get(reverse("workforce:plan"), {"week": WEEK})
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="forecast-chart"' in content and 'id="plan-data"' in content
    data = response.context["chart"]
    chat = next(c for c in data["channels"] if c["channel"] == "chat")
    assert len(chat["forecast"]) == 336 and max(chat["requirement"]) >= 1


@pytest.fixture
def losing_backtest(monkeypatch):
    """Every channel's back-test: worse than the seasonal-naive forecast, WAPE 90 %."""
    from kefu.workforce import selectors
    from kefu.workforce.core.forecast import Backtest

    result = Backtest(None, None, mape_daily=0.1, mape_interval=None, wape=0.9,
                      wape_daily=0.12, naive_wape=0.6, mase=1.3, noise_wape=0.7)  # fmt: skip
    monkeypatch.setattr(selectors, "backtest", lambda *a, **kw: result)
    return result


def test_the_page_warns_when_the_forecast_does_not_beat_naive(client, planned, losing_backtest):
    page = login(client, planned.mia).get(reverse("workforce:plan"), {"week": WEEK})
    content = page.content.decode()
    assert content.count('class="wfm-warning" role="alert" data-channel="chat"') == 2
    assert "没有优于季节性朴素预测" in content  # in Chinese first
    assert "90.0 %" in content and "60.0 %" in content and "70.0 %" in content
    client.cookies["django_language"] = "en"
    english = client.get(reverse("workforce:plan"), {"week": WEEK}).content.decode()
    assert "did not beat the seasonal-naive forecast" in english
    assert "chance alone" in english


def test_the_page_shows_no_warning_when_the_forecast_beats_naive(client, planned, losing_backtest):
    losing_backtest.naive_wape, losing_backtest.wape = 0.8, 0.4
    content = login(client, planned.mia).get(reverse("workforce:plan"), {"week": WEEK})
    assert 'class="wfm-warning"' not in content.content.decode()


def test_it_saves_parameters_and_audits(client, planned):
    url = reverse("workforce:parameters_save", args=["chat"])
    form = {"chat-aht_s": 300, "chat-target_s": 20, "chat-sl_target": 90, "chat-shrinkage": 20,
            "chat-max_occupancy": 80, "chat-concurrency": 2, "week": WEEK}  # fmt: skip
    response = login(client, planned.mia).post(url, form)
    assert response.status_code == 302
    chat = StaffingParameters.objects.get(channel="chat")
    assert (chat.aht_s, chat.sl_target, chat.concurrency) == (300, 0.9, 2)
    assert AuditLog.objects.filter(object_type="workforce.staffingparameters").exists()


def test_it_refuses_bad_parameters(client, planned):
    url = reverse("workforce:parameters_save", args=["chat"])
    form = {"chat-aht_s": 300, "chat-target_s": 20, "chat-sl_target": 150, "chat-shrinkage": 20,
            "chat-max_occupancy": 80, "chat-concurrency": 2}  # fmt: skip
    assert login(client, planned.mia).post(url, form).status_code == 400
    assert StaffingParameters.objects.get(channel="chat").sl_target == 0.8


def test_an_agent_cannot_save_parameters(client, planned):
    url = reverse("workforce:parameters_save", args=["chat"])
    assert login(client, planned.alice).post(url, {}).status_code == 403


def test_it_builds_a_roster_and_shows_it_by_role(client, planned):
    # given a manager builds the week's roster
    response = login(client, planned.mia).post(reverse("workforce:roster_build"), {"week": WEEK})
    roster = Roster.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("workforce:roster_detail", args=[roster.pk])
    # (tests run tasks inline: the build is done when the answer comes)
    assert roster.status == "done" and roster.heartbeat_at and roster.finished_at
    assert roster.solver_status in ("optimal", "feasible") and roster.agents_used >= 1
    assert roster.assignments.count() > 0
    url = reverse("workforce:roster_detail", args=[roster.pk])
    # then the manager sees the grid, the cover and the predicted service
    page = client.get(url)
    assert page.status_code == 200 and 'id="roster-grid"' in page.content.decode()
    assert "roster-data" in page.content.decode()
    outcome = "short" if roster.coverage.large_gap else roster.solver_status
    assert f"wfm-outcome-{outcome}" in page.content.decode()
    # with the share over the channel's SLA target (chat: 30 s), predicted and actual
    chat = next(s for s in page.context["summary"] if s["channel"] == "chat")
    assert chat["sla_target_s"] == 30.0 and chat["predicted_over_target"].endswith(" %")
    assert chat["predicted_over_target"] == chat["predicted_over_30"]
    assert "首响超 SLA 目标" in page.content.decode()
    # a supervisor sees only their team's rows and no planning figures
    client.force_login(planned.sam)
    page = client.get(url)
    assert page.status_code == 200
    teams = {row["agent"].team.name for row in page.context["grid"]}
    assert teams <= {"售后一组"}
    assert "roster-data" not in page.content.decode()
    # an agent and a user without a role get 404
    for user in (planned.alice, planned.olga):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.get(reverse("workforce:roster_export", args=[roster.pk])).status_code == 404


def test_it_exports_the_roster_to_excel(client, planned):
    login(client, planned.mia).post(reverse("workforce:roster_build"), {"week": WEEK})
    roster = Roster.objects.get()
    response = client.get(reverse("workforce:roster_export", args=[roster.pk]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) >= 2
    grid = book.worksheets[0]
    assert grid.max_row - 1 == roster.assignments.values("agent").distinct().count()
    chat = book["chat"]
    assert chat.max_row == 337
    assert AuditLog.objects.filter(object_type="workforce.roster", action="export").exists()


def test_it_writes_formula_like_names_as_text_in_the_roster(client, planned):
    # given an agent and a team whose names look like formulas
    from kefu.accounts.models import Agent, Team

    link, team = '=HYPERLINK("http://evil.example","点我")', "=1+1"
    Agent.objects.filter(external_id="A0007").update(name=link)
    Team.objects.filter(name="售后一组").update(name=team)
    login(client, planned.mia).post(reverse("workforce:roster_build"), {"week": WEEK})
    # when
    response = client.get(reverse("workforce:roster_export", args=[Roster.objects.get().pk]))
    # then they come back as the same text, and no cell is a formula
    book = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)
    texts = {cell.value for cell in cells}
    assert link in texts and team in texts


def test_an_agent_sees_own_shifts(client, planned):
    login(client, planned.mia).post(reverse("workforce:roster_build"), {"week": WEEK})
    roster = Roster.objects.get()
    client.force_login(planned.alice)
    response = client.get(reverse("workforce:my_shifts"))
    assert response.status_code == 200
    shown = list(response.context["shifts"])
    assert all(s.agent.external_id == "A0007" for s in shown)
    assert len(shown) == roster.assignments.filter(agent__external_id="A0007").count()
    client.force_login(planned.olga)
    assert client.get(reverse("workforce:my_shifts")).status_code == 404


def test_an_agents_navigation_leads_to_their_shifts(client, planned):
    client.force_login(planned.alice)
    page = client.get(reverse("interactions:conversation_list")).content.decode()
    assert f'href="{reverse("workforce:my_shifts")}"' in page
    client.force_login(planned.quinn)  # QA: no shifts of their own, no link
    page = client.get(reverse("interactions:conversation_list")).content.decode()
    assert reverse("workforce:my_shifts") not in page


def test_it_adds_and_removes_special_days_and_templates(client, planned):
    login(client, planned.mia)
    response = client.post(
        reverse("workforce:event_add"),
        {"name": "会员日", "start": "2024-05-20", "end": "2024-05-20", "uplift": "1.5"},
    )
    assert response.status_code == 302
    event = ForecastEvent.objects.get(name="会员日")
    bad = client.post(
        reverse("workforce:event_add"), {"name": "x", "start": "2024-05-21", "end": "2024-05-20"}
    )
    assert bad.status_code == 400
    client.post(reverse("workforce:event_delete", args=[event.pk]))
    assert not ForecastEvent.objects.filter(name="会员日").exists()
    response = client.post(
        reverse("workforce:template_add"),
        {"key": "short", "name": "短班", "start": "18:00", "length_minutes": 240,
         "break_minutes": 0, "break_earliest_minutes": 0, "break_latest_minutes": 0},
    )  # fmt: skip
    assert response.status_code == 302 and ShiftTemplate.objects.filter(key="short").exists()
    odd = client.post(
        reverse("workforce:template_add"),
        {"key": "odd", "name": "odd", "start": "18:10", "length_minutes": 240,
         "break_minutes": 0, "break_earliest_minutes": 0, "break_latest_minutes": 0},
    )  # fmt: skip
    assert odd.status_code == 400
    client.force_login(planned.alice)
    assert client.post(reverse("workforce:event_add"), {}).status_code == 403


def test_the_erlang_command_prints_the_issue_keys(capsys):
    out = io.StringIO()
    call_command(
        "wfm", "erlang", "--calls", "100", "--interval", "1800", "--aht", "180", "--asa", "20",
        "--sl", "0.8", "--shrinkage", "0.3", "--format", "json", stdout=out,
    )  # fmt: skip
    data = json.loads(out.getvalue())
    assert list(data) == [
        "raw_positions", "positions", "service_level", "waiting_probability", "asa_s", "occupancy"
    ]  # fmt: skip
    assert (data["raw_positions"], data["positions"]) == (14, 20)


def test_the_forecast_and_roster_commands_work(planned):
    out = io.StringIO()
    call_command("wfm", "forecast", "--week", str(WEEK), "--format", "json", stdout=out)
    assert "chat" in json.loads(out.getvalue())["channels"]
    out = io.StringIO()
    call_command("wfm", "roster", "--week", str(WEEK), "--time-limit", "5", stdout=out)
    assert "agents" in out.getvalue() and Roster.objects.count() == 1


def test_the_scheduled_run_builds_the_coming_week_once(planned):
    # given no roster for the week: the scheduler's run forecasts it and builds one
    out = io.StringIO()
    args = ("wfm", "roster", "--week", str(WEEK), "--time-limit", "5", "--if-missing")
    call_command(*args, stdout=out)
    assert "agents" in out.getvalue()
    built = Roster.objects.get()
    assert built.plan["channels"]  # the week's forecast and requirement, kept with it
    # the next run leaves the planners' week alone
    out = io.StringIO()
    call_command(*args, stdout=out)
    assert "not built: the week has a roster" in out.getvalue()
    assert Roster.objects.get() == built


def test_the_scheduled_run_does_nothing_where_staff_are_not_planned(personas):
    out = io.StringIO()
    call_command("wfm", "roster", "--week", str(WEEK), "--if-missing", stdout=out)
    assert "not built:" in out.getvalue()
    assert not Roster.objects.exists()


def test_the_parameters_form_speaks_percent(client, planned):
    # given the stored fractions, the form shows percentages
    page = login(client, planned.mia).get(reverse("workforce:plan"), {"week": WEEK})
    content = page.content.decode()
    assert 'name="chat-sl_target" value="80"' in content
    assert 'name="chat-shrinkage" value="30"' in content
    assert 'name="chat-max_occupancy" value="85"' in content
    # and takes percentages (with or without the sign), storing fractions
    url = reverse("workforce:parameters_save", args=["chat"])
    form = {"chat-aht_s": 300, "chat-target_s": 20, "chat-sl_target": "85 %",
            "chat-shrinkage": "12.5", "chat-max_occupancy": "90%", "chat-concurrency": 2}  # fmt: skip
    assert client.post(url, form).status_code == 302
    chat = StaffingParameters.objects.get(channel="chat")
    assert (chat.sl_target, chat.shrinkage, chat.max_occupancy) == (0.85, 0.125, 0.9)


@pytest.mark.parametrize(
    ("field", "value"), [("sl_target", "0.8"), ("sl_target", "100"), ("shrinkage", "95")]
)
def test_the_parameters_form_says_the_percent_range(client, planned, field, value):
    url = reverse("workforce:parameters_save", args=["chat"])
    form = {"chat-aht_s": 300, "chat-target_s": 20, "chat-sl_target": 80, "chat-shrinkage": 30,
            "chat-max_occupancy": 85, "chat-concurrency": 1} | {f"chat-{field}": value}  # fmt: skip
    response = login(client, planned.mia).post(url, form)
    assert response.status_code == 400
    bound = next(r["form"] for r in response.context["rows"] if r["channel"] == "chat")
    [error] = bound.errors[field].as_data()
    assert error.code == "percent_range" and "%" in error.message % error.params


def test_the_actual_week_is_the_kpi_of_that_week(planned):
    # the roster's "actual" week figures are the KPI definitions over the week's facts,
    # not an average of the half-hour shares
    from datetime import date, timedelta

    from kefu.accounts.access import ALL
    from kefu.metrics.selectors import Scope, figures
    from kefu.workforce import selectors

    monday = date(2024, 5, 6)
    seen = selectors.actual(monday)["chat"]
    kpi = figures(Scope(monday, monday + timedelta(days=6), visible=ALL, channel="chat"))
    assert seen["week"]["conversations"] == sum(seen["conversations"]) == kpi["conversations"]
    for key in ("frt_over_30s_rate", "frt_over_target_rate"):
        assert seen["week"][key] == pytest.approx(kpi[key])
