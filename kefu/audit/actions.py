"""Writing the audit trail: one function every domain calls."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from kefu.audit.models import AuditLog


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
        # django-axes resolves the client behind trusted proxies (KEFU_PROXY_COUNT).
        ip = getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR") or None
    return AuditLog.objects.create(
        user=user,
        actor=actor or (user.get_username() if user is not None else "system"),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        detail=detail or {},
        ip=ip,
    )
