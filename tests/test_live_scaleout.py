"""Live monitoring scaled out: two server processes on the Redis channel layer. An alert
raised by a message posted to one process reaches a console connected to the other."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (CI starts Redis)"),
]
ROOT = Path(__file__).resolve().parents[1]
KEFU = Path(sys.executable).with_name("kefu")

# The benchmark's server runner, log-in and WebSocket client (no extra dependency).
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_live import Server, issue_token, open_socket, server_env, session_cookie  # noqa: E402


@pytest.fixture
def two_servers(tmp_path):
    # given a small demo database (agents, the manager log-in, live rules) and two
    # servers sharing it and the Redis channel layer
    env = server_env(f"sqlite:///{tmp_path / 'live.sqlite3'}", REDIS_URL)
    for args in (["migrate", "-v0"], ["demo", "--seed", "42", "--size", "tiny"]):
        subprocess.run([str(KEFU), *args], env=env, check=True, capture_output=True, timeout=300)
    servers = [Server(env, tmp_path / f"server-{name}.log") for name in "ab"]
    try:
        for server in servers:
            server.start()
        yield env, servers
    finally:
        for server in servers:
            server.stop()


def test_an_alert_posted_to_one_process_reaches_a_console_on_the_other(two_servers):
    env, (a, b) = two_servers
    token = issue_token(env, "manager")
    cookie = session_cookie(b.url, "manager", "kefu2024")
    conversation = f"LIVE-SCALE-{int(time.time())}"
    now = datetime.now(UTC).isoformat()

    async def scenario() -> list[dict]:
        received: list[dict] = []
        arrived = asyncio.Event()

        def on_text(payload: bytes, at: float) -> None:
            event = orjson.loads(payload)
            if event.get("type") == "live.update" and event.get("alerts"):
                received.extend(event["alerts"])
                arrived.set()

        # a manager's console on process B
        socket = await open_socket(b.port, "/ws/live/console/", cookie, on_text)
        # when a customer threatens to complain in a conversation posted to process A
        body = {"id": conversation, "channel": "chat", "agent": "A0001", "status": "open",
                "customer": {"id": "U-SCALE"}, "created_at": now,
                "messages": [{"id": "m1", "role": "customer", "at": now,
                              "text": "再不退款我就去12315投诉你们"}]}  # fmt: skip
        status = await asyncio.to_thread(_post, a.url, token, body)
        assert status == 201
        await asyncio.wait_for(arrived.wait(), timeout=15)
        socket.transport.close()
        return received

    # A thread of its own: Playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        alerts = pool.submit(asyncio.run, scenario()).result(timeout=60)

    # then the alert arrives on B's console, naming the conversation, rule and message
    mine = [x for x in alerts if x["conversation"] == conversation]
    assert {(x["rule"], x["message_id"]) for x in mine} >= {("threat_to_complain", "m1")}


def _post(base_url: str, token: str, body: dict) -> int:
    from kefu.monitoring.simulate import ApiClient

    status, _ = ApiClient(base_url, token).post("/api/v1/conversations", body, retries=0)
    return status
