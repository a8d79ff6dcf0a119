"""Shared test fixtures: named personas per role and a builder for conversations."""

from __future__ import annotations

import itertools
import zoneinfo
from datetime import datetime, timedelta

import pytest

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
_counter = itertools.count(1)


def native_conversation(**overrides) -> dict:
    """A valid native conversation record; override any key."""
    n = next(_counter)
    created = overrides.pop("created", datetime(2024, 5, 2, 10, 15, 3, tzinfo=SHANGHAI))
    record = {
        "type": "conversation",
        "id": f"C-TEST-{n:06d}",
        "channel": "chat",
        "customer": {
            "id": f"U{n:05d}",
            "name": "王芳",
            "phone": "13812345678",
            "email": "wf@example.com",
            "segment": "vip",
        },
        "agent": "A0007",
        "created_at": created.isoformat(),
        "resolved_at": (created + timedelta(minutes=16)).isoformat(),
        "status": "resolved",
        "category": ["售后", "退款", "退款到账慢"],
        "complaint": False,
        "messages": [
            {
                "id": "m1",
                "role": "customer",
                "at": created.isoformat(),
                "text": "我的退款怎么还没到？",
            },
            {
                "id": "m2",
                "role": "agent",
                "agent": "A0007",
                "at": (created + timedelta(seconds=18)).isoformat(),
                "text": "您好，我是客服小李，请问您的订单号是多少？",
            },
        ],
        "survey": {"csat": 5, "nps": 9},
    }
    record.update(overrides)
    return record


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (scoping caches per agent id, and ids repeat)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def import_native(*records: dict):
    """Import native dicts (agents or conversations) through the real importer."""
    from kefu.interactions.core.native import parse_object
    from kefu.interactions.importer import Importer, configured_tz

    tz = configured_tz()
    importer = Importer(keep_ids=True)
    return importer.feed_all(parse_object(r, tz, i + 1) for i, r in enumerate(records))


@pytest.fixture
def import_records(db):
    """Import native dicts (agents or conversations) through the real importer."""
    return import_native


class Personas:
    """alice (agent, team 售后一组), bob (agent, team 售前一组), sam (supervisor of 售后一组),
    quinn (QA), tina (trainer), mia (manager), adam (admin), olga (no role)."""


@pytest.fixture
def personas(db):
    return build_personas()


def build_personas() -> Personas:
    """The personas without a fixture (for module-scoped data, e.g. the access matrix)."""
    from django.contrib.auth.models import Group, User

    from kefu.accounts.models import Agent, Team
    from kefu.accounts.roles import ensure_roles

    ensure_roles()
    import_native(
        {"type": "agent", "id": "A0001", "name": "张伟", "team": "售后一组", "tier": "lead"},
        {"type": "agent", "id": "A0007", "name": "李娜", "team": "售后一组", "tier": "senior",
         "supervisor": "A0001"},
        {"type": "agent", "id": "A0102", "name": "王强", "team": "售前一组", "tier": "regular"},
    )  # fmt: skip
    p = Personas()

    def user(username: str, role: str | None, agent_id: str | None = None):
        u = User.objects.create_user(username, password="pw-" + username)
        if role:
            u.groups.add(Group.objects.get(name=role))
        if agent_id:
            Agent.objects.filter(external_id=agent_id).update(user=u)
        return u

    p.alice = user("alice", "agent", "A0007")
    p.bob = user("bob", "agent", "A0102")
    p.sam = user("sam", "supervisor", "A0001")
    Team.objects.get(name="售后一组").supervisors.add(p.sam)
    p.quinn = user("quinn", "qa")
    p.tina = user("tina", "trainer")
    p.mia = user("mia", "manager")
    p.adam = user("adam", "admin")
    p.olga = user("olga", None)
    return p


# --- channel-layer listening (live events, masked socket payloads) -----------------------
def listen(*groups: str) -> str:
    """A new channel of the channel layer, added to `groups`; returns its name."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    async def subscribe() -> str:
        channel = await layer.new_channel()
        for group in groups:
            await layer.group_add(group, channel)
        return channel

    return async_to_sync(subscribe)()


def drain(channel: str) -> list[dict]:
    """Every event waiting on `channel` (stops after 50 ms of silence)."""
    import asyncio

    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()

    async def receive_all() -> list[dict]:
        events = []
        while True:
            try:
                events.append(await asyncio.wait_for(layer.receive(channel), 0.05))
            except TimeoutError:
                return events

    return async_to_sync(receive_all)()


def client_for(user=None):
    """A test client, logged in as `user` (anonymous without one)."""
    from django.test import Client

    client = Client()
    if user is not None:
        client.force_login(user)
    return client
