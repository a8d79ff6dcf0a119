"""Shared data of the methods' tests: a May 2024 cycle (open) and a closed April one,
conversations of alice (A0007, sam's team) and bob (A0102, another team)."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

from conftest import SHANGHAI, import_native, native_conversation
from kefu.accounts.models import Agent
from kefu.interactions.models import Conversation
from kefu.performance.models import BarsScale, Cycle


def make_world(personas) -> SimpleNamespace:
    w = SimpleNamespace(p=personas)
    w.cycle = Cycle.objects.create(
        name="2024年5月", kind="month", start=date(2024, 5, 1), end=date(2024, 5, 31)
    )
    w.closed = Cycle.objects.create(
        name="2024年4月", kind="month", start=date(2024, 4, 1), end=date(2024, 4, 30),
        status="closed",
    )  # fmt: skip
    agent_text = "您好，我是李娜（工号 A0007），请问您的订单号是多少？"
    report = import_native(
        *[
            native_conversation(
                id=f"C-AL-{i}",
                agent="A0007",
                created=datetime(2024, 5, 2 + i, 10, 0, tzinfo=SHANGHAI),
                messages=[
                    {
                        "id": "m1",
                        "role": "customer",
                        "at": datetime(2024, 5, 2 + i, 10, 0, tzinfo=SHANGHAI).isoformat(),
                        "text": "我的退款怎么还没到？",
                    },
                    {
                        "id": "m2",
                        "role": "agent",
                        "agent": "A0007",
                        "at": datetime(2024, 5, 2 + i, 10, 0, 20, tzinfo=SHANGHAI).isoformat(),
                        "text": agent_text,
                    },
                ],
            )
            for i in range(3)
        ],
        native_conversation(
            id="C-AL-JUNE", agent="A0007", created=datetime(2024, 6, 3, 10, 0, tzinfo=SHANGHAI)
        ),
        native_conversation(
            id="C-BOB-1", agent="A0102", created=datetime(2024, 5, 6, 10, 0, tzinfo=SHANGHAI)
        ),
    )
    assert report.rejected == 0, report.errors
    w.alice = Agent.objects.get(external_id="A0007")
    w.bob = Agent.objects.get(external_id="A0102")
    w.sam_agent = Agent.objects.get(external_id="A0001")
    w.conv = {c.external_id: c for c in Conversation.objects.all()}
    w.attitude = BarsScale.objects.get(code="attitude")
    w.solving = BarsScale.objects.get(code="problem_solving")
    return w
