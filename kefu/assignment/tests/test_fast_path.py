"""The arrival's fast path: a fixed, small number of statements whatever the number of
agents online, the configuration cached per process and read again when its version
(the settings row's `updated_at`) changes — also when another process changed it — and
the live state following the agent routing gives a conversation (monitoring's helper)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import import_native, native_conversation
from kefu.accounts.models import Agent, Team
from kefu.assignment import actions, receivers, selectors
from kefu.assignment.models import (
    AgentLoad,
    QueueEntry,
    RoutingDecision,
    RoutingRule,
    RoutingSettings,
)
from kefu.assignment.tests.conftest import agent, online
from kefu.interactions.core.native import ConversationRecord, CustomerRecord
from kefu.interactions.models import Conversation
from kefu.monitoring import live
from kefu.monitoring.models import LiveState
from kefu.workforce.models import AgentPresence

pytestmark = pytest.mark.django_db


def arrivals(*ids: str) -> dict[int, ConversationRecord]:
    """Open conversations without an agent, imported as history (not routed), and the
    records the live path would hand the hook."""
    records = []
    for cid in ids:
        r = native_conversation(
            id=cid, status="open", resolved_at=None, customer={"id": f"U-{cid}"}
        )
        r.pop("agent")
        r["messages"] = r["messages"][:1]
        records.append(r)
    import_native(*records)
    now = timezone.now()
    return {
        pk: ConversationRecord(
            id=cid, channel="chat", customer=CustomerRecord(id=f"U-{cid}"), created_at=now,
            messages=[],
        )
        for pk, cid in Conversation.objects.filter(external_id__in=ids).values_list(
            "pk", "external_id"
        )
    }  # fmt: skip


def arrive(records: dict[int, ConversationRecord], pk: int) -> None:
    receivers.on_conversations_written(
        None, conversation_ids=[pk], records={pk: records[pk]}, live=True
    )


def statements_of_one_arrival(records: dict, pks: list[int]) -> list[str]:
    # every online agent has had a conversation (their load row exists)
    AgentLoad.objects.bulk_create(
        [AgentLoad(agent_id=a) for a in AgentPresence.objects.values_list("agent_id", flat=True)],
        ignore_conflicts=True,
    )
    arrive(records, pks[0])  # warm: the configuration and the profiles are read once
    with CaptureQueriesContext(connection) as queries:
        arrive(records, pks[1])
    assert RoutingDecision.objects.filter(conversation_id=pks[1], agent__isnull=False).exists()
    return [q["sql"] for q in queries.captured_queries]


def test_an_arrival_costs_the_same_few_statements_with_3_or_60_agents_online(routing):
    # given 3 agents online
    records = arrivals("FP-1", "FP-2", "FP-3", "FP-4")
    pks = sorted(records)
    few = statements_of_one_arrival(records, pks[:2])
    # when 57 more come online
    team = Team.objects.create(name="快速组")
    more = Agent.objects.bulk_create(
        [Agent(external_id=f"FP{i:03d}", name=f"坐席{i}", team=team) for i in range(57)]
    )
    AgentPresence.objects.bulk_create([AgentPresence(agent=a, state="online") for a in more])
    many = statements_of_one_arrival(records, pks[2:])
    # then an arrival runs as many statements: the write's state (the configuration's
    # version, whether an overflow is due, the written conversation), the arrival's
    # facts, the candidates, the claim (returning the team), the assignment, the
    # conversation, the live state, the decision
    assert len(few) == len(many) == 8, "\n".join(many)
    assert sum("workforce_agentpresence" in sql for sql in many) == 1


def test_the_configuration_is_read_again_when_another_process_changes_it(routing):
    first = selectors.config()
    assert selectors.config() is first  # kept: only its version was read
    # another process adds a rule (this process's cache is not told) …
    RoutingRule.objects.create(position=5, name="英文", languages=["en"], tiers=["lead"])
    assert selectors.config() is first
    # … and touches the version, as the actions do
    RoutingSettings.objects.filter(pk=1).update(updated_at=timezone.now())
    assert [r.name for r in selectors.config().rules] == ["高敏感", "英文"]


def test_rule_and_profile_actions_change_the_version(routing):
    before = selectors.version()
    actions.save_rule(
        {"name": "手机", "product_lines": ["手机"], "tiers": ["lead"]}, user=routing.mia
    )
    after_rule = selectors.version()
    assert after_rule != before
    actions.save_profile(agent("A0102").pk, {"languages": ["en"]}, user=routing.mia)
    assert selectors.version() != after_rule
    # and the candidates carry the new skill without forget()
    cfg = selectors.config()
    bob = next(c for c in selectors.candidates(cfg) if c.agent_id == agent("A0102").pk)
    assert bob.languages == frozenset({"en"})


def test_a_candidate_is_built_again_when_its_load_or_profile_changes(routing):
    cfg = selectors.config()
    alice = agent("A0007").pk
    before = next(c for c in selectors.candidates(cfg) if c.agent_id == alice)
    assert next(c for c in selectors.candidates(cfg) if c.agent_id == alice) is before
    assert actions.claim(alice, 2, timezone.now())
    loaded = next(c for c in selectors.candidates(cfg) if c.agent_id == alice)
    assert (before.active, loaded.active) == (0, 1)
    actions.save_profile(alice, {"capacity": 5}, user=routing.mia)
    cfg = selectors.config()
    assert next(c for c in selectors.candidates(cfg) if c.agent_id == alice).capacity == 5


def test_a_drained_conversation_moves_its_live_state_to_the_agent(routing):
    # given a waiting conversation the console already shows (its live state, no agent)
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id, "away")
    records = arrivals("FP-LIVE")
    (pk,) = records
    arrive(records, pk)
    LiveState.objects.create(conversation_id=pk)
    # when bob comes online and the queue drains
    online("A0102")
    assert actions.drain() == 1
    # then the console's row names bob and his team
    state = LiveState.objects.get(pk=pk)
    assert (state.agent.external_id, state.team.name) == ("A0102", "售前一组")


def test_owner_changed_updates_a_live_state_and_ignores_a_conversation_without_one(routing):
    records = arrivals("FP-OWN-1", "FP-OWN-2")
    with_state, without = sorted(records)
    LiveState.objects.create(conversation_id=with_state)
    bob = agent("A0102")
    live.owner_changed(with_state, bob.pk, bob.team_id)
    live.owner_changed(without, bob.pk, bob.team_id)
    assert LiveState.objects.get(pk=with_state).agent_id == bob.pk
    assert not LiveState.objects.filter(pk=without).exists()


def test_a_write_overflows_the_queued_conversations_that_are_due(routing):
    # given FP-WAIT queued while everyone was away, its next pool open since a minute
    for external_id in ("A0007", "A0001", "A0102"):
        online(external_id, "away")
    records = arrivals("FP-WAIT", "FP-NEXT")
    waiting, following = sorted(records)
    arrive(records, waiting)
    QueueEntry.objects.filter(pk=waiting).update(
        next_overflow_at=timezone.now() - timedelta(minutes=1)
    )
    online("A0102")  # (its own drain runs after a commit: not in this test)
    # when the next conversation arrives
    arrive(records, following)
    # then both are bob's: the arrival, and the waiting one its write found due
    owners = dict(Conversation.objects.filter(pk__in=records).values_list("pk", "agent_id"))
    assert owners == {waiting: agent("A0102").pk, following: agent("A0102").pk}
    assert QueueEntry.objects.get(pk=waiting).status == "assigned"
