"""Workforce fixtures: the defaults and three weeks of history for the personas' agents,
and a roster built from them."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from conftest import native_conversation
from kefu.workforce.defaults import ensure_defaults

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
WEEK = date(2024, 5, 13)  # the Monday after the conversations below


@pytest.fixture
def planned(personas, import_records):
    """Defaults, and three weeks of chat conversations for the personas' agents."""
    ensure_defaults()
    records = []
    for day in range(21):
        for hour in (9, 10, 14, 20):
            created = datetime(2024, 4, 22, hour, 5, tzinfo=TZ) + timedelta(days=day)
            for agent in ("A0001", "A0007", "A0102"):
                records.append(native_conversation(created=created, agent=agent))
    import_records(*records)
    return personas


@pytest.fixture
def built(planned):
    """A roster of WEEK built by the manager (tasks run inline in tests)."""
    from kefu.workforce.actions import start_roster_build

    roster = start_roster_build(WEEK, by=planned.mia, time_limit_s=5)
    assert roster.status == "done", roster.error
    return roster


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
