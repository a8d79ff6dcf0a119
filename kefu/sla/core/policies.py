"""Which service-level policy judges a conversation, and whether a time met its target.

Pure Python. A `Policy` names a channel and, optionally, a customer segment, a customer
tag, a scene (category1) and a priority; blank criteria match anything (a tag criterion
matches a customer carrying a tag of that name). The most specific matching policy judges
a conversation (the one naming the most criteria; on a tie the lowest id).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kefu.sla.core.business_time import Calendar, business_seconds, deadline

CALENDAR = "calendar"
BUSINESS = "business"
MEASURES = (CALENDAR, BUSINESS)
# Used when no policy matches (the built-in QA and KPI threshold before SLA policies).
FALLBACK_FIRST_RESPONSE_S = 30.0
FALLBACK_NEXT_RESPONSE_S = 60.0


@dataclass(frozen=True)
class Policy:
    id: int
    version: int
    name: str
    channel: str
    segment: str = ""
    category: str = ""
    priority: str = ""
    tag: str = ""
    first_response_s: float | None = None
    next_response_s: float | None = None
    resolution_s: float | None = None
    measure: str = CALENDAR  # how targets are judged: calendar or business time
    calendar: Calendar | None = None  # None: always open

    @property
    def specificity(self) -> int:
        return sum(bool(v) for v in (self.segment, self.category, self.priority, self.tag))

    def matches(
        self,
        channel: str,
        segment: str,
        category: str,
        priority: str,
        tags: Collection[str] = (),
    ) -> bool:
        return (
            self.channel == channel
            and self.segment in ("", segment)
            and self.category in ("", category)
            and self.priority in ("", priority)
            and (not self.tag or self.tag in tags)
        )

    def elapsed(self, start: datetime, end: datetime) -> float:
        """The span as this policy judges it: calendar seconds or business seconds."""
        if self.measure == BUSINESS and self.calendar is not None:
            return business_seconds(self.calendar, start, end)
        return (end - start).total_seconds()

    def due(self, start: datetime, seconds: float) -> datetime | None:
        """When a target of `seconds` started at `start` falls due: calendar time, or the
        calendar's business hours (None if it never opens that long within a year)."""
        if self.measure == BUSINESS and self.calendar is not None:
            return deadline(self.calendar, start, seconds)
        return start + timedelta(seconds=seconds)


def choose(
    policies: Iterable[Policy],
    channel: str,
    segment: str = "",
    category: str = "",
    priority: str = "",
    tags: Collection[str] = (),
) -> Policy | None:
    """The most specific policy matching the conversation (its customer carrying `tags`),
    or None."""
    matching = [p for p in policies if p.matches(channel, segment, category, priority, tags)]
    if not matching:
        return None
    return min(matching, key=lambda p: (-p.specificity, p.id))


def over(value_s: float | None, target_s: float | None) -> bool | None:
    """True when a time missed its target (strictly over), None when either is unknown."""
    if value_s is None or target_s is None:
        return None
    return value_s > target_s
