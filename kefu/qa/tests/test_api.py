"""The QA-results API: a conversation's results with items, hits and their judgements;
the list with the results page's filters, keyset pages; scope per role (an agent never
sees a colleague's results)."""

from __future__ import annotations

import pytest
from django.test import Client

from kefu.accounts.models import Agent
from kefu.qa.models import HitFeedback
from kefu.qa.tests.test_views import CLEAN, TABOO, as_user, chat

RULE = "forbidden_phrase"


@pytest.fixture
def data(personas, import_records):
    report = import_records(
        chat("C-API-A1", "A0007", 0, TABOO),
        chat("C-API-A2", "A0007", 1, CLEAN),
        chat("C-API-B1", "A0102", 2, TABOO),
    )
    assert report.rejected == 0, report.errors
    return personas


def get(user, url: str, **params):
    client = as_user(user) if user is not None else Client()
    return client.get(f"/api/v1{url}", params)


def ids(response) -> set[str]:
    return {r["conversation"] for r in response.json()["items"]}


def test_it_gives_a_conversations_results_with_hits_and_judgements(data):
    as_user(data.alice).post(f"/qa/conversations/C-API-A1/hits/{RULE}/judge/",
                             {"verdict": "wrong", "reason": "不是客服说的"})  # fmt: skip
    response = get(data.alice, "/qa/conversations/C-API-A1/results")
    assert response.status_code == 200
    body = response.json()
    (result,) = body["results"]
    assert (result["score"], result["is_current"], result["agent"]) == (90, True, "A0007")
    hit = next(h for h in result["hits"] if h["indicator"] == RULE)
    assert hit["messages"] == ["m4"] and hit["feedback"] == "pending"
    assert any(i["indicators"] == [RULE] for i in result["items"])
    assert body["confirmed_false_positives"] == []
    assert HitFeedback.objects.count() == 1


def test_it_lists_results_with_the_pages_filters(data):
    quinn = data.quinn
    assert ids(get(quinn, "/qa/results")) == {"C-API-A1", "C-API-A2", "C-API-B1"}
    assert ids(get(quinn, "/qa/results", indicator=RULE)) == {"C-API-A1", "C-API-B1"}
    assert ids(get(quinn, "/qa/results", band="ge90", outcome="passed")) == {
        "C-API-A1", "C-API-A2", "C-API-B1",
    }  # fmt: skip
    assert ids(get(quinn, "/qa/results", band="80-89")) == set()
    alice_agent = Agent.objects.get(external_id="A0007").pk
    assert ids(get(quinn, "/qa/results", agent=alice_agent)) == {"C-API-A1", "C-API-A2"}
    first = get(quinn, "/qa/results", limit=2).json()
    assert len(first["items"]) == 2 and first["next"]
    rest = get(quinn, "/qa/results", limit=2, after=first["next"]).json()
    assert {r["conversation"] for r in first["items"] + rest["items"]} == {
        "C-API-A1", "C-API-A2", "C-API-B1",
    }  # fmt: skip


def test_it_refuses_an_invalid_filter(data):
    response = get(data.quinn, "/qa/results", band="huge")
    assert response.status_code == 422
    assert get(data.quinn, "/qa/results", limit=0).status_code == 422


def test_an_agent_sees_only_their_own(data):
    assert ids(get(data.alice, "/qa/results")) == {"C-API-A1", "C-API-A2"}
    assert get(data.alice, "/qa/conversations/C-API-B1/results").status_code == 404
    assert get(data.bob, "/qa/conversations/C-API-A1/results").status_code == 404
    assert ids(get(data.sam, "/qa/results")) == {"C-API-A1", "C-API-A2"}  # his team's
    assert ids(get(data.olga, "/qa/results")) == set()


def test_it_needs_a_log_in(data):
    assert get(None, "/qa/results").status_code == 401
    assert get(None, "/qa/conversations/C-API-A1/results").status_code == 401


# --- the conversation list's QA score (kefu.interactions.scores, registered by QA) ----------


def test_the_conversation_list_shows_and_filters_the_qa_score(data):
    quinn = as_user(data.quinn)
    page = quinn.get("/conversations/").content.decode()
    assert page.count("data-qa-score>") == 3
    assert '<a href="/qa/conversations/C-API-A2/">100</a>' in page
    low = quinn.get("/conversations/", {"qa_score_max": "95"}).content.decode()
    assert "C-API-A1" in low and "C-API-B1" in low and "C-API-A2" not in low
    api = get(data.quinn, "/conversations", qa_score_min=95).json()
    assert [(c["id"], c["qa_score"]) for c in api["items"]] == [("C-API-A2", 100)]
    assert get(data.quinn, "/conversations", qa_score_min=-1).status_code == 422
    # an agent's list keeps to their own conversations
    mine = get(data.alice, "/conversations", qa_score_max=95).json()
    assert [c["id"] for c in mine["items"]] == ["C-API-A1"]


def test_it_refuses_a_malformed_cursor_and_ids(data):
    assert get(data.quinn, "/qa/results", after="20240101_" + "9" * 30).status_code == 422
    assert get(data.quinn, "/qa/results", agent=2**70).status_code == 422
    assert get(data.quinn, "/qa/results", after="20241399_1").status_code == 200  # no such day
