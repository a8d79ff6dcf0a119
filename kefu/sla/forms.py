"""Forms of the service-level settings page (/sla/settings/).

They only parse what was typed (a target as a number and a unit, a weekday's hours, an
uploaded file); the rules live in `kefu.sla.actions` (`check_policy`, `save_calendar`,
`import_holidays`), whose errors the views add to the form that was sent.
"""

from __future__ import annotations

from typing import Any

import yaml
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.interactions.choices import Channel
from kefu.sla.choices import Measure
from kefu.sla.models import BusinessCalendar, SlaPolicy

MAX_UPLOAD_BYTES = 1024 * 1024
UNITS = {"s": 1, "min": 60, "h": 3600}
UNIT_CHOICES = [
    ("s", gettext_lazy("seconds")),
    ("min", gettext_lazy("minutes")),
    ("h", gettext_lazy("hours")),
]
TARGETS = (
    ("first_response_s", "first"),
    ("next_response_s", "next"),
    ("resolution_s", "resolution"),
)
WEEKDAY_LABELS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)


# --- targets: seconds ↔ a number and a unit ------------------------------------------------
def to_entered(seconds: float | None) -> tuple[str, str]:
    """(number, unit) as the form shows a stored target: the largest unit it is a whole
    number of (86400 → 24 h, 90 → 90 s, 120 → 2 min)."""
    if seconds is None:
        return "", "s"
    for unit in ("h", "min"):
        if seconds >= UNITS[unit] and seconds % UNITS[unit] == 0:
            return f"{seconds / UNITS[unit]:g}", unit
    return f"{seconds:g}", "s"


def target_text(seconds: float | None) -> str:
    """A stored target for reading: "30 秒", "2 分钟", "24 小时"; "—" when not set."""
    if seconds is None:
        return "—"
    number, unit = to_entered(seconds)
    if unit == "h":
        return _("%(n)s hours") % {"n": number}
    if unit == "min":
        return _("%(n)s minutes") % {"n": number}
    return _("%(n)s seconds") % {"n": number}


# --- policies -----------------------------------------------------------------------------
class PolicyForm(forms.Form):
    """A policy's next version (`key` names it; new=1 when it must not exist yet)."""

    key = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=50,
        help_text=gettext_lazy("Letters, digits, - and _; it cannot be changed later."),
    )
    new = forms.BooleanField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=Channel.choices)
    segment = forms.CharField(label=gettext_lazy("Customer segment"), max_length=50, required=False)
    category = forms.CharField(label=gettext_lazy("Scene"), max_length=50, required=False)
    priority = forms.CharField(label=gettext_lazy("Priority"), max_length=20, required=False)
    tag = forms.CharField(
        label=gettext_lazy("Customer tag"),
        max_length=50,
        required=False,
        # a placeholder, not a help line: the criteria fields stay aligned in one row
        widget=forms.TextInput(
            attrs={
                "placeholder": gettext_lazy("tag name"),
                "title": gettext_lazy("A customer tag's name, as on the customer pages."),
            }
        ),
    )
    first_value = forms.FloatField(label=gettext_lazy("First response target"), required=False)
    first_unit = forms.ChoiceField(choices=UNIT_CHOICES, initial="s")
    next_value = forms.FloatField(label=gettext_lazy("Next response target"), required=False)
    next_unit = forms.ChoiceField(choices=UNIT_CHOICES, initial="s")
    resolution_value = forms.FloatField(label=gettext_lazy("Resolution target"), required=False)
    resolution_unit = forms.ChoiceField(choices=UNIT_CHOICES, initial="h")
    measure = forms.ChoiceField(
        label=gettext_lazy("Judged in"), choices=Measure.choices, initial=Measure.CALENDAR
    )
    calendar = forms.ModelChoiceField(
        label=gettext_lazy("Business calendar"),
        queryset=BusinessCalendar.objects.all(),
        required=False,
        empty_label=gettext_lazy("None"),
    )

    @classmethod
    def for_policy(cls, policy: SlaPolicy) -> PolicyForm:
        initial: dict[str, Any] = {
            "key": policy.key,
            "name": policy.name,
            "channel": policy.channel,
            "segment": policy.segment,
            "category": policy.category,
            "priority": policy.priority,
            "tag": policy.tag,
            "measure": policy.measure,
            "calendar": policy.calendar_id,
        }
        for field, prefix in TARGETS:
            initial[f"{prefix}_value"], initial[f"{prefix}_unit"] = to_entered(
                getattr(policy, field)
            )
        return cls(initial=initial, auto_id=f"id_policy_{policy.key}_%s")

    def policy_data(self) -> dict[str, Any]:
        """What `actions.save_policy` takes (targets in seconds)."""
        data = self.cleaned_data
        out = {
            field: data[field]
            for field in ("name", "channel", "segment", "category", "priority", "tag", "measure")
        }
        out["calendar"] = data["calendar"]
        for field, prefix in TARGETS:
            value = data[f"{prefix}_value"]
            out[field] = None if value is None else value * UNITS[data[f"{prefix}_unit"]]
        return out


