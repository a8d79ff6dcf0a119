"""Reads of the service-level settings as the pure cores' objects."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max

from kefu.sla.core import holidays as holiday_core
from kefu.sla.core.business_time import WEEKDAYS, Calendar, parse_hours
from kefu.sla.core.policies import Policy, choose
from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy


def holiday_days() -> tuple[frozenset, frozenset]:
    rows = [
        holiday_core.Holiday(h.name, h.first, h.last, tuple(_dates(h.workdays)))
        for h in Holiday.objects.all()
    ]
    return holiday_core.days(rows)


def _dates(values: list) -> list:
    from datetime import date

    return [date.fromisoformat(str(v)) for v in values]


def calendar(model: BusinessCalendar, days: tuple[frozenset, frozenset] | None = None) -> Calendar:
    closed, working = (days or holiday_days()) if model.observes_holidays else ((), ())
    return Calendar(
        zone=model.zone,
        weekly={d: parse_hours(model.weekly[d] if d < len(model.weekly) else "") for d in WEEKDAYS},
        holidays=frozenset(closed),
        workdays=frozenset(working),
        makeup_hours=parse_hours(model.makeup_hours),
    )


def _core_policies(rows) -> list[Policy]:
    """SlaPolicy rows (with their calendars selected) as core objects; holidays are read
    once, and only when a calendar needs them."""
    days = None
    calendars: dict[int, Calendar] = {}
    out = []
    for p in rows:
        cal = None
        if p.calendar is not None:
            if p.calendar_id not in calendars:
                if days is None:
                    days = holiday_days()
                calendars[p.calendar_id] = calendar(p.calendar, days)
            cal = calendars[p.calendar_id]
        out.append(
            Policy(
                id=p.pk,
                version=p.version,
                name=p.name,
                channel=p.channel,
                segment=p.segment,
                category=p.category,
                priority=p.priority,
                tag=p.tag,
                first_response_s=p.first_response_s,
                next_response_s=p.next_response_s,
                resolution_s=p.resolution_s,
                measure=p.measure,
                calendar=cal,
            )
        )
    return out


def active_policies() -> list[Policy]:
    """The active policies as core objects (one query for policies and calendars)."""
    return _core_policies(SlaPolicy.objects.filter(active=True).select_related("calendar"))


def policies_by_id(ids: Iterable[int]) -> dict[int, Policy]:
    """These policy versions (retired ones too: what judged stored facts) by id."""
    wanted = sorted({i for i in ids if i is not None})
    rows = SlaPolicy.objects.filter(pk__in=wanted).select_related("calendar")
    return {p.id: p for p in _core_policies(rows)}


def channel_first_response_targets() -> dict[str, float]:
    """Each channel's first-response target from its channel-wide active policy (no
    segment, scene or priority), in seconds; channels without one are left out. What
    staffing plans predict against: the target most of a channel's contacts are judged by."""
    rows = SlaPolicy.objects.filter(
        active=True,
        segment="",
        category="",
        priority="",
        tag="",
        first_response_s__isnull=False,
    ).order_by("channel", "pk")
    targets: dict[str, float] = {}
    for channel, target in rows.values_list("channel", "first_response_s"):
        targets.setdefault(channel, target)
    return targets


def policy_stamp() -> tuple:
    """Changes whenever a policy version is stored or retired (for caches of engines)."""
    active = SlaPolicy.objects.filter(active=True)
    return (
        SlaPolicy.objects.aggregate(m=Max("pk"))["m"],
        tuple(active.values_list("pk", flat=True)),
    )


__all__ = [
    "active_policies",
    "calendar",
    "channel_first_response_targets",
    "choose",
    "holiday_days",
    "policies_by_id",
    "policy_stamp",
]
