"""/api/v1/wfm/…: Erlang C, the week's forecast, a roster; for each, anonymous, the
wrong role and the right one."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from conftest import client_for
from kefu.accounts.models import ApiToken
from kefu.workforce.tests.conftest import WEEK

pytestmark = pytest.mark.urls("kefu.workforce.tests.api_urls")

ERLANG = {"calls": 100, "interval": 1800, "aht": 180, "asa": 20, "sl": 0.8, "shrinkage": 0.3}


def post_erlang(user, body=ERLANG):
    return client_for(user).post("/api/v1/wfm/erlang", json.dumps(body), "application/json")


# --- POST /wfm/erlang -------------------------------------------------------------------
def test_erlang_answers_as_the_command_does(personas):
    response = post_erlang(personas.mia)
    assert response.status_code == 200
    data = response.json()
    assert list(data) == [
        "raw_positions", "positions", "service_level", "waiting_probability", "asa_s", "occupancy"
    ]  # fmt: skip
    assert (data["raw_positions"], data["positions"]) == (14, 20)
    assert data["service_level"] == pytest.approx(0.88835, abs=1e-5)


def test_erlang_takes_a_bearer_token(personas):
    _, raw = ApiToken.issue(personas.adam, "test")
    response = Client().post(
        "/api/v1/wfm/erlang", json.dumps(ERLANG), "application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )  # fmt: skip
    assert response.status_code == 200


@pytest.mark.parametrize("who", ["alice", "sam", "quinn", "olga"])
def test_erlang_refuses_other_roles(personas, who):
    response = post_erlang(getattr(personas, who))
    assert response.status_code == 403 and "detail" in response.json()


def test_erlang_refuses_anonymous(db):
    assert post_erlang(None).status_code == 401


def test_erlang_says_what_is_wrong(personas):
    response = post_erlang(personas.mia, ERLANG | {"sl": 1.5})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.body.sl"]
    missing = post_erlang(personas.mia, {"calls": 10})
    assert missing.status_code == 422 and missing.json()["errors"]


# --- GET /wfm/forecast -------------------------------------------------------------------
def test_forecast_gives_every_interval_of_the_week(planned):
    response = client_for(planned.mia).get("/api/v1/wfm/forecast", {"channel": "chat",
                                                                    "week": "2024-05-15"})  # fmt: skip
    assert response.status_code == 200
    data = response.json()
    assert data["week"] == str(WEEK) and data["interval_minutes"] == 30  # its Monday
    [chat] = data["channels"]
    assert chat["channel"] == "chat" and len(chat["intervals"]) == 336
    first = chat["intervals"][0]
    assert first["start"].startswith("2024-05-13T00:00:00+08:00")
    assert max(i["required"] for i in chat["intervals"]) == chat["peak_required"] >= 1
    assert chat["parameters"]["sl_target"] == 0.8


def test_forecast_of_every_channel_by_default(planned):
    data = client_for(planned.adam).get("/api/v1/wfm/forecast", {"week": str(WEEK)}).json()
    assert {c["channel"] for c in data["channels"]} == {"chat", "phone", "email", "app"}


def test_forecast_sets_the_naive_forecast_beside_ours(planned, monkeypatch):
    from kefu.workforce import selectors
    from kefu.workforce.core.forecast import Backtest

    result = Backtest(None, None, mape_daily=0.1, mape_interval=None, wape=0.9,
                      wape_daily=0.12, naive_wape=0.6, mase=1.3, noise_wape=0.7)  # fmt: skip
    monkeypatch.setattr(selectors, "backtest", lambda *a, **kw: result)
    data = client_for(planned.mia).get("/api/v1/wfm/forecast", {"channel": "chat",
                                                                "week": str(WEEK)}).json()  # fmt: skip
    chat = data["channels"][0]
    assert (chat["wape"], chat["naive_wape"], chat["mase"]) == (0.9, 0.6, 1.3)
    assert chat["beats_naive"] is False and chat["warnings"] == ["naive", "wape"]
    assert chat["data_end"].startswith("2024-05-12T20:00:00+08:00") and chat["horizon_days"] > 0


def test_forecast_refuses_an_unknown_channel(planned):
    response = client_for(planned.mia).get("/api/v1/wfm/forecast", {"channel": "fax"})
    assert response.status_code == 422 and "fax" in response.json()["detail"]


@pytest.mark.parametrize("who", ["alice", "sam", "tina"])
def test_forecast_refuses_other_roles(planned, who):
    response = client_for(getattr(planned, who)).get("/api/v1/wfm/forecast")
    assert response.status_code == 403


def test_forecast_refuses_anonymous(db):
    assert Client().get("/api/v1/wfm/forecast").status_code == 401


# --- GET /wfm/rosters/{id} ---------------------------------------------------------------
def test_a_planner_gets_every_shift_and_the_gap_per_interval(built):
    data = client_for(built.created_by).get(f"/api/v1/wfm/rosters/{built.pk}").json()
    assert data["status"] == "done" and data["solver_status"] == built.solver_status
    assert data["optimal"] == built.proven_optimal  # never with a large coverage gap
    assert len(data["assignments"]) == built.assignments.count()
    chat = next(c for c in data["channels"] if c["channel"] == "chat")
    assert len(chat["intervals"]) == 336
    for row in chat["intervals"]:
        assert row["gap"] == max(0, row["required"] - row["scheduled"])
    assert chat["gap_hours"] == sum(r["gap"] for r in chat["intervals"]) / 2


def test_a_roster_predicts_against_each_channels_sla_target(built):
    # given the shipped policies (chat 30 s) and a stricter chat policy stored afterwards
    from kefu.sla.actions import save_policy
    from kefu.sla.models import SlaPolicy
    from kefu.workforce.actions import start_roster_build

    data = client_for(built.created_by).get(f"/api/v1/wfm/rosters/{built.pk}").json()
    chat = next(c for c in data["channels"] if c["channel"] == "chat")
    # then with a 30 s target the share over target is the share over 30 s
    assert chat["sla_target_s"] == 30.0
    assert chat["predicted_frt_over_target_rate"] == chat["predicted_frt_over_30s_rate"]
    chat_policy = SlaPolicy.objects.get(channel="chat", active=True, segment="")
    save_policy(chat_policy.key, {**_policy_fields(chat_policy), "first_response_s": 10})
    # when the week is planned again
    again = start_roster_build(WEEK, by=built.created_by, time_limit_s=5)
    data = client_for(built.created_by).get(f"/api/v1/wfm/rosters/{again.pk}").json()
    chat = next(c for c in data["channels"] if c["channel"] == "chat")
    # then it predicts against the new target: missed at least as often as 30 s
    assert chat["sla_target_s"] == 10.0
    assert chat["predicted_frt_over_target_rate"] >= chat["predicted_frt_over_30s_rate"]
    assert all(
        row["predicted_frt_over_target_rate"] >= row["predicted_frt_over_30s_rate"] - 1e-12
        for row in chat["intervals"]
    )


def _policy_fields(policy) -> dict:
    from kefu.sla.actions import POLICY_FIELDS

    return {field: getattr(policy, field) for field in POLICY_FIELDS}


def test_a_supervisor_gets_their_teams_shifts_only(built, personas):
    response = client_for(personas.sam).get(f"/api/v1/wfm/rosters/{built.pk}")
    assert response.status_code == 200
    data = response.json()
    assert data["channels"] is None
    assert {a["team"] for a in data["assignments"]} <= {"售后一组"}
    others = built.assignments.exclude(agent__team__name="售后一组").count()
    assert len(data["assignments"]) == built.assignments.count() - others


@pytest.mark.parametrize("who", ["alice", "quinn", "olga"])
def test_a_roster_is_not_found_for_other_roles(built, personas, who):
    response = client_for(getattr(personas, who)).get(f"/api/v1/wfm/rosters/{built.pk}")
    assert response.status_code == 404 and "detail" in response.json()


def test_a_roster_refuses_anonymous(built):
    assert Client().get(f"/api/v1/wfm/rosters/{built.pk}").status_code == 401


def test_an_unknown_roster_is_404(personas):
    assert client_for(personas.mia).get("/api/v1/wfm/rosters/999").status_code == 404


def test_erlang_refuses_inputs_that_would_run_away(personas):
    # traffic of 1e9 Erlangs would walk a billion agent counts; a 1e-300 occupancy cap
    # overflows the agent count
    huge = post_erlang(personas.mia, ERLANG | {"calls": 1_000_000, "aht": 86_400})
    tiny = post_erlang(personas.mia, ERLANG | {"occupancy": 1e-300})
    assert (huge.status_code, tiny.status_code) == (422, 422)
    assert [e["field"] for e in huge.json()["errors"]] == ["body.body.aht"]
    assert [e["field"] for e in tiny.json()["errors"]] == ["body.body.occupancy"]
