"""Fixtures of the improvement tests: classified complaints of alice's and bob's."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import SHANGHAI, native_conversation
from kefu.improvement.choices import Source
from kefu.improvement.models import Classification
from kefu.interactions.models import Conversation

MAY = datetime(2024, 5, 10, 10, 0, tzinfo=SHANGHAI)


def _classify(conversation: Conversation, problem: str, scene: str = "售后", **kw) -> None:
    Classification.objects.create(
        conversation=conversation,
        agent_id=conversation.agent_id,
        team_id=conversation.team_id,
        customer_id=conversation.customer_id,
        created_at=conversation.created_at,
        complaint=conversation.complaint,
        scene=scene,
        problem=problem,
        confidence=kw.pop("confidence", 0.9),
        source=kw.pop("source", Source.AUTO),
        **kw,
    )


@pytest.fixture
def complaints(personas, import_records):
    return classified_complaints(personas, import_records)


def classified_complaints(personas, import_records):
    """May 2024: alice (售后一组) 3 slow-refund and 1 delivery complaint; bob (售前一组) 2
    delivery complaints; April: alice 1 slow refund. One of bob's is not sure (review)."""
    plan = [
        ("A0007", "退款到账慢", 0), ("A0007", "退款到账慢", 1), ("A0007", "退款到账慢", 2),
        ("A0007", "物流延迟", 3), ("A0102", "物流延迟", 4), ("A0102", "物流延迟", 5),
        ("A0007", "退款到账慢", -30),
    ]  # fmt: skip
    records = [
        native_conversation(
            id=f"CMP-{i}", agent=agent, created=MAY + timedelta(days=day), complaint=True
        )
        for i, (agent, _problem, day) in enumerate(plan)
    ]
    assert import_records(*records).rejected == 0
    for i, (_agent, problem, _day) in enumerate(plan):
        conversation = Conversation.objects.get(external_id=f"CMP-{i}")
        unsure = i == 5
        _classify(conversation, problem, confidence=0.3 if unsure else 0.9, needs_review=unsure)
    return personas
