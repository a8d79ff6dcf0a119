"""GET /api/v1/metrics and `kefu metrics`: the same contract answer, scoped by role."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import orjson
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from conftest import SHANGHAI, native_conversation
from kefu.metrics.core.kpis import KEYS

T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def data(personas, import_records):
    """alice (A0007, 售后一组) has two conversations, one a complaint with a 40 s first
    response; bob (A0102, 售前一组) one email in June; U1 comes back to bob within 7 days."""
    import_records(
        native_conversation(id="C1", customer={"id": "U1", "segment": "vip"}, created=T0),
        native_conversation(
            id="C2",
            customer={"id": "U2", "segment": "new"},
            created=T0 + timedelta(days=1),
            complaint=True,
            messages=[
                {
                    "id": "m1",
                    "role": "customer",
                    "at": (T0 + timedelta(days=1)).isoformat(),
                    "text": "投诉",
                },
                {
                    "id": "m2",
                    "role": "agent",
                    "agent": "A0007",
                    "at": (T0 + timedelta(days=1, seconds=40)).isoformat(),
                    "text": "抱歉",
                },
            ],
        ),
        native_conversation(
            id="C3",
            agent="A0102",
            channel="email",
            customer={"id": "U1", "segment": "vip"},
            created=T0 + timedelta(days=3),
        ),
    )
    return personas


def get(persona, **params):
    client = Client()
    client.force_login(persona)
    return client.get("/api/v1/metrics", params)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("metrics", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_it_answers_every_contract_key(data):
    body = get(data.mia, **{"from": "2024-05-01", "to": "2024-05-31"}).json()
    assert set(body) == set(KEYS)
    assert body["conversations"] == 3
    assert body["complaint_rate"] == pytest.approx(1 / 3)
    assert body["frt_median_s"] == 18  # 18, 40, 18 s
    assert body["repeat_contact_rate"] == pytest.approx(1 / 3)  # C1: U1 back in C3
    assert body["conversion_rate"] is None  # no orders: null, never 0


def test_the_cli_and_the_api_give_the_same_answer(data):
    for by in (None, "agent", "team", "channel", "month", "segment"):
        params = {"from": "2024-05-01", "to": "2024-06-30"} | ({"by": by} if by else {})
        args = ["--from", "2024-05-01", "--to", "2024-06-30"] + (["--by", by] if by else [])
        assert orjson.loads(run(*args)) == get(data.mia, **params).json()


def test_grouping_labels(data):
    by_agent = get(data.mia, **{"from": "2024-05-01", "to": "2024-05-31", "by": "agent"}).json()
    assert [(g["group"], g["conversations"]) for g in by_agent] == [("A0007", 2), ("A0102", 1)]
    by_team = get(data.mia, **{"from": "2024-05-01", "to": "2024-05-31", "by": "team"}).json()
    assert {g["group"] for g in by_team} == {"售后一组", "售前一组"}
    by_segment = get(data.mia, **{"from": "2024-05-01", "to": "2024-05-31", "by": "segment"})
    assert {g["group"]: g["conversations"] for g in by_segment.json()} == {"new": 1, "vip": 2}
    months = get(data.mia, **{"from": "2024-04-01", "to": "2024-05-31", "by": "month"}).json()
    assert [(m["group"], m["conversations"]) for m in months] == [("2024-04", 0), ("2024-05", 3)]
    assert months[0]["fcr_rate"] is None


@pytest.mark.parametrize(
    ("persona", "conversations"),
    [("alice", 2), ("bob", 1), ("sam", 2), ("quinn", 3), ("mia", 3), ("adam", 3), ("olga", 0)],
)
def test_it_is_scoped_by_role(data, persona, conversations):
    body = get(getattr(data, persona), **{"from": "2024-05-01", "to": "2024-05-31"}).json()
    assert body["conversations"] == conversations


def test_an_agent_grouping_by_agent_sees_only_themselves(data):
    body = get(data.alice, **{"from": "2024-05-01", "to": "2024-05-31", "by": "agent"}).json()
    assert [g["group"] for g in body] == ["A0007"]


def test_it_needs_authentication(data):
    assert Client().get("/api/v1/metrics").status_code == 401


@pytest.mark.parametrize(
    "params",
    [{"from": "2024-13-01"}, {"by": "planet"}, {"from": "2024-06-01", "to": "2024-05-01"}],
)
def test_bad_parameters_are_422(data, params):
    response = get(data.mia, **params)
    assert response.status_code == 422
    assert response.json()["detail"]


def test_the_cli_table_and_user_scope(data):
    table = run("--from", "2024-05-01", "--to", "2024-05-31", "--by", "team", "--format", "table")
    team_line = next(line for line in table.splitlines() if line.startswith("售后一组"))
    assert "50.0%" in team_line  # complaint rate: 1 of alice's 2
    mine = orjson.loads(run("--from", "2024-05-01", "--to", "2024-05-31", "--user", "bob"))
    assert mine["conversations"] == 1


def test_the_cli_rejects_bad_input(data):
    with pytest.raises(CommandError, match="before"):
        run("--from", "2024-06-01", "--to", "2024-05-01")
    with pytest.raises(CommandError, match="needs --output"):
        run("--format", "xlsx")
    with pytest.raises(CommandError, match="no user"):
        run("--user", "nobody")


def test_a_conversation_ingested_over_the_api_counts_on_the_next_read(data):
    # given May's figures
    may = {"from": "2024-05-01", "to": "2024-05-31"}
    before = get(data.mia, **may).json()
    client = Client()
    client.force_login(data.mia)
    # when a returning customer's conversation arrives live
    record = native_conversation(
        id="C-LIVE", customer={"id": "U2", "segment": "new"}, created=T0 + timedelta(days=4)
    )
    response = client.post(
        "/api/v1/conversations", orjson.dumps(record), content_type="application/json"
    )
    assert response.status_code in (200, 201), response.content
    # then the next read counts it, and U2's earlier conversation became a repeat contact
    after = get(data.mia, **may).json()
    assert after["conversations"] == before["conversations"] + 1
    assert after["repeat_contact_rate"] == pytest.approx(2 / 4)  # C1 and C2 of 4


# --- business time (issue 23) -------------------------------------------------------------
FRIDAY = datetime(2024, 6, 7, 17, 50, tzinfo=SHANGHAI)
TUESDAY = datetime(2024, 6, 11, 9, 10, tzinfo=SHANGHAI)  # Monday 10 June: 端午节


@pytest.fixture
def office_hours(personas, import_records):
    """A chat policy for VIPs on office hours (Monday–Friday 09:00–18:00, public holidays
    closed); one VIP chat asked on Friday 17:50 and answered on Tuesday 09:10."""
    from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy

    Holiday.objects.get_or_create(
        first=datetime(2024, 6, 10).date(),
        defaults={"name": "端午节", "last": datetime(2024, 6, 10).date()},
    )
    office = BusinessCalendar.objects.create(
        name="test office", weekly=["09:00-18:00"] * 5 + ["", ""], observes_holidays=True
    )
    SlaPolicy.objects.create(
        key="vip-chat", name="VIP", channel="chat", segment="vip", first_response_s=60,
        calendar=office,
    )  # fmt: skip
    import_records(
        native_conversation(
            id="W1",
            created=FRIDAY,
            resolved_at=(TUESDAY + timedelta(minutes=50)).isoformat(),
            messages=[
                {"id": "m1", "role": "customer", "at": FRIDAY.isoformat(), "text": "在吗"},
                {
                    "id": "m2",
                    "role": "agent",
                    "agent": "A0007",
                    "at": TUESDAY.isoformat(),
                    "text": "您好",
                },
            ],
        )
    )
    return personas


JUNE = ["--from", "2024-06-01", "--to", "2024-06-30"]


def test_business_time_leaves_out_the_closed_days(office_hours):
    calendar = orjson.loads(run(*JUNE))
    business = orjson.loads(run(*JUNE, "--time", "business"))
    assert calendar["frt_mean_s"] == 3 * 86400 + 15 * 3600 + 20 * 60
    assert business["frt_mean_s"] == business["frt_median_s"] == 1200  # 10 + 10 min
    assert business["aht_s"] == 1200  # first to last message
    assert business["resolution_time_mean_s"] == 10 * 60 + 60 * 60  # created → resolved
    by_segment = orjson.loads(run(*JUNE, "--time", "business", "--by", "segment"))
    assert by_segment[0]["frt_p90_s"] == 1200  # the per-conversation facts agree
    assert calendar == orjson.loads(run(*JUNE, "--time", "calendar"))


def test_business_time_has_the_contracts_keys(office_hours):
    contract = set(KEYS)
    assert set(orjson.loads(run(*JUNE, "--time", "business"))) == contract
    for group in orjson.loads(run(*JUNE, "--time", "business", "--by", "team")):
        assert set(group) == contract | {"group"}


def test_the_api_takes_the_time(office_hours):
    june = {"from": "2024-06-01", "to": "2024-06-30"}
    business = get(office_hours.mia, **june, time="business")
    assert business.status_code == 200
    assert business.json() == orjson.loads(run(*JUNE, "--time", "business"))
    assert business.json()["frt_mean_s"] == 1200
    assert (
        get(office_hours.mia, **june, time="calendar").json()
        == get(office_hours.mia, **june).json()
    )
    wrong = get(office_hours.mia, **june, time="wall-clock")
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["query.time"]


def test_the_table_and_workbook_say_which_time(office_hours, tmp_path):
    assert run(*JUNE, "--format", "table").rstrip().endswith("time: calendar (日历时间)")
    table = run(*JUNE, "--format", "table", "--time", "business")
    assert table.rstrip().endswith("time: business (工作时间)")
    assert "1200.0 s" in table
    from openpyxl import load_workbook

    path = tmp_path / "kpis.xlsx"
    run(*JUNE, "--format", "xlsx", "--output", str(path), "--time", "business")
    workbook = load_workbook(path)
    assert workbook.sheetnames[0] == "KPIs 工作时间"
    assert "business" in workbook.properties.title
