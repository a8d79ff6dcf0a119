"""Fixtures of the customers tests: a high-risk customer of alice's (three complaints and
low ratings in May 2024, one angry), a calm customer of bob's, and tags."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from conftest import SHANGHAI, native_conversation
from kefu.customers.choices import TagKind
from kefu.customers.models import Tag, TagGroup

T0 = datetime(2024, 5, 20, 10, 0, tzinfo=SHANGHAI)
RISKY = {"id": "U-RISK", "name": "赵敏", "phone": "13900001111", "segment": "vip"}
CALM = {"id": "U-CALM", "name": "钱进", "phone": "13900002222", "segment": "regular"}
ANGRY = [
    {"id": "m1", "role": "customer", "text": "太差了！！！气死了，我要投诉"},
    {"id": "m2", "role": "agent", "agent": "A0007", "text": "您好，非常抱歉，我马上帮您处理。"},
]


def conversation(cid: str, agent: str, customer: dict, days: float, **kw) -> dict:
    created = T0 - timedelta(days=days)
    record = native_conversation(id=cid, agent=agent, customer=dict(customer), created=created)
    if kw.pop("angry", False):
        record["messages"] = [
            dict(m, at=(created + timedelta(seconds=20 * i)).isoformat())
            for i, m in enumerate(ANGRY)
        ]
    record.update(kw)
    return record


def risky_records() -> list[dict]:
    return [
        conversation("R-1", "A0007", RISKY, 1, complaint=True, survey={"csat": 1, "nps": 2},
                     angry=True),
        conversation("R-2", "A0007", RISKY, 20, complaint=True, survey={"csat": 2}),
        conversation("R-3", "A0007", RISKY, 40, complaint=True, category=["售后", "物流", "延误"]),
        conversation("B-1", "A0102", CALM, 3, survey={"csat": 5, "nps": 10},
                     order={"converted": True, "amount": 2500.0, "currency": "CNY"}),
    ]  # fmt: skip


@pytest.fixture
def risky(personas, import_records):
    """alice's high-risk customer U-RISK and bob's calm U-CALM, scored by the import hook."""
    report = import_records(*risky_records())
    assert report.rejected == 0, report.errors
    return personas


@pytest.fixture
def tags(db):
    group = TagGroup.objects.create(name="偏好", position=0)
    value = TagGroup.objects.create(name="价值", position=1)
    return {
        "manual": Tag.objects.create(group=group, name="偏好电话", kind=TagKind.MANUAL),
        "rule": Tag.objects.create(
            group=value,
            name="高价值",
            kind=TagKind.RULE,
            rule=[{"kind": "spend_at_least", "amount": 2000, "days": 365}],
        ),
    }