# --- business calendars -------------------------------------------------------------------
class CalendarForm(forms.Form):
    calendar = forms.ModelChoiceField(
        queryset=BusinessCalendar.objects.all(), required=False, widget=forms.HiddenInput
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64, initial="Asia/Shanghai")
    day0 = forms.CharField(label=WEEKDAY_LABELS[0], max_length=100, required=False)
    day1 = forms.CharField(label=WEEKDAY_LABELS[1], max_length=100, required=False)
    day2 = forms.CharField(label=WEEKDAY_LABELS[2], max_length=100, required=False)
    day3 = forms.CharField(label=WEEKDAY_LABELS[3], max_length=100, required=False)
    day4 = forms.CharField(label=WEEKDAY_LABELS[4], max_length=100, required=False)
    day5 = forms.CharField(label=WEEKDAY_LABELS[5], max_length=100, required=False)
    day6 = forms.CharField(label=WEEKDAY_LABELS[6], max_length=100, required=False)
    makeup_hours = forms.CharField(
        label=gettext_lazy("Hours on make-up working days"), max_length=100, required=False
    )
    observes_holidays = forms.BooleanField(
        label=gettext_lazy("Closed on public holidays"), required=False
    )

    @classmethod
    def for_calendar(cls, calendar: BusinessCalendar) -> CalendarForm:
        initial: dict[str, Any] = {
            "calendar": calendar.pk,
            "name": calendar.name,
            "zone": calendar.zone,
            "makeup_hours": calendar.makeup_hours,
            "observes_holidays": calendar.observes_holidays,
        }
        for day in range(7):
            initial[f"day{day}"] = calendar.weekly[day] if day < len(calendar.weekly) else ""
        return cls(initial=initial, auto_id=f"id_calendar{calendar.pk}_%s")

    def days(self) -> list:
        return [self[f"day{day}"] for day in range(7)]

    def calendar_data(self) -> dict[str, Any]:
        """What `actions.save_calendar` takes."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "zone": data["zone"].strip(),
            "weekly": [data[f"day{day}"] for day in range(7)],
            "makeup_hours": data["makeup_hours"],
            "observes_holidays": data["observes_holidays"],
        }


# --- public holidays ----------------------------------------------------------------------
class HolidayUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Holidays file (YAML or JSON)"))

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."))
        raw = upload.read()
        try:
            data = yaml.safe_load(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" ({mark.line + 1}:{mark.column + 1})" if mark is not None else ""
            raise forms.ValidationError(
                _("The file is not valid YAML or JSON%(where)s.") % {"where": where}
            ) from None
        if not data:
            raise forms.ValidationError(_("The file lists no holidays."))
        return data
