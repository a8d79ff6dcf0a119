"""In-app notifications (站内通知): one row per recipient, read or not.

The title is stored as an English message id with %(name)s placeholders plus its
parameters, and translated when shown, so each reader sees it in their own language
(callers mark the message id with `gettext_noop` so `makemessages` finds it)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=64)  # e.g. "reviews.assigned"; for filters and icons
    title = models.CharField(max_length=200)  # English msgid, %(name)s placeholders
    params = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        # A parameter may name something in both languages ({"zh": …, "en": …}: a
        # scorecard item): the reader's language is taken, not a raw id.
        english = not (get_language() or "zh").lower().startswith("zh")
        params = {
            key: (value.get("en" if english else "zh") or value.get("zh") or value.get("en"))
            if isinstance(value, dict)
            else value
            for key, value in (self.params or {}).items()
        }
        try:
            return gettext(self.title) % params if params else gettext(self.title)
        except (KeyError, TypeError, ValueError):  # a translation with other placeholders
            return self.title
