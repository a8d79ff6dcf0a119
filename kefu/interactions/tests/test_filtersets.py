"""One FilterSet for the conversation list: the page and the API filter alike."""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import native_conversation
from kefu.accounts.models import Agent, Team
from kefu.interactions.filtersets import ConversationFilterSet
from kefu.interactions.schemas import ConversationFilters


@pytest.fixture
def data(personas, import_records):
    import_records(
        native_conversation(
            id="C-1",
            category=["售后", "物流", "物流延误"],
            escalations=[{"level": "supervisor", "at": "2024-05-02T10:18:00+08:00"}],
        ),
        native_conversation(id="C-2", agent="A0102", channel="email", category=["咨询", "价格"]),
        native_conversation(id="C-3", agent="A0001", complaint=True, category=["咨询", "物流"]),
    )
    return personas


def page_ids(user, params: dict) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get("/conversations/", params)
    assert response.status_code == 200
    return sorted(c.external_id for c in response.context["page"].items)


def api_ids(user, params: dict) -> list[str]:
    client = Client()
    client.force_login(user)
    response = client.get("/api/v1/conversations", params)
    assert response.status_code == 200, response.content
    return sorted(item["id"] for item in response.json()["items"])


def test_it_documents_every_filter_in_the_api_schema():
    filters = set(ConversationFilters.model_fields) - ConversationFilters.PAGING
    assert filters == set(ConversationFilterSet.base_filters)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"escalated": "yes"}, ["C-1"]),
        ({"escalated": "no"}, ["C-2", "C-3"]),
        ({"complaint": "yes"}, ["C-3"]),
        ({"category": "物流"}, ["C-1", "C-3"]),
        ({"category1": "咨询", "category2": "价格"}, ["C-2"]),
        ({"team": "售前一组"}, ["C-2"]),
        ({"agent": "A0001"}, ["C-3"]),
        ({"channel": "email"}, ["C-2"]),
        ({"team": "no such team"}, []),
    ],
)
def test_it_filters_alike_on_the_page_and_in_the_api(data, params, expected):
    api_params = {k: {"yes": "true", "no": "false"}.get(v, v) for k, v in params.items()}
    assert api_ids(data.mia, api_params) == expected
    if params != {"team": "no such team"}:  # the page reports it and lists everything
        assert page_ids(data.mia, params) == expected


def test_it_reads_team_and_agent_by_id_on_both(data):
    team = Team.objects.get(name="售前一组").pk
    agent = Agent.objects.get(external_id="A0001").pk
    for params, expected in [({"team": team}, ["C-2"]), ({"agent": agent}, ["C-3"])]:
        assert page_ids(data.mia, params) == api_ids(data.mia, params) == expected


def test_it_matches_nothing_in_the_api_for_an_agent_out_of_scope(data):
    assert api_ids(data.alice, {"agent": "A0102"}) == []
    assert api_ids(data.alice, {}) == ["C-1"]
