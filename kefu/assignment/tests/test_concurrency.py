"""Simultaneous arrivals never overfill an agent: threads route at once on a transactional
database (each its own connection and transaction). On PostgreSQL they really race: each
reads the same free seats, and the conditional UPDATE lets only as many claims through as
there are seats; on SQLite one writer runs at a time (the in-memory test database answers
"locked" at once instead of waiting: the thread tries again)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction

from conftest import import_native, native_conversation
from kefu.assignment import actions, selectors
from kefu.assignment.models import AgentLoad, Assignment, QueueEntry, RoutingDecision
from kefu.assignment.tests.conftest import agent, capacity, online
from kefu.interactions.models import Conversation

ARRIVALS = 8
SEATS = 3


def _route(conversation: Conversation, barrier: threading.Barrier, errors: list) -> None:
    try:
        barrier.wait(timeout=30)
        for _attempt in range(200):
            try:
                with transaction.atomic():
                    facts = selectors.arrival_for(
                        conversation.pk, conversation.customer_id, "chat", {}, None
                    )
                    actions.route(facts)
                return
            except OperationalError as exc:  # SQLite's shared in-memory database: locked
                if "locked" not in str(exc):
                    raise
                time.sleep(0.01)
        errors.append("gave up: still locked")
    except Exception as exc:
        errors.append(repr(exc))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_arrivals_never_overfill_an_agent(routing):
    # given one agent online with 3 seats (the others away)
    online("A0001", "away")
    online("A0102", "away")
    capacity("A0007", SEATS)
    records = [
        native_conversation(id=f"RACE-{i}", agent=None, status="open", resolved_at=None,
                            customer={"id": f"U-RACE-{i}"})
        for i in range(ARRIVALS)
    ]  # fmt: skip
    for r in records:
        r.pop("agent")
        r["messages"] = r["messages"][:1]  # the customer's only: no agent named anywhere
    import_native(*records)
    conversations = list(Conversation.objects.filter(external_id__startswith="RACE-"))
    assert len(conversations) == ARRIVALS
    assert all(c.agent_id is None for c in conversations)
    selectors.forget()
    # when 8 arrivals are routed at the same moment
    barrier = threading.Barrier(ARRIVALS)
    errors: list[str] = []
    threads = [threading.Thread(target=_route, args=(c, barrier, errors)) for c in conversations]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    # then exactly 3 are hers, her load says 3, the 5 others wait
    alice = agent("A0007")
    assert Assignment.objects.filter(agent=alice).count() == SEATS
    assert AgentLoad.objects.get(agent=alice).active == SEATS
    assert (
        Conversation.objects.filter(external_id__startswith="RACE-", agent=alice).count() == SEATS
    )
    assert QueueEntry.objects.filter(status="waiting").count() == ARRIVALS - SEATS
    assert RoutingDecision.objects.count() == ARRIVALS
