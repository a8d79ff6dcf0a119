from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kefu.interactions.choices import Channel
from kefu.lib.formfields import DayField
from kefu.workforce.choices import WEEKDAYS
from kefu.workforce.models import (
    AgentWorkRule,
    ForecastEvent,
    ShiftTemplate,
    StaffingParameters,
)


class PercentField(forms.FloatField):
    """A fraction stored (0.8) and shown and typed as a percentage (80). A trailing "%"
    is accepted; the range is checked in percent so the message speaks the user's units."""

    def __init__(self, *, min_percent: float, max_percent: float, **kwargs) -> None:
        self.min_percent, self.max_percent = min_percent, max_percent
        kwargs.setdefault(
            "widget",
            forms.NumberInput(
                attrs={"step": "0.1", "min": f"{min_percent:g}", "max": f"{max_percent:g}"}
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Bound data is shown as typed; the stored fraction as a percentage.
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{round(value * 100, 4):g}"
        return value

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().removesuffix("%").strip()
        percent = super().to_python(value)
        if percent is None:
            return None
        if not self.min_percent <= percent <= self.max_percent:
            raise ValidationError(
                _("Enter a percentage between %(min)s and %(max)s."),
                code="percent_range",
                params={"min": f"{self.min_percent:g} %", "max": f"{self.max_percent:g} %"},
            )
        return percent / 100


class ParametersForm(forms.ModelForm):
    # Ranges as the model's validators (fractions), in percent.
    sl_target = PercentField(
        label=_("Service-level target (%)"),
        min_percent=1,
        max_percent=99,
        help_text=_(
            "In percent: 80 means 80 of every 100 contacts answered within the target time."
        ),
    )
    shrinkage = PercentField(
        label=_("Shrinkage (%)"),
        min_percent=0,
        max_percent=90,
        help_text=_("Time paid but not available (absence, training), in percent."),
    )
    max_occupancy = PercentField(label=_("Occupancy cap (%)"), min_percent=10, max_percent=100)

    class Meta:
        model = StaffingParameters
        fields = ["aht_s", "target_s", "sl_target", "shrinkage", "max_occupancy", "concurrency"]


class EventForm(forms.ModelForm):
    class Meta:
        model = ForecastEvent
        fields = ["name", "start", "end", "channel", "uplift"]
        widgets = {
            "start": forms.DateInput(attrs={"type": "date"}),
            "end": forms.DateInput(attrs={"type": "date"}),
        }


class TemplateForm(forms.ModelForm):
    class Meta:
        model = ShiftTemplate
        fields = [
            "key",
            "name",
            "start",
            "length_minutes",
            "break_minutes",
            "break_earliest_minutes",
            "break_latest_minutes",
        ]
        widgets = {"start": forms.TimeInput(attrs={"type": "time", "step": 1800})}


class WeekForm(forms.Form):
    week = DayField(label=_("Week of"))


class AgentRuleForm(forms.ModelForm):
    """One agent's scheduling rule. The checks across fields (min ≤ max hours, reachable
    hours, days off) are the action's, so the page and any other caller share them."""

    skills = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: the channels the agent answered in the last 90 days."),
    )
    days_off = forms.TypedMultipleChoiceField(
        label=_("Fixed days off"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    templates = forms.MultipleChoiceField(
        label=_("Shift templates"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every shift template."),
    )

    class Meta:
        model = AgentWorkRule
        fields = [
            "skills",
            "min_hours",
            "max_hours",
            "max_days",
            "days_off",
            "nights",
            "templates",
            "schedulable",
            "note",
        ]
        widgets = {
            "min_hours": forms.NumberInput(attrs={"step": "0.5", "min": "0", "max": "60"}),
            "max_hours": forms.NumberInput(attrs={"step": "0.5", "min": "1", "max": "60"}),
            "max_days": forms.NumberInput(attrs={"min": "1", "max": "7"}),
        }
        help_texts = {
            "nights": _("New hires never work nights, whatever this says."),
            "schedulable": _("Untick to leave the agent out of rosters (leave, other duties)."),
        }

    def __init__(self, *args, templates=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["templates"].choices = [(t.key, t.name) for t in templates]
