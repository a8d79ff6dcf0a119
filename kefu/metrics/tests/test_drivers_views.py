"""Managers answer "why did NPS rise?": team tables show the change from the previous
period, the NPS drill-down lists every surveyed conversation by group, the "what changed"
page splits a change by team, channel, category and segment, and heat-map cells open it."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from conftest import SHANGHAI, native_conversation


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def answered(day: datetime, nps: int, **overrides) -> dict:
    return native_conversation(created=day, survey={"csat": 5, "nps": nps}, **overrides)


@pytest.fixture
def two_quarters(personas, import_records):
    """Q2 2024: alice's team (A0007) 2 detractors, 2 promoters; bob's (A0102) 2 passives.
    Q3: alice's team 4 promoters (e-mail), bob's the same 2 passives: NPS 0 → 66.7."""
    records = [answered(datetime(2024, 5, 2 + i, 10, tzinfo=SHANGHAI), n) for i, n in
               enumerate((3, 4, 9, 10))]  # fmt: skip
    records += [answered(datetime(2024, 5, 10 + i, 10, tzinfo=SHANGHAI), 7, agent="A0102")
                for i in range(2)]  # fmt: skip
    records += [answered(datetime(2024, 8, 2 + i, 10, tzinfo=SHANGHAI), 10, channel="email")
                for i in range(4)]  # fmt: skip
    records += [answered(datetime(2024, 8, 10 + i, 10, tzinfo=SHANGHAI), 8, agent="A0102")
                for i in range(2)]  # fmt: skip
    assert import_records(*records).rejected == 0
    return personas


Q3 = {"from": "2024-07-01", "to": "2024-09-30"}


def test_what_changed_adds_up_to_the_change_by_every_grouping(two_quarters):
    page = client_for(two_quarters.mia).get(reverse("metrics:drivers"), {**Q3, "kpi": "nps"})
    assert page.status_code == 200
    data = page.context["data"]
    assert data["change"] == "+66.7"  # NPS 0 → 66.7
    for table in data["tables"]:
        total = sum(row["total_value"] for row in table["rows"])
        assert total == pytest.approx(200 / 3, abs=1e-6), table["by"]
    teams = {row["name"]: row for row in data["tables"][0]["rows"]}
    assert teams["售后一组"]["total_value"] > 50  # alice's team drove it
    channels = {row["group"]: row for row in data["tables"][1]["rows"]}
    assert channels["email"]["mix"].startswith("+")  # e-mail gained weight, above average
    assert 'id="drivers-table-scene"' in page.content.decode()


def test_what_changed_is_for_those_who_see_teams(two_quarters):
    assert client_for(two_quarters.alice).get(reverse("metrics:drivers"), Q3).status_code == 404
    sam = client_for(two_quarters.sam).get(reverse("metrics:drivers"), {**Q3, "kpi": "nps"})
    # a supervisor sees their own team's share only
    names = [row["name"] for row in sam.context["data"]["tables"][0]["rows"]]
    assert names == ["售后一组"]


def test_team_tables_show_the_change_from_the_previous_period(two_quarters):
    page = client_for(two_quarters.mia).get(reverse("metrics:teams"), {**Q3, "kpi": "nps"})
    rows = {r["name"]: r for r in page.context["table"]["rows"]}
    assert rows["售后一组"]["change_text"] == "+100.0" and rows["售后一组"]["change_good"]
    assert rows["售前一组"]["change_text"] == "±0.0"
    assert 'id="summary-change"' in page.content.decode()


def test_the_nps_drill_down_lists_every_surveyed_conversation_by_group(two_quarters):
    client = client_for(two_quarters.mia)
    url = reverse("metrics:conversations")
    q2 = {"kpi": "nps", "from": "2024-04-01", "to": "2024-06-30"}
    every = client.get(url, q2)
    counts = {g["key"]: g["count"] for g in every.context["nps_groups"]}
    assert counts == {"all": 6, "promoters": 2, "passives": 2, "detractors": 2}
    assert every.context["total"] == 6 and len(every.context["page"].items) == 6
    passives = client.get(url, {**q2, "group": "passives"})
    assert passives.context["total"] == 2
    # an agent sees their own only
    alice = client_for(two_quarters.alice).get(url, q2)
    assert {g["key"]: g["count"] for g in alice.context["nps_groups"]}["all"] == 4


def test_heat_map_cells_open_what_changed_for_that_team_and_quarter(two_quarters):
    page = client_for(two_quarters.mia).get(reverse("metrics:trends"), Q3)
    heat = json.loads(json.dumps(page.context["heatmap"]))  # as the page's script reads it
    urls = [c["url"] for c in heat["metrics"]["nps"]["cells"] if c["url"]]
    assert urls and all(u.startswith(reverse("metrics:drivers") + "?kpi=nps&from=2024-07-01")
                        for u in urls)  # fmt: skip
    assert client_for(two_quarters.mia).get(urls[0]).status_code == 200
