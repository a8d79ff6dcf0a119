"""The one place where Kefu relies on server internals, for speed.

Two fast paths, each with a fallback that uses only public APIs:

- **WebSocket frames (Uvicorn).** The live hub (`kefu/monitoring/hub.py`) encodes an event
  once and writes the same frame bytes straight to the transport of every Uvicorn
  connection watching it, instead of one ASGI `websocket.send` per socket (200 consoles ×
  50 events a second). It reads private attributes of Uvicorn's websockets-sansio protocol
  (`conn`, `transport`, `writable`, `close_sent`, `disconnected`) and of Channels' session
  wrapper (`real_send`). Fallback: the ASGI send (the plain Channels path).
- **Live writes (Django).** `KefuASGIHandler` subclasses Django's `ASGIHandler` to serve
  a live write's whole request in a long-lived thread (`kefu/lib/livethreads.py`). It
  overrides `load_middleware(is_async)` and `get_response_async(request)` and calls
  `BaseHandler.get_response(request)`. Fallback: Django's own `ASGIHandler`.

`KEFU_SERVER_FAST_PATH=0` switches both to their fallback (for a Uvicorn or Django upgrade
that broke them, until this module is fixed). `tests/test_server_adapter.py` checks what
the fast paths rely on against the installed versions, and runs both paths.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponse

from kefu.lib import livethreads

# Uvicorn's websockets protocol: what `frame_writer` reads.
UVICORN_PROTOCOL = "uvicorn.protocols.websockets.websockets_sansio_impl.WebSocketsSansIOProtocol"
UVICORN_ATTRIBUTES = ("conn", "transport", "writable", "close_sent", "disconnected")


def fast_path() -> bool:
    return getattr(settings, "KEFU_SERVER_FAST_PATH", True)


# --- WebSocket frames --------------------------------------------------------------------


def text_frame(payload: bytes) -> bytes:
    """A final, unmasked WebSocket text frame (RFC 6455 §5.2), as a server sends it."""
    size = len(payload)
    if size < 126:
        return bytes((0x81, size)) + payload
    if size < 65536:
        return bytes((0x81, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x81, 127)) + size.to_bytes(8, "big") + payload


def server_send(base_send: Callable) -> Callable[[dict], Awaitable[None]]:
    """The server's own ASGI send behind a consumer's `base_send`: Channels' session
    middleware wraps it (to set cookies on HTTP responses), which only costs time on a
    socket's every message."""
    wrapper = getattr(base_send, "__self__", None)
    return getattr(wrapper, "real_send", base_send)


def frame_writer(send: Callable) -> Callable[[bytes], bool] | None:
    """For a socket served by Uvicorn's websockets protocol without extensions (no
    compression negotiated): a function writing an encoded frame to its transport, True
    when written. A server frame is not masked, so one encoding serves every socket; the
    server would otherwise build the same frame again for each (~15 µs, 200 sockets × 50
    messages a second). False (not open, or the client reads slowly and the server
    paused writing): the caller sends through `send`, which waits or raises as the
    server does. None for any other server, or with the fast path off."""
    if not fast_path():
        return None
    protocol = getattr(send, "__self__", None)
    conn = getattr(protocol, "conn", None)
    transport = getattr(protocol, "transport", None)
    writable = getattr(protocol, "writable", None)
    if conn is None or transport is None or writable is None or getattr(conn, "extensions", 1):
        return None
    from websockets.protocol import State

    def write(frame: bytes) -> bool:
        if (
            conn.state is not State.OPEN
            or protocol.close_sent
            or protocol.disconnected
            or not writable.is_set()
            or transport.is_closing()
        ):
            return False
        transport.write(frame)
        return True

    return write


# --- live writes -------------------------------------------------------------------------


class KefuASGIHandler(ASGIHandler):
    """Django's ASGI handler, with live writes served whole in a live thread."""

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        self._live_handler = BaseHandler()
        self._live_handler.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponse:
        if livethreads.is_live_write(request):
            return await livethreads.run_live(self._live_handler.get_response, request)
        return await super().get_response_async(request)


def asgi_handler() -> ASGIHandler:
    """The HTTP application: Kefu's handler, or Django's own with the fast path off."""
    return KefuASGIHandler() if fast_path() else ASGIHandler()


# --- what the fast paths rely on ---------------------------------------------------------


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def fast_path_problems() -> list[str]:
    """What the installed Uvicorn, websockets, Channels and Django no longer provide of
    what the fast paths use (empty: all there)."""
    import importlib

    problems = []
    module_name, _, class_name = UVICORN_PROTOCOL.rpartition(".")
    try:
        protocol = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return [f"{UVICORN_PROTOCOL} is gone"]
    source = inspect.getsource(protocol)
    problems += [
        f"{class_name} no longer sets self.{name}"
        for name in UVICORN_ATTRIBUTES
        if f"self.{name} =" not in source
    ]
    if "self.send" not in inspect.getsource(protocol.run_asgi):
        problems.append(f"{class_name}.run_asgi no longer passes its bound send to the app")
    from websockets.protocol import State

    if not hasattr(State, "OPEN"):
        problems.append("websockets.protocol.State.OPEN is gone")
    from channels.sessions import InstanceSessionWrapper

    if "self.real_send = send" not in inspect.getsource(InstanceSessionWrapper):
        problems.append("channels' InstanceSessionWrapper no longer keeps real_send")
    expected = {
        (ASGIHandler, "load_middleware"): ["self", "is_async"],
        (ASGIHandler, "get_response_async"): ["self", "request"],
        (BaseHandler, "get_response"): ["self", "request"],
    }
    for (cls, name), parameters in expected.items():
        function = getattr(cls, name, None)
        if function is None or _parameters(function) != parameters:
            problems.append(f"django {cls.__name__}.{name} is not ({', '.join(parameters)})")
    return problems
