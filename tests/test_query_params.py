"""Hostile query parameters (issue 14, item 8): a 4xx naming the parameter, never a 500.

The API answers 422 with `errors[].field` naming the parameter; the web list and report
pages report the field on their form and fall back to their default, so they render.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from conftest import native_conversation
from kefu.core import periods
from kefu.core.params import parse_id

HUGE = "9223372036854775808"  # 2**63: one past the database's integers


@pytest.fixture
def data(personas, import_records):
    import_records(native_conversation(id="C-Q-1"), native_conversation(id="C-Q-2", agent="A0102"))
    return personas


def api(user, path: str, **params):
    client = Client()
    client.force_login(user)
    return client.get(path, params, HTTP_ACCEPT_LANGUAGE="en")


def fields(response) -> set[str]:
    return {e["field"] for e in response.json()["errors"]}


def test_it_parses_only_ascii_ids_in_range():
    assert parse_id("42") == 42
    assert parse_id("²") is None  # '²'.isdigit() is True; int('²') fails
    assert parse_id("٣") is None
    assert parse_id(HUGE) is None
    assert parse_id("0") is None
    assert parse_id(" 1") is None
    assert parse_id(None) is None


def test_it_allows_days_from_2000_to_five_years_ahead():
    today = timezone.localdate()
    assert periods.day_allowed(periods.EARLIEST_DAY, today)
    assert not periods.day_allowed(periods.EARLIEST_DAY - timedelta(days=1), today)
    assert periods.latest_day(today).year == today.year + 5
    assert periods.parse_month("9999-12", today) is None
    assert periods.parse_month("2024-02", today)[1].day == 29


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/conversations", {"offset": HUGE}, "query.offset"),
        ("/api/v1/conversations", {"limit": HUGE}, "query.limit"),
        ("/api/v1/conversations", {"from": "0001-01-01"}, "query.from"),
        ("/api/v1/conversations", {"to": "9999-12-31"}, "query.to"),
        ("/api/v1/conversations", {"q": "x" * 201}, "query.q"),
        ("/api/v1/live/report", {"from": "0001-01-01", "to": "9999-12-31"}, "query.from"),
        ("/api/v1/live/report", {"to": "9999-12-31"}, "query.to"),
        ("/api/v1/reviews/report", {"from": "0001-01-01"}, "query.from"),
        ("/api/v1/reviews/report", {"to": "9999-12-31"}, "query.to"),
        ("/api/v1/wfm/forecast", {"week": "9999-12-31"}, "query.week"),
        ("/api/v1/wfm/forecast", {"week": "0001-01-01"}, "query.week"),
        (
            "/api/v1/metrics",
            {"from": "0001-01-01", "to": "9999-12-31", "by": "month"},
            "query.from",
        ),
        ("/api/v1/metrics", {"from": "2020-01-01", "to": "2024-12-31"}, "query.to"),
        ("/api/v1/metrics", {"from": "2024-05-02", "to": "2024-05-01"}, "query.to"),
        ("/api/v1/live/alerts", {"after": HUGE}, "query.after"),
        ("/api/v1/reviews", {"before_id": HUGE}, "query.before_id"),
        (f"/api/v1/reviews/{HUGE}", {}, "path.review_id"),
        (f"/api/v1/wfm/rosters/{HUGE}", {}, "path.roster_id"),
    ],
)
def test_the_api_answers_422_naming_the_parameter(data, path, params, field):
    response = api(data.mia, path, **params)
    assert response.status_code == 422, response.content
    assert field in fields(response)


def test_a_team_of_non_ascii_digits_is_a_name_that_matches_nothing(data):
    response = api(data.mia, "/api/v1/conversations", team="²")
    assert response.status_code == 200
    assert response.json()["items"] == []


def test_the_metrics_period_is_bounded_by_kefu_max_period_days(data, settings):
    settings.KEFU_MAX_PERIOD_DAYS = 30
    too_long = api(data.alice, "/api/v1/metrics", **{"from": "2024-05-01", "to": "2024-05-31"})
    assert too_long.status_code == 422
    assert "30" in too_long.json()["errors"][0]["reason"]
    ok = api(data.alice, "/api/v1/metrics", **{"from": "2024-05-01", "to": "2024-05-30"})
    assert ok.status_code == 200


def test_a_default_metrics_period_is_bounded_too(data, settings):
    # given conversations on 2024-05-02 only, and a bound of 3 days
    settings.KEFU_MAX_PERIOD_DAYS = 3
    # when only one end is given, the other is the data's, at most 3 days away
    only_to = api(data.mia, "/api/v1/metrics", to="2024-05-04").json()
    too_far = api(data.mia, "/api/v1/metrics", to="2024-05-05").json()
    only_from = api(data.mia, "/api/v1/metrics", **{"from": "2024-04-29"}).json()
    # then
    assert (only_to["conversations"], too_far["conversations"]) == (2, 0)
    assert only_from["conversations"] == 0  # 04-29 … 05-01


def test_kefu_metrics_has_the_same_bound(data, settings):
    from django.core.management import CommandError, call_command

    settings.KEFU_MAX_PERIOD_DAYS = 30
    with pytest.raises(CommandError, match="--to"):
        call_command("metrics", "--from", "2024-01-01", "--to", "2024-12-31")
    with pytest.raises(CommandError, match="--from"):
        call_command("metrics", "--from", "0001-01-01", "--to", "2024-12-31")


def _list_pages() -> list[str]:
    """Every web page without a path parameter (lists, reports, dashboards, forms)."""
    out: set[str] = set()

    def walk(patterns, prefix: str = "") -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if "<" in route or "(?P" in route or route.lstrip("^").startswith(("api", "admin")):
                    continue
                out.add("/" + route.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns)
    return sorted(out)


HOSTILE = [
    {"offset": HUGE, "page": HUGE, "team": "²", "agent": "²", "result": "²"},
    {"date_from": "0001-01-01", "date_to": "9999-12-31", "from": "0001-01-01", "to": "9999-12-31"},
    {"from": "9999-12-31", "to": "9999-12-31", "date_from": "9999-12-31",
     "date_to": "9999-12-31", "week": "9999-12-31", "month": "9999-12"},
    {"from": "0001-01-01", "date_from": "0001-01-01", "week": "0001-01-01", "month": "0001-01"},
    {"after": f"{HUGE}_{HUGE}", "before": "x_²", "team": HUGE, "agent": HUGE, "kpi": "\x00",
     "channel": "\x00", "indicator": "\x00", "status": "\x00", "q": "\x00"},
]  # fmt: skip


@pytest.mark.parametrize("persona", ["mia", "alice"])
def test_no_web_page_answers_500_to_hostile_parameters(data, persona):
    client = Client(raise_request_exception=False)
    client.force_login(getattr(data, persona))
    failures = [
        (path, params)
        for path in _list_pages()
        for params in HOSTILE
        if client.get(path, params).status_code >= 500
    ]
    assert failures == []


def test_the_conversation_list_reports_an_out_of_range_day(data):
    client = Client()
    client.force_login(data.mia)
    response = client.get("/conversations/", {"date_from": "0001-01-01"})
    assert response.status_code == 200
    assert "date_from" in response.context["form"].errors


@pytest.mark.parametrize("value", [HUGE, "²", "abc"])
def test_posted_ids_of_the_live_console_are_refused_not_500(data, value):
    from kefu.lib.errors import Invalid
    from kefu.monitoring import actions

    data.mia.is_superuser = True  # may monitor every team
    data.mia.save()
    with pytest.raises(Invalid):
        actions.send_suggestion(data.mia, "C-Q-1", "", template_id=value)
    with pytest.raises(Invalid):
        actions.send_suggestion(data.mia, "C-Q-1", "好的", alert_id=value)
    assert actions.acknowledge_alert(data.mia, value) is False
    assert actions.respond_to_suggestion(data.alice, value, used=True)["ok"] is False


@pytest.mark.parametrize(
    "value", [True, 1.0, 1e308, "1e999", [1], {"id": 1}, -1, 0, 2**63, "9223372036854775808"]
)
def test_it_names_no_row_for_values_from_json(value):
    # WebSocket frames and JSON bodies carry ids of any type
    assert parse_id(value) is None


def test_it_takes_integer_ids_from_json():
    assert parse_id(7) == 7 and parse_id(2**63 - 1) == 2**63 - 1
