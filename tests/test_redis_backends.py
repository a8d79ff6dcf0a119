"""The scale-out configuration: Redis channel layer and RQ task workers (CI starts Redis)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set (CI starts Redis)"),
]
KEFU = Path(sys.executable).with_name("kefu")


def test_the_redis_channel_layer_delivers_between_layers():
    from channels_redis.core import RedisChannelLayer

    async def round_trip() -> dict:
        sender = RedisChannelLayer(hosts=[REDIS_URL])
        receiver = RedisChannelLayer(hosts=[REDIS_URL])
        channel = await receiver.new_channel()
        await sender.send(channel, {"type": "alert", "text": "客户连续追问3次未解答"})
        message = await asyncio.wait_for(receiver.receive(channel), timeout=5)
        await sender.flush()
        return message

    # A thread of its own: Playwright's sync API may hold an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        message = pool.submit(asyncio.run, round_trip()).result(timeout=10)
    assert message["text"] == "客户连续追问3次未解答"


def test_an_rq_worker_in_another_process_runs_enqueued_tasks(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rq.sqlite3'}",
        "KEFU_TASKS_BACKEND": "django_tasks_rq.RQBackend",
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "kefu.settings",
    }

    def kefu(*args: str) -> str:
        done = subprocess.run(
            [str(KEFU), *args], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    kefu("migrate", "-v0")
    task_id = kefu(
        "shell", "-c", "from kefu.lib.tasks import ping; print(ping.enqueue(21).id)"
    ).splitlines()[-1]
    kefu("rqworker", "--burst", "default")
    result = kefu(
        "shell",
        "-c",
        f"from kefu.lib.tasks import ping; r = ping.get_result('{task_id}'); "
        "print(r.status, r.return_value)",
    )
    assert result.splitlines()[-1] == "SUCCESSFUL 42"


def test_the_channel_layer_reads_outlast_its_blocking_pop():
    # channels_redis blocks 5 s per read; with redis-py's default 5 s socket timeout an
    # idle read raced it and an event popped at that instant was lost (docs/scaling.md)
    from channels_redis.core import RedisChannelLayer

    from kefu.settings import redis_channel_layer

    config = redis_channel_layer(REDIS_URL)["CONFIG"]

    async def idle_then_event() -> tuple[float, dict]:
        receiver = RedisChannelLayer(**config)
        sender = RedisChannelLayer(**config)
        channel = await receiver.new_channel()
        timeout = receiver.connection(0).connection_pool.connection_kwargs["socket_timeout"]

        async def later() -> None:
            await asyncio.sleep(receiver.brpop_timeout + 1.5)  # past one whole idle pop
            await sender.send(channel, {"type": "alert", "text": "投诉"})

        task = asyncio.ensure_future(later())
        message = await asyncio.wait_for(receiver.receive(channel), timeout=20)
        await task
        await sender.flush()
        return timeout, message

    with ThreadPoolExecutor(1) as pool:
        timeout, message = pool.submit(asyncio.run, idle_then_event()).result(timeout=30)
    assert timeout > RedisChannelLayer.brpop_timeout * 2
    assert message["text"] == "投诉"
