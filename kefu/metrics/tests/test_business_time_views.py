"""The dashboards' toggle 日历时间 / 工作时间 (`time=business`): the figures change, the
page says which time it shows, and links keep the choice."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from kefu.accounts.models import Agent, Team
from kefu.metrics.tests.test_api_cli import office_hours  # noqa: F401  (the fixture)

JUNE = {"from": "2024-06-01", "to": "2024-06-30"}


def page(user, name: str, **params):
    client = Client()
    client.force_login(user)
    return client.get(reverse(f"metrics:{name}"), JUNE | params)


def card(response, key: str) -> dict:
    return next(c for c in response.context["data"]["cards"] if c["key"] == key)


def test_the_overview_toggles_business_time(office_hours):  # noqa: F811
    calendar = page(office_hours.mia, "overview")
    business = page(office_hours.mia, "overview", time="business")
    assert calendar.status_code == business.status_code == 200
    assert card(calendar, "frt_mean_s")["value"] == 3 * 86400 + 15 * 3600 + 20 * 60
    assert card(business, "frt_mean_s")["value"] == 1200
    assert card(business, "conversations")["value"] == 1
    html = business.content.decode()
    assert "时间口径" in html and "日历时间" in html and "工作时间" in html
    assert 'value="business" checked' in html
    assert "当前显示：工作时间" in html
    assert "time=business" in html  # links to the other pages keep the choice
    shown = calendar.content.decode()
    assert 'value="calendar" checked' in shown and "当前显示：日历时间" in shown
    assert "time=business" not in shown


def test_every_dashboard_takes_the_time(office_hours):  # noqa: F811
    for name in ("trends", "teams", "workload", "drivers"):
        response = page(office_hours.mia, name, time="business")
        assert response.status_code == 200, name
        assert "当前显示：工作时间" in response.content.decode(), name
    teams = page(office_hours.mia, "teams", time="business", kpi="frt_mean_s")
    assert teams.context["table"]["summary"]["value"] == 1200
    client = Client()
    client.force_login(office_hours.mia)
    team = Team.objects.get(name="售后一组")
    agent = Agent.objects.get(external_id="A0007")
    for url in (
        reverse("metrics:team", args=[team.pk]),
        reverse("metrics:agent", args=[agent.pk]),
    ):
        response = client.get(url, JUNE | {"time": "business", "kpi": "frt_mean_s"})
        assert response.status_code == 200, url
        assert "当前显示：工作时间" in response.content.decode(), url
    team_page = client.get(
        reverse("metrics:team", args=[team.pk]), JUNE | {"time": "business", "kpi": "frt_mean_s"}
    )
    assert team_page.context["table"]["summary"]["value"] == 1200


def test_an_unknown_time_falls_back_to_calendar_time(office_hours):  # noqa: F811
    for value in ("sundial", "' OR 1=1 --", "长" * 3000, "BUSINESS"):
        response = page(office_hours.mia, "overview", time=value)
        assert response.status_code == 200
        assert card(response, "frt_mean_s")["value"] == 3 * 86400 + 15 * 3600 + 20 * 60
        assert "当前显示：日历时间" in response.content.decode()


def test_the_upgrade_queues_every_conversation_for_its_business_facts(office_hours):  # noqa: F811
    from importlib import import_module
    from types import SimpleNamespace

    from django.db import connection

    from kefu.interactions.models import Conversation
    from kefu.metrics.models import KpiFact, PendingFact

    migration = import_module("kefu.metrics.migrations.0005_business_time")
    KpiFact.objects.update(biz_frt_s=None, biz_frt_sum_s=0)  # as stored before the upgrade
    migration.queue_every_conversation(None, SimpleNamespace(connection=connection))
    assert PendingFact.objects.count() == Conversation.objects.count() == 1
    response = page(office_hours.mia, "overview", time="business")  # a read works it off
    assert card(response, "frt_mean_s")["value"] == 1200
    assert not PendingFact.objects.exists()
