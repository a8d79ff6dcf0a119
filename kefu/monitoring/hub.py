"""Fan-out of live events to the sockets of this server process.

Two hundred supervisor consoles watching the same teams would otherwise each be a
channel-layer member of the same groups: every event would be queued, dispatched and
JSON-encoded two hundred times. Instead one hub per process (per event loop) joins each
group once on the channel layer, encodes each event once and writes the same text to
every local socket of the group. With Redis, every process has its hub, so events still
reach sockets on every server.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Protocol

import orjson
from channels.layers import get_channel_layer

from kefu.lib.server_adapter import text_frame

log = logging.getLogger(__name__)


class Socket(Protocol):
    # The server's ASGI send of the socket: the hub writes {"type": "websocket.send",
    # "text": …} to it directly, not through the consumer's send() layers (200 sockets ×
    # every event).
    frame_send: Callable[[dict], Awaitable[None]]
    # Or, under Uvicorn, the same frame bytes straight to the connection
    # (kefu.lib.server_adapter.frame_writer; None with the fast path off).
    frame_write: Callable[[bytes], bool] | None


class Hub:
    def __init__(self) -> None:
        self.members: dict[str, set[Socket]] = defaultdict(set)
        self.channel: str | None = None
        self._pump: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def join(self, group: str, socket: Socket) -> None:
        layer = get_channel_layer()
        async with self._lock:
            if self.channel is None:
                self.channel = await layer.new_channel("hub.")
                self._pump = asyncio.ensure_future(self._run(layer, self.channel))
            if not self.members[group]:
                await layer.group_add(group, self.channel)
            self.members[group].add(socket)

    async def leave(self, group: str, socket: Socket) -> None:
        layer = get_channel_layer()
        async with self._lock:
            sockets = self.members.get(group)
            if sockets is None:
                return
            sockets.discard(socket)
            if not sockets:
                del self.members[group]
                if self.channel is not None:
                    await layer.group_discard(group, self.channel)

    async def _run(self, layer, channel: str) -> None:
        failures = 0
        while True:
            try:
                event = await layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The pump must outlive a failed read (Redis timing out under load, a
                # reconnect): if it died, this process's consoles would silently get
                # nothing more. The topology run found exactly that.
                failures += 1
                log.warning("live hub: reading %s failed (%d in a row); retrying", channel,
                            failures, exc_info=failures == 1)  # fmt: skip
                await asyncio.sleep(min(1.0, 0.05 * 2 ** min(failures, 5)))
                continue
            failures = 0
            sockets = list(self.members.get(event.get("group", ""), ()))
            if not sockets:
                continue
            payload = orjson.dumps(event)
            frame = text_frame(payload)
            message = None
            for socket in sockets:
                try:
                    if socket.frame_write is not None and socket.frame_write(frame):
                        continue
                    if message is None:
                        message = {"type": "websocket.send", "text": payload.decode()}
                    await socket.frame_send(message)
                except Exception:  # a socket closing as we write: its disconnect cleans up
                    log.debug("could not write to a live socket", exc_info=True)


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()


def hub() -> Hub:
    """The hub of the running event loop (Daphne has one; tests may start several)."""
    loop = asyncio.get_running_loop()
    found = _hubs.get(loop)
    if found is None:
        found = _hubs[loop] = Hub()
    return found
