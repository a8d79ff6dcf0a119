"""Writes to the service-level settings: policies (versioned), calendars, holidays.

Each function validates (raising `ValidationError`), writes, then records the change in
the audit trail. A policy is never changed in place: `save_policy` retires the active
version and stores the next one, so facts keep naming the version that judged them.
"""

from __future__ import annotations

import math
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.interactions.choices import Channel
from kefu.sla.choices import Measure
from kefu.sla.core import holidays as holiday_core
from kefu.sla.core.business_time import parse_hours
from kefu.sla.models import BusinessCalendar, Holiday, SlaPolicy

MAX_TARGET_S = 90 * 24 * 3600.0
POLICY_FIELDS = (
    "name", "channel", "segment", "category", "priority", "tag", "first_response_s",
    "next_response_s", "resolution_s", "measure", "calendar",
)  # fmt: skip


def _target(value: Any, label: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            _("%(field)s: enter a number of seconds.") % {"field": label}
        ) from None
    if not math.isfinite(number) or not 0 < number <= MAX_TARGET_S:
        raise ValidationError(
            _("%(field)s: a target is between 1 second and 90 days.") % {"field": label}
        )
    return number


def check_policy(data: dict[str, Any]) -> dict[str, Any]:
    clean = {field: data.get(field) for field in POLICY_FIELDS}
    if not (clean["name"] or "").strip():
        raise ValidationError(_("Enter a name."))
    if clean["channel"] not in Channel.values:
        raise ValidationError(_("Choose a channel."))
    if clean["measure"] not in Measure.values:
        raise ValidationError(_("Choose calendar or business time."))
    if clean["measure"] == Measure.BUSINESS and clean["calendar"] is None:
        raise ValidationError(_("Business time needs a business calendar."))
    for field in ("first_response_s", "next_response_s", "resolution_s"):
        clean[field] = _target(clean[field], str(SlaPolicy._meta.get_field(field).verbose_name))
    for field in ("name", "segment", "category", "priority", "tag"):
        clean[field] = str(clean[field] or "").strip()
        model_field = SlaPolicy._meta.get_field(field)
        if len(clean[field]) > model_field.max_length:
            raise ValidationError(
                _("%(field)s: at most %(n)d characters.")
                % {"field": model_field.verbose_name, "n": model_field.max_length}
            )
    return clean


@transaction.atomic
def save_policy(key: str, data: dict[str, Any], *, user=None) -> SlaPolicy:
    """Store the next version of policy `key` (the first if new) and retire the active one."""
    clean = check_policy(data)
    current = SlaPolicy.objects.select_for_update().filter(key=key, active=True).first()
    version = (SlaPolicy.objects.filter(key=key).aggregate(v=Max("version"))["v"] or 0) + 1
    if current is not None:
        current.active = False
        current.save(update_fields=["active"])
    policy = SlaPolicy.objects.create(key=key, version=version, created_by=user, **clean)
    audit(
        AuditAction.CHANGE_SETTINGS,
        user=user,
        object_type="sla.policy",
        object_id=f"{key} v{version}",
        detail={k: str(v) if k == "calendar" else v for k, v in clean.items()},
    )
    return policy


@transaction.atomic
def retire_policy(key: str, *, user=None) -> None:
    SlaPolicy.objects.filter(key=key, active=True).update(active=False)
    audit(AuditAction.CHANGE_SETTINGS, user=user, object_type="sla.policy", object_id=key,
          detail={"retired": True})  # fmt: skip


def save_calendar(
    calendar: BusinessCalendar | None, data: dict[str, Any], *, user=None
) -> BusinessCalendar:
    name = (data.get("name") or "").strip()
    if not name:
        raise ValidationError(_("Enter a name."))
    try:
        ZoneInfo(data.get("zone") or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("Unknown time zone: %(zone)s") % {"zone": data.get("zone")}
        ) from None
    weekly = [str(v or "").strip() for v in data.get("weekly") or []]
    if len(weekly) != 7:
        raise ValidationError(_("Give the hours of all seven weekdays."))
    for text in [*weekly, data.get("makeup_hours") or ""]:
        try:
            parse_hours(text)
        except ValueError as error:
            raise ValidationError(
                _("Hours %(hours)r: %(error)s") % {"hours": text, "error": error}
            ) from None
    calendar = calendar or BusinessCalendar()
    calendar.name = name
    calendar.zone = data["zone"]
    calendar.weekly = weekly
    calendar.makeup_hours = (data.get("makeup_hours") or "").strip()
    calendar.observes_holidays = bool(data.get("observes_holidays"))
    calendar.save()
    audit(AuditAction.CHANGE_SETTINGS, user=user, object_type="sla.calendar",
          object_id=str(calendar.pk), detail={"name": name, "weekly": weekly})  # fmt: skip
    return calendar


@transaction.atomic
def import_holidays(data: Any, *, user=None) -> int:
    """Replace the holidays of every year the data lists (other years stay); returns how
    many holidays were stored. `data` is the shape of `kefu/sla/data/holidays_cn.yaml`."""
    try:
        rows = holiday_core.parse(data)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    years = {h.first.year for h in rows}
    Holiday.objects.filter(first__year__in=years).delete()
    Holiday.objects.bulk_create(
        Holiday(
            name=h.name, first=h.first, last=h.last, workdays=[d.isoformat() for d in h.workdays]
        )
        for h in rows
    )
    audit(AuditAction.IMPORT, user=user, object_type="sla.holidays",
          detail={"years": sorted(years), "holidays": len(rows)})  # fmt: skip
    return len(rows)
