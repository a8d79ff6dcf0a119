"""Periods: inclusive local dates as half-open instants."""

import zoneinfo
from datetime import date, datetime

from kefu.core.periods import lookups


def test_a_period_is_the_inclusive_local_days():
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    bounds = lookups("created_at", date(2024, 5, 1), date(2024, 5, 31), tz)
    assert bounds == {
        "created_at__gte": datetime(2024, 5, 1, tzinfo=tz),
        "created_at__lt": datetime(2024, 6, 1, tzinfo=tz),
    }
    assert lookups("at", None, None, tz) == {}
