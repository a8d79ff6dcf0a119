"""Pages stay up whatever the database already holds (issue 14 item 4): conversations of
years 0001 and 9999 that an earlier version accepted, or that were written by hand, used
to break the trends, QA and workforce pages for everyone who could see them."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from conftest import native_conversation
from kefu.accounts.models import Agent, Team
from kefu.interactions.core.native import Limits, parse_object
from kefu.interactions.importer import Importer, configured_tz
from kefu.interactions.models import Conversation, Customer

# The extremes an earlier importer stored, e.g. from "0001-01-01T00:00:00Z" and
# "9999-12-31T23:00:00+08:00" (both can still be shown in Asia/Shanghai).
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 15, 0, tzinfo=UTC)


@pytest.fixture
def extremes(personas):
    """What an importer without a time window left: conversations (with their QA results,
    daily KPIs, search entries) of years 0001 and 9999, and one row written by hand."""
    tz = configured_tz()
    anything = Limits(
        earliest=datetime.min.replace(tzinfo=UTC), latest=datetime.max.replace(tzinfo=UTC)
    )
    records = [
        native_conversation(id="C-NORMAL", agent="A0007"),
        native_conversation(id="C-ANCIENT", created=EARLIEST, customer={"id": "U-ANCIENT"}),
        native_conversation(id="C-FUTURE", created=LATEST, customer={"id": "U-FUTURE"}),
        native_conversation(id="C-BOB-FUTURE", created=LATEST, agent="A0102",
                            messages=[], customer={"id": "U-BOB"}),
    ]  # fmt: skip
    report = Importer().feed_all(
        parse_object(r, tz, i + 1, anything) for i, r in enumerate(records)
    )
    assert report.rejected == 0, report.errors
    # A conversation written straight into the table, as a script might.
    Conversation.objects.create(
        external_id="C-RAW",
        channel="chat",
        customer=Customer.objects.create(external_id="U-RAW"),
        agent=Agent.objects.get(external_id="A0007"),
        team=Team.objects.get(name="售后一组"),
        created_at=LATEST,
        first_customer_at=EARLIEST,
        first_response_at=LATEST,
        first_response_s=(LATEST - EARLIEST).total_seconds(),
        status="open",
        content_hash="x",
    )
    return personas


def _pages(personas) -> list[str]:
    team = Team.objects.get(name="售后一组")
    agent = Agent.objects.get(external_id="A0007")
    return [
        reverse("interactions:conversation_list"),
        reverse("interactions:conversation_list") + "?q=退款",
        reverse("interactions:conversation_detail", args=["C-FUTURE"]),
        reverse("interactions:conversation_detail", args=["C-ANCIENT"]),
        reverse("interactions:conversation_detail", args=["C-RAW"]),
        reverse("interactions:customer_detail", args=["U-FUTURE"]),
        reverse("interactions:customer_detail", args=["U-ANCIENT"]),
        reverse("metrics:overview"),
        reverse("metrics:trends"),
        reverse("metrics:trends") + "?grain=month",
        reverse("metrics:teams"),
        reverse("metrics:team", args=[team.pk]),
        reverse("metrics:agent", args=[agent.pk]),
        reverse("metrics:me"),
        reverse("metrics:workload"),
        reverse("metrics:conversations"),
        reverse("qa:dashboard"),
        reverse("qa:results"),
        reverse("qa:conversation", args=["C-FUTURE"]),
        reverse("qa:agent", args=[agent.pk]),
        reverse("qa:me"),
        reverse("workforce:plan"),
        reverse("workforce:my_shifts"),
        reverse("reviews:home"),
        reverse("reviews:queue"),
        reverse("reviews:list"),
        reverse("monitoring:console"),
        reverse("monitoring:report"),
        reverse("monitoring:workspace"),
        reverse("interactions:export"),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["mia", "alice", "sam"])
def test_it_serves_every_page_over_conversations_of_years_0001_and_9999(extremes, who):
    client = Client(raise_request_exception=False)  # every failing page, not the first
    client.force_login(getattr(extremes, who))
    failures = []
    for url in _pages(extremes):
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert failures == []


@pytest.mark.django_db
def test_it_answers_the_api_over_conversations_of_years_0001_and_9999(extremes):
    client = Client()
    client.force_login(extremes.mia)
    for url in (
        "/api/v1/conversations",
        "/api/v1/conversations/C-FUTURE",
        "/api/v1/conversations/C-ANCIENT",
        "/api/v1/customers/U-FUTURE",
        "/api/v1/metrics",
        "/api/v1/metrics?by=month",
        "/api/v1/qa/results",
    ):
        assert client.get(url).status_code < 500, url


@pytest.mark.django_db
def test_it_exports_and_reports_conversations_of_years_0001_and_9999(extremes, tmp_path):
    out = io.StringIO()
    call_command("metrics", stdout=out, stderr=io.StringIO())
    assert out.getvalue()
    call_command("metrics", "--by", "month", stdout=io.StringIO(), stderr=io.StringIO())
    path = tmp_path / "all.jsonl"
    call_command("export", "-o", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert "C-FUTURE" in path.read_text() and "C-ANCIENT" in path.read_text()
