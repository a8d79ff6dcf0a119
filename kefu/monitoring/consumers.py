"""WebSockets of live monitoring (Channels): the supervisor console, silent listening to
one conversation, and the agent workspace. Access is checked when the socket opens
(`kefu.accounts.access`); a refused socket is closed with 4403."""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from kefu.accounts import access
from kefu.lib.server_adapter import frame_writer, server_send
from kefu.monitoring import actions, broadcast
from kefu.monitoring.hub import hub

REFUSED = 4403
# Client frames are small commands (an ack, a reply of at most 1,000 characters); a bigger
# one is refused before it is decoded.
MAX_FRAME_CHARS = 64 * 1024


class _Joined(AsyncJsonWebsocketConsumer):
    """Joins its groups through this process's hub (kefu/monitoring/hub.py), which writes
    every event of those groups to the socket, encoded once for all its sockets."""

    joined: list[str]
    # No channel-layer channel of its own: the hub receives for every socket of the
    # process (a per-socket receive loop costs CPU, and Redis connections, for nothing).
    channel_layer_alias = "kefu.monitoring.none"

    async def join(self, groups: list[str]) -> None:
        # The server's own send, for the hub's frames: the session middleware's wrapper
        # around it (checked on every message) only matters for HTTP responses' cookies.
        self.frame_send = server_send(self.base_send)
        self.frame_write = frame_writer(self.frame_send)
        self.joined = list(groups)
        for group in self.joined:
            await hub().join(group, self)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "joined", []):
            await hub().leave(group, self)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs) -> None:  # fmt: skip
        """Every frame gets an answer and none closes the socket: a frame that is binary,
        too big, not JSON or not an object is answered with an error."""
        content, error = _decode(text_data, bytes_data)
        if error:
            await self.send_json({"type": "live.error", "ok": False, "error": error})
            return
        await self.receive_json(content)


def _decode(text_data: str | None, bytes_data: bytes | None) -> tuple[dict[str, Any], str]:
    """The frame's JSON object, or why there is none."""
    if text_data is None:
        return {}, "frames must be JSON text, not binary"
    if len(text_data) > MAX_FRAME_CHARS:
        return {}, f"frame too large (at most {MAX_FRAME_CHARS // 1024} KiB)"
    try:
        content = json.loads(text_data)
    except ValueError:
        return {}, "frames must be JSON"
    if not isinstance(content, dict):
        return {}, "frames must be JSON objects"
    return content, ""


class ConsoleConsumer(_Joined):
    """A supervisor's console: states and alerts of the teams they watch."""

    async def connect(self) -> None:
        groups = await database_sync_to_async(broadcast.console_groups)(self.scope["user"])
        if not groups:
            await self.close(code=REFUSED)
            return
        await self.join(groups)

    async def receive_json(self, content: dict, **kwargs) -> None:
        if content.get("action") == "ack":
            done = await database_sync_to_async(actions.acknowledge_alert)(
                self.scope["user"], content.get("alert")
            )
            await self.send_json({"type": "live.ack", "alert": content.get("alert"), "ok": done})
        else:
            await self.send_json({"type": "live.error", "ok": False, "error": "unknown action"})


class ListenConsumer(_Joined):
    """Silent listening (隐身旁听): a supervisor sees a conversation's new messages as they
    come; nothing is sent to the agent or the customer. Each session is recorded."""

    async def connect(self) -> None:
        external_id = self.scope["url_route"]["kwargs"]["external_id"]
        conversation_pk = await database_sync_to_async(actions.start_listening)(
            self.scope["user"], external_id
        )
        if conversation_pk is None:
            await self.close(code=REFUSED)
            return
        await self.join([broadcast.conversation_group(conversation_pk)])


class WorkspaceConsumer(_Joined):
    """An agent's workspace: messages of their live conversations and suggestions come in;
    replies and answers to suggestions go out on the same socket."""

    async def connect(self) -> None:
        agent_id = await database_sync_to_async(access.workspace_agent_id)(self.scope["user"])
        if agent_id is None:
            await self.close(code=REFUSED)
            return
        await self.join([broadcast.agent_group(agent_id)])

    async def receive_json(self, content: dict, **kwargs) -> None:
        user = self.scope["user"]
        action = content.get("action")
        if action == "reply":
            result = await database_sync_to_async(actions.agent_reply)(
                user, content.get("conversation"), content.get("text"), content.get("suggestion")
            )
        elif action in ("use", "dismiss"):
            result = await database_sync_to_async(actions.respond_to_suggestion)(
                user, content.get("suggestion"), used=action == "use"
            )
        else:
            result = {"ok": False, "error": "unknown action"}
        await self.send_json({"type": "live.result", "action": action, **result})
