"""Fixtures of the human-QA tests: scored conversations of May 2024 for alice (售后一组)
and bob (售前一组), a second QA specialist (rita), and a sampling plan."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User

from conftest import SHANGHAI, native_conversation
from kefu.interactions.models import Conversation
from kefu.qa.scoring import score_conversations
from kefu.qa.store import default_version

T0 = datetime(2024, 5, 2, 10, 0, tzinfo=SHANGHAI)
JUNE = date(2024, 6, 3)  # a day in June: the last complete month is May

CLEAN = [
    ("customer", "你好，想问一下退款的进度"),
    ("agent", "您好，请问您是想查询哪个订单的退款呢？我帮您查一下。"),
    ("customer", "订单号是 20240501"),
    ("agent", "好的，已经为您核实，退款今天会到账。还有其他可以帮您的吗？"),
    ("customer", "好的谢谢"),
    ("agent", "不客气，感谢您的耐心，祝您生活愉快！"),
]
TABOO = [
    ("customer", "你好，我的退款怎么还没到？太让人失望了"),
    ("agent", "您好，请问您是想查询哪个订单的退款呢？"),
    ("customer", "订单号是 20240501，都一周了，我要投诉"),
    ("agent", "这个我不知道，没办法，你自己看吧。"),
    ("customer", "好吧"),
    ("agent", "还有其他可以帮您的吗？感谢您的耐心，再见。"),
]


def chat(cid: str, agent: str, days: float, lines=CLEAN, **header) -> dict:
    created = T0 + timedelta(days=days)
    messages = []
    for n, (role, text) in enumerate(lines, start=1):
        message = {
            "id": f"m{n}",
            "role": role,
            "at": (created + timedelta(seconds=10 * n)).isoformat(),
            "text": text,
        }
        if role == "agent":
            message["agent"] = agent
        messages.append(message)
    return native_conversation(
        id=cid, agent=agent, created=created, messages=messages, survey={"csat": 5}, **header
    )


@pytest.fixture
def scored(personas, import_records):
    """12 conversations of May 2024 (alice 8, every other one with a taboo phrase and a
    complaint; bob 4), scored automatically."""
    records = []
    for n in range(8):
        bad = n % 2 == 1
        records.append(chat(f"C-A{n}", "A0007", n, TABOO if bad else CLEAN, complaint=bad))
    records += [chat(f"C-B{n}", "A0102", n) for n in range(4)]
    import_records(*records)
    score_conversations(Conversation.objects.values_list("pk", flat=True), default_version())
    return personas


@pytest.fixture
def rita(personas):
    """A second QA specialist (calibration needs two)."""
    user = User.objects.create_user("rita", password="pw-rita")
    user.groups.add(Group.objects.get(name="qa"))
    return user


@pytest.fixture
def plan(scored):
    from kefu.qa.models import Scorecard
    from kefu.reviews.models import SamplingPlan

    return SamplingPlan.objects.create(
        name="每人每月抽检",
        scorecard=Scorecard.objects.get(is_default=True),
        method="random",
        quota=2,
        quota_basis="per_agent",
        period="month",
        seed=7,
    )
