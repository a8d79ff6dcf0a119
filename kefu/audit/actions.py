"""Writing the audit trail: one function every domain calls."""

from __future__ import annotations

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from kefu.audit.models import AuditLog


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or behind KEFU_PROXY_COUNT reverse proxies the
    entry of X-Forwarded-For that the outermost of them added (earlier entries are the
    client's own say and may be forged). Used by the audit log and the log-in lock-out."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.KEFU_PROXY_COUNT
    if not hops:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if len(forwarded) < hops:
        return remote
    candidate = forwarded[-hops]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


def record(
    action: str,
    *,
    user=None,
    request: HttpRequest | None = None,
    actor: str | None = None,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditLog:
    if request is not None and user is None:
        user = request.user if request.user.is_authenticated else None
    ip = None
    if request is not None:
        ip = client_ip(request)
    return AuditLog.objects.create(
        user=user,
        actor=actor or (user.get_username() if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        ip=ip,
    )
