"""The fast paths that rely on Uvicorn's and Django's internals (kefu/lib/server_adapter.py):
what they rely on is still there in the installed versions, and the live hub's frames reach
a real client through a real Uvicorn, on the fast path and on the fallback alike."""

from __future__ import annotations

import socket
import threading
import time

import orjson
import pytest
import uvicorn
from channels.layers import get_channel_layer
from websockets.sync.client import connect

from kefu.lib.server_adapter import fast_path_problems, frame_writer, server_send
from kefu.monitoring.hub import hub

GROUP = "live.adapter-test"


def test_it_finds_what_the_fast_paths_rely_on():
    # Fails loudly after a Uvicorn, websockets, Channels or Django upgrade that changed
    # them: fix kefu/lib/server_adapter.py, or run with KEFU_SERVER_FAST_PATH=0 meanwhile.
    assert fast_path_problems() == []


class _Socket:
    """What the hub writes to (kefu.monitoring.hub.Socket), as the consumers build it."""

    def __init__(self, send) -> None:
        self.frame_send = server_send(send)
        self.frame_write = frame_writer(self.frame_send)


def _serve(app) -> tuple[uvicorn.Server, threading.Thread, int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    # As `make serve` runs it: automatic WebSocket protocol, no compression.
    config = uvicorn.Config(app, lifespan="off", ws_per_message_deflate=False,
                            log_level="warning")  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    return server, thread, port


@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "fallback"])
def test_it_delivers_hub_events_through_uvicorn(settings, fast_path):
    settings.KEFU_SERVER_FAST_PATH = fast_path
    written_directly = []

    async def app(scope, receive, send):
        assert scope["type"] == "websocket"
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        live_socket = _Socket(send)
        written_directly.append(live_socket.frame_write is not None)
        await hub().join(GROUP, live_socket)
        for n in range(3):
            event = {"type": "live.update", "group": GROUP, "n": n, "text": "客户在等" * n}
            await get_channel_layer().group_send(GROUP, event)
        while (await receive())["type"] != "websocket.disconnect":
            pass
        await hub().leave(GROUP, live_socket)

    server, thread, port = _serve(app)
    try:
        with connect(f"ws://127.0.0.1:{port}/", open_timeout=10) as client:
            events = [orjson.loads(client.recv(timeout=10)) for _ in range(3)]
    finally:
        server.should_exit = True
        thread.join(10)
    assert [(e["n"], e["text"]) for e in events] == [(n, "客户在等" * n) for n in range(3)]
    # The fast path writes the frames itself; the fallback goes through the ASGI send.
    assert written_directly == [fast_path]
