"""Scoped reads: a user sees their own notifications, nobody else's."""

from __future__ import annotations

from django.db.models import QuerySet

from kefu.notifications.models import Notification


def notifications_of(user) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user)


def unread_count(user) -> int:
    return notifications_of(user).filter(read_at=None).count()
