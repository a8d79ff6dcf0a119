"""Schedule adherence on the page, its Excel export and the API (FilterSet shared)."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import pytest
from openpyxl import load_workbook

from conftest import SHANGHAI, client_for
from kefu.accounts.models import Agent
from kefu.workforce import actions
from kefu.workforce.api import AdherenceQuery
from kefu.workforce.filtersets import AdherenceFilterSet
from kefu.workforce.models import Roster, RosterAssignment

pytestmark = pytest.mark.django_db

WEEK = date(2024, 5, 13)


def at(day: int, hour: float) -> datetime:
    return datetime(2024, 5, 13 + day, tzinfo=SHANGHAI) + timedelta(hours=hour)


@pytest.fixture
def scheduled(personas):
    """A finished roster: alice and bob Monday 09–17 (break 12–13); alice online 08:30,
    away 14:00–15:00 (6 of 7 h); bob never online. An older, superseded roster of the
    same week gives alice a different shift (ignored)."""
    old = Roster.objects.create(week_start=WEEK, status="done", solver_status="optimal")
    roster = Roster.objects.create(week_start=WEEK, status="done", solver_status="feasible")
    Roster.objects.create(week_start=WEEK, status="failed")  # newest, but no result
    alice, bob = Agent.objects.get(user=personas.alice), Agent.objects.get(user=personas.bob)
    RosterAssignment.objects.create(
        roster=old, agent=alice, day=WEEK, template="x", channel="chat",
        start=at(0, 0), end=at(0, 4),
    )  # fmt: skip
    for agent in (alice, bob):
        RosterAssignment.objects.create(
            roster=roster, agent=agent, day=WEEK, template="day", channel="chat",
            start=at(0, 9), end=at(0, 17), break_start=at(0, 12), break_end=at(0, 13),
        )  # fmt: skip
    for when, state in ((at(0, 8.5), "online"), (at(0, 14), "away"), (at(0, 15), "busy"),
                        (at(0, 18), "offline")):  # fmt: skip
        actions.set_presence(alice, state, by=personas.alice, at=when)
    return roster


def test_the_page_shows_each_agent_and_day(personas, scheduled):
    response = client_for(personas.mia).get("/workforce/adherence/", {"week": "2024-05-15"})
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["rows"]
    figures = {r.agent.external_id: r.value for r in rows}
    assert figures == {"A0007": pytest.approx(6 / 7), "A0102": 0.0}
    assert "85.7 %" in html
    assert response.context["roster"] == scheduled
    assert response.context["overall"] == pytest.approx(100 * 6 / 14)


def test_a_supervisor_sees_their_team_only(personas, scheduled):
    response = client_for(personas.sam).get("/workforce/adherence/", {"week": "2024-05-13"})
    assert response.status_code == 200
    assert [r.agent.external_id for r in response.context["rows"]] == ["A0007"]


def test_the_wrong_roles_are_refused(personas, scheduled):
    for user in (personas.alice, personas.quinn, personas.olga):
        assert client_for(user).get("/workforce/adherence/").status_code == 403
        assert client_for(user).get("/api/v1/wfm/adherence").status_code == 403
    assert client_for().get("/workforce/adherence/").status_code == 302
    assert client_for().get("/api/v1/wfm/adherence").status_code == 401


def test_a_week_without_roster_has_no_figure(personas, scheduled):
    response = client_for(personas.mia).get("/workforce/adherence/", {"week": "2024-05-20"})
    assert response.status_code == 200 and response.context["rows"] == []
    assert "没有已完成的排班表" in response.content.decode()  # the UI's language: Chinese


def test_the_filters_narrow_by_team_and_agent(personas, scheduled):
    bob = Agent.objects.get(user=personas.bob)
    client = client_for(personas.mia)
    response = client.get("/workforce/adherence/", {"week": "2024-05-13", "team": bob.team_id})
    assert [r.agent.external_id for r in response.context["rows"]] == ["A0102"]
    response = client.get("/workforce/adherence/", {"week": "2024-05-13", "agent": "A0007"})
    assert [r.agent.external_id for r in response.context["rows"]] == ["A0007"]
    # sam may not choose bob's team: the form refuses it
    response = client_for(personas.sam).get(
        "/workforce/adherence/", {"week": "2024-05-13", "team": bob.team_id}
    )
    assert response.context["rows"] == [] and "team" in response.context["form"].errors


def test_the_export_holds_the_figures(personas, scheduled):
    response = client_for(personas.mia).get(
        "/workforce/adherence/adherence.xlsx", {"week": "2024-05-13"}
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    by_agent = {r[0]: r for r in rows}
    assert by_agent["A0007"][4] == 7.0 and by_agent["A0007"][5] == 6.0
    assert by_agent["A0007"][6] == pytest.approx(6 / 7)


def test_the_api_answers_the_same(personas, scheduled):
    body = client_for(personas.mia).get("/api/v1/wfm/adherence", {"week": "2024-05-13"}).json()
    assert body["roster"] == scheduled.pk and body["week"] == "2024-05-13"
    rows = {r["agent"]: r for r in body["rows"]}
    assert rows["A0007"]["adherence"] == pytest.approx(6 / 7)
    assert rows["A0007"]["scheduled_s"] == 7 * 3600
    assert body["adherence"] == pytest.approx(6 / 14)
    sam = client_for(personas.sam).get("/api/v1/wfm/adherence", {"week": "2024-05-13"}).json()
    assert [r["agent"] for r in sam["rows"]] == ["A0007"]
    bad = client_for(personas.mia).get("/api/v1/wfm/adherence", {"week": "nonsense"})
    assert bad.status_code == 422


def test_the_schema_mirrors_the_filterset():
    assert set(AdherenceQuery.model_fields) - AdherenceQuery.PAGING == set(
        AdherenceFilterSet.base_filters
    )


def test_the_page_reads_a_bounded_number_of_queries(
    personas, scheduled, django_assert_max_num_queries
):
    client = client_for(personas.mia)
    with django_assert_max_num_queries(20):
        client.get("/workforce/adherence/", {"week": "2024-05-13"})
