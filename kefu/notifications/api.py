"""Notifications over the API: the caller's own, and marking them read."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from kefu.lib.schemas import ErrorOut, RowId
from kefu.notifications.actions import mark_read
from kefu.notifications.selectors import notifications_of, unread_count

router = Router(tags=["notifications"])
LIMIT = 100


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    url: str
    created_at: datetime
    read_at: datetime | None


class NotificationList(Schema):
    unread: int
    items: list[NotificationOut]


class ReadIn(Schema):
    ids: list[RowId] | None = Field(None, max_length=1000, description="none: all unread")


@router.get("/notifications", response={200: NotificationList, 401: ErrorOut})
def list_notifications(request: HttpRequest, unread: bool = False):
    qs = notifications_of(request.user)
    if unread:
        qs = qs.filter(read_at=None)
    items = [
        NotificationOut(
            id=n.pk,
            kind=n.kind,
            text=n.text,
            url=n.url,
            created_at=n.created_at,
            read_at=n.read_at,
        )
        for n in qs[:LIMIT]
    ]
    return {"unread": unread_count(request.user), "items": items}


@router.post("/notifications/read", response={200: dict, 401: ErrorOut})
def read(request: HttpRequest, payload: ReadIn):
    return {"marked": mark_read(request.user, payload.ids)}
