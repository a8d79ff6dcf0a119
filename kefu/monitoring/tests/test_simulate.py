"""`kefu simulate`: the timing compression (pure) and a short run against a live server."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from django.core.management import call_command

from kefu.monitoring import simulate as sim

# Three conversations of 4, 2 and 6 messages (offsets in real seconds from their start).
OFFSETS = [[0.0, 10.0, 40.0, 100.0], [0.0, 30.0], [0.0, 5.0, 6.0, 60.0, 61.0, 200.0]]


def _times(p: sim.Plan) -> list[float]:
    return [p.create_at, *p.due]


def test_it_keeps_the_long_run_rate():
    # given conversations replayed for 10 minutes at 50 messages a second
    plans = sim.plan(OFFSETS, rate=50, duration=600, speed=10)

    # then the messages due during the run come at that rate (within 1 %)
    assert sim.message_rate(plans, 600) == pytest.approx(50, rel=0.01)


def test_it_holds_the_rate_from_the_start_with_a_warm_start():
    plans = sim.plan(OFFSETS, rate=20, duration=60, speed=10)
    new = [
        (p.first_batch - p.past if p.create_at < 10 else 0) + sum(1 for t in p.due if t < 10)
        for p in plans
    ]
    assert sum(new) == pytest.approx(200, rel=0.15)  # 10 s at 20/s


def test_it_compresses_the_gaps_by_the_speed():
    plans = sim.plan(OFFSETS, rate=1, duration=600, speed=5, warm=False)
    first = plans[0]
    assert first.index == 0 and first.first_batch == 1
    assert _times(first) == pytest.approx([0.0, 2.0, 8.0, 20.0])
    # the next conversation starts when the first one's 4 messages are used up at 1/s
    assert plans[1].start == pytest.approx(4.0)


def test_it_schedules_nothing_after_the_end_and_leaves_unfinished_conversations_open():
    plans = sim.plan(OFFSETS, rate=5, duration=30, speed=2, close_gaps=[10.0, 0.0, 500.0])
    assert all(t <= 30 for p in plans for t in _times(p))
    assert all(p.close_at is None or p.close_at <= 30 for p in plans)
    assert any(p.close_at is None for p in plans)
    for p in plans:
        if p.close_at is not None:  # closed: every message was sent first
            assert p.first_batch + len(p.due) == len(OFFSETS[p.index])
            assert p.close_at >= _times(p)[-1]


def test_it_closes_at_most_a_minute_after_the_last_message():
    plans = sim.plan(OFFSETS, rate=0.1, duration=1000, speed=1, close_gaps=[500.0, 5.0, 0.0],
                     warm=False)  # fmt: skip
    assert plans[0].close_at == pytest.approx(100.0 + sim.MAX_CLOSE_GAP_S)
    assert plans[1].close_at == pytest.approx(plans[1].start + 35.0)


def test_it_refuses_a_rate_of_zero():
    with pytest.raises(ValueError):
        sim.plan(OFFSETS, rate=0, duration=10, speed=1)


def test_its_message_times_keep_real_gaps_and_are_never_in_the_future():
    # given a demo-like record with gaps of 20 s and 100 s, replayed 10× faster
    start = datetime(2024, 5, 2, 10, 0, tzinfo=UTC)
    record = {
        "type": "conversation", "id": "C1", "channel": "chat", "customer": {"id": "U1"},
        "created_at": start.isoformat(), "status": "closed",
        "closed_at": (start + timedelta(seconds=400)).isoformat(),
        "messages": [
            {"id": f"m{i + 1}", "role": "customer", "text": "在吗",
             "at": (start + timedelta(seconds=s)).isoformat()}
            for i, s in enumerate((0, 20, 120))
        ],
    }  # fmt: skip
    (source,) = sim.sources([record])
    (p,) = sim.plan([source.offsets], rate=0.01, duration=100, speed=10, warm=False)[:1]
    run_start = datetime(2026, 1, 1, tzinfo=UTC)

    # when it is prepared for the run
    replay = sim.Replay.make(source, p, "LIVE-x-00001", run_start, speed=10)

    # then the gaps are the real ones and each stamp is at or before its send time
    stamps = [datetime.fromisoformat(m["at"]) for m in replay.messages]
    assert [(b - a).total_seconds() for a, b in pairwise(stamps)] == [20, 100]
    sends = [run_start + timedelta(seconds=t) for t in _times(p)]
    assert all(stamp <= send for stamp, send in zip(stamps, sends, strict=True))
    assert stamps[-1] == sends[-1]
    # the creation is open, under fresh ids, with the first message only
    creation = replay.creation()
    assert creation["status"] == "open" and creation["id"] == "LIVE-x-00001"
    assert creation["customer"]["id"] == "LIVE-U1"
    assert [m["id"] for m in creation["messages"]] == ["m1"]
    # the closing record brings closed_at back to now
    replay.sent = 3
    now = stamps[-1] + timedelta(seconds=1)
    closing = replay.closing(now)
    assert closing["status"] == "closed" and len(closing["messages"]) == 3
    assert datetime.fromisoformat(closing["closed_at"]) == now


def test_it_skips_email_and_conversations_longer_than_an_hour():
    base = {
        "type": "conversation",
        "customer": {"id": "U1"},
        "created_at": "2024-05-02T10:00:00+08:00",
    }
    email = base | {"id": "E", "channel": "email",
                    "messages": [{"id": "m1", "at": "2024-05-02T10:00:00+08:00"}]}  # fmt: skip
    long = base | {"id": "L", "channel": "chat", "messages": [
        {"id": "m1", "at": "2024-05-02T10:00:00+08:00"},
        {"id": "m2", "at": "2024-05-02T12:00:00+08:00"}]}  # fmt: skip
    empty = base | {"id": "Z", "channel": "chat", "messages": []}
    assert sim.sources([email, long, empty]) == []


@pytest.mark.django_db(transaction=True)
def test_it_replays_demo_traffic_through_a_live_server(live_server, import_records):
    # given the demo agents, the QA definitions and the live rules
    from kefu.demo.core.generator import generate
    from kefu.interactions.models import Conversation, Message
    from kefu.monitoring.live import ensure_rules
    from kefu.monitoring.models import Alert, LiveState
    from kefu.qa.store import ensure_definitions

    agents = []
    for record in generate(7, conversations=1):
        if record["type"] == "agent":
            agents.append(record)
    import_records(*agents)
    ensure_definitions()
    ensure_rules()

    # when two seconds of traffic are replayed (one worker: the test server shares its
    # in-memory SQLite connection between threads)
    out = io.StringIO()
    call_command(
        "simulate", url=live_server.url, rate=40, duration=2, speed=60, seed=7, workers=1,
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip

    # then conversations and their messages were stored through the API, evaluated live,
    # and the alerts read back
    output = out.getvalue()
    live = Conversation.objects.filter(external_id__startswith="LIVE-")
    assert live.count() > 5
    assert Message.objects.filter(conversation__in=live).count() >= 40
    assert LiveState.objects.filter(conversation__in=live).exists()
    alerts = Alert.objects.filter(conversation__in=live).count()
    assert alerts > 0
    assert f"alerts raised: {alerts}" in output
    assert " 0 errors" in output
    # the simulator's token was revoked at the end
    from kefu.accounts.models import ApiToken

    assert not ApiToken.objects.filter(user__username="kefu-simulator", revoked=False).exists()
