"""The configured time zone (settings.TIME_ZONE): the one in which days, periods and
native-format times are read and written."""

from __future__ import annotations

import zoneinfo

from django.conf import settings


def configured_tz() -> zoneinfo.ZoneInfo:
    """The zone of `settings.TIME_ZONE` (ZoneInfo caches instances: cheap to call)."""
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)
