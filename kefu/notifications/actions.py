"""Writing notifications. Any app calls `notify`; nothing here knows about the callers."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from kefu.notifications.models import Notification


def notify(
    recipients: Iterable[Any],
    kind: str,
    title: str,
    *,
    url: str = "",
    params: dict[str, Any] | None = None,
) -> list[Notification]:
    """One notification per distinct active recipient (users or user ids). `title` is an
    English msgid marked with gettext_noop; `params` fill its %(name)s placeholders."""
    ids: list[int] = []
    for r in recipients:
        if r is None:
            continue
        pk = r if isinstance(r, int) else r.pk
        if getattr(r, "is_active", True) and pk not in ids:
            ids.append(pk)
    rows = [
        Notification(
            recipient_id=pk, kind=kind[:64], title=title[:200], params=params or {}, url=url[:500]
        )
        for pk in ids
    ]
    return Notification.objects.bulk_create(rows)


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all unread ones when ids is None)."""
    qs: QuerySet[Notification] = Notification.objects.filter(recipient=user, read_at=None)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
