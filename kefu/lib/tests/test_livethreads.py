"""Live writes are served whole in a live thread; everything else as Django would."""

from __future__ import annotations

import orjson
import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.utils import timezone

from kefu.accounts.models import ApiToken
from kefu.lib import livethreads
from kefu.lib.livethreads import is_live_write
from kefu.lib.server_adapter import asgi_handler


@pytest.mark.parametrize(
    ("method", "path", "length", "live"),
    [
        ("post", "/api/v1/conversations/C-1/messages", 300, True),
        ("post", "/api/v1/conversations", 2_000, True),
        ("post", "/api/v1/conversations", 5_000_000, False),  # history: not live
        ("get", "/api/v1/conversations/C-1", 0, False),
        ("post", "/api/v1/live/alerts/3/ack", 10, False),
        ("post", "/api/v1/conversations/C-1/messages/extra", 10, False),
    ],
)
def test_which_requests_are_live_writes(method, path, length, live):
    request = getattr(RequestFactory(), method)(path)
    request.META["CONTENT_LENGTH"] = str(length)
    assert is_live_write(request) is live


def _asgi(method: str, path: str, token: str, body: bytes = b"") -> tuple[int, dict]:
    """One request through the ASGI handler `kefu.asgi` serves (fast path or fallback)."""
    headers = [(b"authorization", f"Bearer {token}".encode()),
               (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    scope = {"type": "http", "method": method, "path": path, "query_string": b"",
             "headers": headers, "http_version": "1.1", "scheme": "http",
             "server": ("testserver", 80), "client": ("127.0.0.1", 5000)}  # fmt: skip

    handler = asgi_handler()

    async def in_this_thread(scope, receive, send) -> None:
        # handle(), not __call__: outside a ThreadSensitiveContext, sync code runs in the
        # test's thread, on the connection that holds the test's transaction.
        await handler.handle(scope, receive, send)

    async def exchange() -> tuple[int, dict]:
        app = ApplicationCommunicator(in_this_thread, scope)
        await app.send_input({"type": "http.request", "body": body})
        start = await app.receive_output(10)
        chunks = []
        while True:
            message = await app.receive_output(10)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        return start["status"], orjson.loads(b"".join(chunks))

    # As Django's test client does: the test's transaction is the connection's.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        return async_to_sync(exchange)()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize("fast_path", [True, False], ids=["fast-path", "fallback"])
def test_a_live_write_runs_whole_in_a_live_thread_and_other_requests_do_not(
    personas, monkeypatch, settings, fast_path
):
    # The fallback (KEFU_SERVER_FAST_PATH=0, kefu/lib/server_adapter.py) is Django's own
    # handler: the same answers, no live thread.
    settings.KEFU_SERVER_FAST_PATH = fast_path
    served_live = []
    real = livethreads.run_live

    async def spy(fn, *args, **kwargs):
        served_live.append(args[0].path)
        return await real(fn, *args, **kwargs)

    monkeypatch.setattr(livethreads, "run_live", spy)
    _, token = ApiToken.issue(personas.mia, "feed")
    conversation = {"id": "LT-1", "channel": "chat", "agent": "A0007", "status": "open",
                    "customer": {"id": "LTU1"}, "created_at": timezone.now().isoformat(),
                    "messages": []}  # fmt: skip
    status, _ = _asgi("POST", "/api/v1/conversations", token, orjson.dumps(conversation))
    assert status == 201
    message = {"id": "m1", "role": "customer", "text": "在吗"}
    status, body = _asgi(
        "POST", "/api/v1/conversations/LT-1/messages", token, orjson.dumps(message)
    )
    assert (status, body["message_count"]) == (201, 1)
    status, me = _asgi("GET", "/api/v1/me", token)
    assert (status, me["username"]) == (200, "mia")
    live = ["/api/v1/conversations", "/api/v1/conversations/LT-1/messages"]
    assert served_live == (live if fast_path else [])
