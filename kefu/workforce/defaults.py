"""Starting values for a department with no workforce settings yet (the demo calls
`ensure_defaults`; a planner's own choices, including deletions, are never overwritten).
The staffing parameters also come with the migrations (`0003_default_staffing_parameters`
reads `PARAMETERS`), so imported data is forecast without the demo."""

from __future__ import annotations

from datetime import date, time

from kefu.workforce.models import ForecastEvent, ShiftTemplate, StaffingParameters

# channel: AHT s, target answer time s, SL target, concurrency (chats at once)
PARAMETERS = {
    "chat": (600, 30, 0.8, 3),
    "app": (600, 30, 0.8, 3),
    "phone": (240, 20, 0.8, 1),
    "email": (900, 4 * 3600, 0.9, 1),
}
# key, name, start, length min, break min, break window (min after start)
TEMPLATES = [
    ("early", "早班 Early", time(6, 0), 540, 60, 180, 300),
    ("day", "白班 Day", time(8, 0), 540, 60, 180, 300),
    ("mid", "中班 Mid", time(10, 0), 540, 60, 180, 300),
    ("late", "晚班 Late", time(13, 0), 540, 60, 180, 300),
    ("evening", "夜班 Evening", time(15, 0), 540, 60, 180, 300),
    ("night", "大夜班 Night", time(22, 0), 540, 60, 180, 300),
]
# Learnt from history (uplift empty) unless the history has no day of that name.
EVENTS = [
    ("元旦", date(2024, 1, 1), date(2024, 1, 1)),
    ("春节", date(2024, 2, 7), date(2024, 2, 17)),
    ("618", date(2024, 6, 16), date(2024, 6, 19)),
    ("国庆", date(2024, 10, 1), date(2024, 10, 7)),
    ("双11", date(2024, 11, 10), date(2024, 11, 12)),
    ("双12", date(2024, 12, 12), date(2024, 12, 12)),
    ("元旦", date(2025, 1, 1), date(2025, 1, 1)),
    ("春节", date(2025, 1, 27), date(2025, 2, 4)),
    ("618", date(2025, 6, 16), date(2025, 6, 19)),
    ("国庆", date(2025, 10, 1), date(2025, 10, 8)),
    ("双11", date(2025, 11, 10), date(2025, 11, 12)),
    ("双12", date(2025, 12, 12), date(2025, 12, 12)),
]


def ensure_defaults() -> bool:
    """Create each kind of default when none of that kind exists. Returns whether
    anything was created."""
    created = False
    if not StaffingParameters.objects.exists():
        StaffingParameters.objects.bulk_create(
            StaffingParameters(
                channel=channel, aht_s=aht, target_s=target, sl_target=sl, concurrency=k
            )
            for channel, (aht, target, sl, k) in PARAMETERS.items()
        )
        created = True
    if not ShiftTemplate.objects.exists():
        ShiftTemplate.objects.bulk_create(
            ShiftTemplate(
                key=key,
                name=name,
                start=start,
                length_minutes=length,
                break_minutes=brk,
                break_earliest_minutes=earliest,
                break_latest_minutes=latest,
            )
            for key, name, start, length, brk, earliest, latest in TEMPLATES
        )
        created = True
    if not ForecastEvent.objects.exists():
        ForecastEvent.objects.bulk_create(
            ForecastEvent(name=name, start=start, end=end) for name, start, end in EVENTS
        )
        created = True
    return created
