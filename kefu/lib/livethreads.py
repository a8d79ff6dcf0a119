"""Live writes (a message POSTed to a conversation, a conversation opened over the API)
served whole in a live thread.

Under ASGI Django runs each request's middleware hooks and sync view in a new thread per
request, hopping back to the event loop between the hooks, with a new database
connection that is closed when the request ends: SQLite's connection set-up (pragmas, a
cold page cache) and close made a live message cost the server 36 ms of CPU instead of
20 ms, 50 times a second. `KefuASGIHandler` (`kefu/lib/server_adapter.py`, which holds
what relies on Django's handler internals) runs a live write's whole
request (the middleware chain in sync mode, then the view) in one call in a live thread:
a few long-lived threads per server process, each keeping its connection open. Every
other request is served as Django would.

`KEFU_LIVE_THREADS` sets how many (default: 1 on SQLite, which has one writer anyway; 4
on PostgreSQL). 0 serves live writes like any other request.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest

T = TypeVar("T")
# POST a message to a conversation; POST conversations (live only when small: a big
# batch of history would keep live messages waiting behind it).
LIVE_PATH = re.compile(r"^/api/v1/conversations(?:/[^/]+/messages)?/?$")
LIVE_BODY_BYTES = 64 * 1024

_executor: ThreadPoolExecutor | None = None


def live_threads() -> int:
    configured = getattr(settings, "KEFU_LIVE_THREADS", None)
    if configured is not None:
        return configured
    return 1 if connection.vendor == "sqlite" else 4


def _executor_or_none() -> ThreadPoolExecutor | None:
    global _executor
    threads = live_threads()
    if threads <= 0:
        return None
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kefu-live")
    return _executor


def _keeping_connection(fn: Callable[..., T]) -> Callable[..., T]:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except DatabaseError:
            # The connection may be broken (a database restart): the next message opens
            # a new one rather than failing on this one forever.
            connection.close()
            raise

    return run


async def run_live(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run `fn` (sync, may use the database) in a live thread and await its result.
    Code in it may push to the channel layer (async_to_sync reaches the server's loop)."""
    executor = _executor_or_none()
    if executor is None:
        return await sync_to_async(fn)(*args, **kwargs)
    call = sync_to_async(_keeping_connection(fn), thread_sensitive=False, executor=executor)
    return await call(*args, **kwargs)


def is_live_write(request: HttpRequest) -> bool:
    if request.method != "POST" or not LIVE_PATH.match(request.path_info):
        return False
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) <= LIVE_BODY_BYTES
    except ValueError:
        return False
