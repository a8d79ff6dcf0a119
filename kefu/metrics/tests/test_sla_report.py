"""The SLA report (/sla/report/, its CSV, GET /api/v1/sla/report): the core's judgement,
scoped by the access layer (manager: all; supervisor: own teams; agent: only self)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest

from conftest import SHANGHAI, client_for, native_conversation
from kefu.accounts.access import ALL
from kefu.accounts.models import Agent, Team
from kefu.metrics import facts
from kefu.metrics.models import KpiFact
from kefu.metrics.selectors import Scope, figures
from kefu.sla import actions
from kefu.sla.models import BusinessCalendar

MAY = "date_from=2024-05-01&date_to=2024-05-31"
API_MAY = "from=2024-05-01&to=2024-05-31"


def chat(agent: str, reply_s: float | None, created=None, channel="chat") -> dict:
    created = created or datetime(2024, 5, 6, 10, tzinfo=SHANGHAI)
    messages = [{"id": "m1", "role": "customer", "at": created.isoformat(), "text": "您好"}]
    if reply_s is not None:
        at = (created + timedelta(seconds=reply_s)).isoformat()
        messages.append({"id": "m2", "role": "agent", "agent": agent, "at": at, "text": "您好"})
    return native_conversation(
        agent=agent, channel=channel, created=created, messages=messages, survey={}
    )


@pytest.fixture
def world(personas, import_records):
    # alice (售后一组): 10 s met, 45 s breached, no reply; bob (售前一组): 50 s breached;
    # an e-mail of alice's answered over a weekend, judged in business time (paused)
    office = BusinessCalendar.objects.get(name="工作日 09:00–18:00")
    actions.save_policy(
        "email",
        {
            "name": "邮件",
            "channel": "email",
            "first_response_s": 7200,
            "measure": "business",
            "calendar": office,
        },
    )
    friday = datetime(2024, 5, 17, 17, 30, tzinfo=SHANGHAI)
    weekend = (datetime(2024, 5, 20, 10, tzinfo=SHANGHAI) - friday).total_seconds()
    import_records(
        chat("A0007", 10),
        chat("A0007", 45),
        chat("A0007", None),
        chat("A0102", 50),
        chat("A0007", weekend, created=friday, channel="email"),
    )
    facts.refresh()
    return personas


def api(user, query: str = API_MAY) -> dict:
    response = client_for(user).get(f"/api/v1/sla/report?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def by_group(body: dict) -> dict:
    return {g["group"]: g for g in body["groups"]}


def test_the_manager_sees_every_channel_with_the_kpi_breach_rate(world):
    body = api(world.mia)
    total = body["total"]
    assert (total["met"], total["breached"], total["no_reply"], total["paused"]) == (2, 2, 1, 1)
    # the breach rate is the KPI's frt_over_target_rate
    kpi = figures(Scope(date(2024, 5, 1), date(2024, 5, 31), visible=ALL))
    assert total["breach_rate"] == pytest.approx(kpi["frt_over_target_rate"])
    groups = by_group(body)
    assert groups["chat"]["breached"] == 2 and groups["chat"]["no_reply"] == 1
    email = groups["email"]
    assert (email["met"], email["paused"]) == (1, 1)
    assert email["paused_s"] == pytest.approx(63 * 3600)
    assert email["targets"] == [{"target_s": 7200.0, "measure": "business", "conversations": 1}]


def test_the_breach_count_equals_the_stored_kpi_statistic(world):
    body = api(world.mia, f"{API_MAY}&by=agent")
    stored = {
        a.pk: sum(KpiFact.objects.filter(agent=a).values_list("frt_over_target", flat=True))
        for a in Agent.objects.all()
    }
    for group in body["groups"]:
        assert group["breached"] == stored[group["group_id"]]


def test_an_agent_sees_only_their_own_row(world):
    body = api(world.alice, f"{API_MAY}&by=agent")
    alice = Agent.objects.get(external_id="A0007")
    assert [g["group_id"] for g in body["groups"]] == [alice.pk]
    assert body["total"]["conversations"] == 4
    # bob's row is not in alice's page either
    page = client_for(world.alice).get(f"/sla/report/?{MAY}&by=agent")
    assert page.status_code == 200
    text = page.content.decode()
    assert "A0007" in text and "A0102" not in text
    assert 'data-by="team"' not in text  # no by-team tab for an agent


def test_a_supervisor_sees_their_team_only(world):
    body = api(world.sam, f"{API_MAY}&by=team")
    assert [g["group"] for g in body["groups"]] == ["售后一组"]
    assert body["total"]["conversations"] == 4  # alice's (sam has none in the period)
    other = Team.objects.get(name="售前一组")
    assert api(world.sam, f"{API_MAY}&team={other.pk}")["total"]["conversations"] == 0


def test_without_a_role_nothing(world):
    assert api(world.olga)["total"]["conversations"] == 0


def test_anonymous_is_refused(world):
    assert client_for().get(f"/api/v1/sla/report?{API_MAY}").status_code == 401
    assert client_for().get("/sla/report/").status_code == 302


def test_the_page_in_chinese_by_team_with_the_target(world):
    response = client_for(world.mia).get(f"/sla/report/?{MAY}&by=team")
    text = response.content.decode()
    assert response.status_code == 200
    assert "SLA 报表" in text and "按班组" in text
    assert "售后一组" in text and "售前一组" in text
    assert "30 秒" in text  # the chat policy's first-response target


def test_the_filters_narrow_and_an_invalid_one_is_shown(world):
    response = client_for(world.mia).get(f"/sla/report/?{MAY}&channel=email")
    assert response.context["total"]["conversations"] == 1
    response = client_for(world.mia).get("/sla/report/?date_from=2024-05-31&date_to=2024-05-01")
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]


def test_the_csv_has_the_page_rows(world):
    response = client_for(world.mia).get(f"/sla/report/export.csv?{MAY}&by=channel")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    page = client_for(world.mia).get(f"/sla/report/?{MAY}&by=channel").context
    assert [r[0] for r in rows[1:]] == [r["group"] for r in page["rows"]] + ["合计"]
    breached = rows[0].index("超时")
    assert [int(r[breached]) for r in rows[1:]] == [
        *(r["breached"] for r in page["rows"]),
        page["total"]["breached"],
    ]
    # an agent's CSV holds their own rows only
    mine = client_for(world.bob).get(f"/sla/report/export.csv?{MAY}&by=agent")
    lines = list(csv.reader(io.StringIO(mine.content.decode("utf-8-sig"))))
    assert [r[0] for r in lines[1:]] == ["王强 (A0102)", "合计"]


HOSTILE = ["9223372036854775808", "-1", "²", "0001-01-01", "9999-12-31", "1e999", "长" * 3000]


@pytest.mark.parametrize("user", ["mia", "alice"])
def test_hostile_parameters_never_fail(world, user):
    client = client_for(getattr(world, user))
    for value in HOSTILE:
        params = dict.fromkeys(("date_from", "date_to", "channel", "team", "by"), value)
        for path in ("/sla/report/", "/sla/report/export.csv"):
            assert client.get(path, params).status_code == 200, (path, value[:20])
        api_params = dict.fromkeys(("from", "to", "channel", "team", "by"), value)
        assert client.get("/api/v1/sla/report", api_params).status_code == 422, value[:20]


def test_one_bound_keeps_the_default_length(world):
    response = client_for(world.mia).get("/sla/report/?date_from=2024-05-01&date_to=")
    assert (response.context["date_from"], response.context["date_to"]) == (
        date(2024, 5, 1),
        date(2024, 5, 30),
    )
    assert response.context["total"]["conversations"] == 5


def test_resolutions_are_judged_by_the_policys_resolution_target(personas, import_records):
    # given a chat policy that also wants conversations resolved within 20 minutes
    actions.save_policy(
        "chat",
        {
            "name": "在线",
            "channel": "chat",
            "first_response_s": 30,
            "resolution_s": 1200,
            "measure": "calendar",
        },
    )
    created = datetime(2024, 5, 6, 10, tzinfo=SHANGHAI)
    late = chat("A0007", 10)
    late["resolved_at"] = (created + timedelta(minutes=45)).isoformat()
    still_open = chat("A0007", 10)
    still_open.update(resolved_at=None, status="open")
    import_records(chat("A0007", 10), late, still_open, chat("A0007", 10, channel="phone"))
    facts.refresh()
    # then the report counts one in time (16 min), one late, one open; phone has no target
    body = api(personas.mia)
    chat_row = by_group(body)["chat"]
    assert (chat_row["resolved_in_time"], chat_row["resolved_late"], chat_row["open"]) == (1, 1, 1)
    assert chat_row["resolution_breach_rate"] == pytest.approx(0.5)
    assert by_group(body)["phone"]["resolved_in_time"] == 0
    assert body["total"]["resolved_late"] == 1
    # and the page shows the resolution columns (they are hidden when no policy sets one)
    page = client_for(personas.mia).get(f"/sla/report/?{MAY}")
    assert page.context["resolution"] and "超时解决" in page.content.decode()


def test_without_resolution_targets_the_page_has_no_resolution_columns(world):
    page = client_for(world.mia).get(f"/sla/report/?{MAY}")
    assert page.status_code == 200 and not page.context["resolution"]
    assert "超时解决" not in page.content.decode()
