"""The first two middleware of the chain (kefu/settings.py MIDDLEWARE).

ProbeMiddleware answers /healthz, /readyz and /metrics before anything else: no host
check (probes come by address), no HTTPS redirect (they come from inside), no session,
no access log line. RequestObservationMiddleware gives each request its id, measures it
for Prometheus by route pattern, and writes the access log line (logger `kefu.request`).
Both follow the mode of the chain (sync in live threads, async otherwise).
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.conf import settings
from django.http import HttpResponse
from django.utils.functional import empty

from kefu.audit.actions import client_ip
from kefu.ops import logs, probes, prom

access_log = logging.getLogger("kefu.request")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
PROBES = ("/healthz", "/readyz", "/metrics")


class _BothModes:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)


def _json(body: dict, status: int) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    return response


def answer_probe(request) -> HttpResponse:
    """The answer to one of PROBES (runs in a thread when the chain is async)."""
    if request.method not in ("GET", "HEAD"):
        response = _json({"error": "method not allowed"}, 405)
        response["Allow"] = "GET, HEAD"
        return response
    path = request.path_info
    if path == "/healthz":
        return _json({"status": "ok"}, 200)
    if path == "/readyz":
        ready, results = probes.readiness()
        return _json(
            {"status": "ok" if ready else "fail", "checks": results}, 200 if ready else 503
        )
    if not prom.scrape_allowed(client_ip(request), request.headers.get("Authorization", "")):
        return _json({"error": "forbidden"}, 403)
    body, content_type = prom.exposition()
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = "no-store"
    return response


class ProbeMiddleware(_BothModes):
    def __call__(self, request):
        if request.path_info in PROBES:
            if self.is_async:
                return sync_to_async(answer_probe, thread_sensitive=True)(request)
            return answer_probe(request)
        return self.get_response(request)


def _user_id(request) -> int | None:
    """The user's id if authentication already resolved it (never a query of its own)."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty:
        return None
    return getattr(wrapped, "pk", None)


def _route(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return "/" + match.route if match.route else match.view_name or "unknown"
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unmatched"


class RequestObservationMiddleware(_BothModes):
    def __call__(self, request):
        if self.is_async:
            return self._acall(request)
        token, started = self._start(request)
        try:
            response = self.get_response(request)
        finally:
            logs.request_id.reset(token)
        return self._finish(request, response, started)

    async def _acall(self, request):
        token, started = self._start(request)
        try:
            response = await self.get_response(request)
        finally:
            logs.request_id.reset(token)
        return self._finish(request, response, started)

    @staticmethod
    def _start(request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid
        return logs.request_id.set(rid), time.perf_counter()

    @staticmethod
    def _finish(request, response, started: float):
        seconds = time.perf_counter() - started
        route = _route(request)
        prom.observe_request(route, request.method or "", response.status_code, seconds)
        response["X-Request-ID"] = request.request_id
        if access_log.isEnabledFor(logging.INFO):
            access_log.info(
                "%s %s %s %.1f ms",
                request.method,
                request.path_info,
                response.status_code,
                seconds * 1000,
                extra={
                    "request_id": request.request_id,
                    "user_id": _user_id(request),
                    "method": request.method,
                    "path": request.path_info,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(seconds * 1000, 1),
                },
            )
        return response
