from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.workforce.models import ForecastEvent, ShiftTemplate, StaffingParameters


class ParametersForm(forms.ModelForm):
    class Meta:
        model = StaffingParameters
        fields = ["aht_s", "target_s", "sl_target", "shrinkage", "max_occupancy", "concurrency"]
        widgets = {
            "sl_target": forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "max": "0.99"}),
            "shrinkage": forms.NumberInput(attrs={"step": "0.01", "min": "0", "max": "0.9"}),
            "max_occupancy": forms.NumberInput(attrs={"step": "0.01", "min": "0.1", "max": "1"}),
        }
        help_texts = {
            "sl_target": _("A fraction: 0.8 = 80 %."),
            "shrinkage": _("Time paid but not available (absence, training), as a fraction."),
        }


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
    week = forms.DateField(label=_("Week of"), widget=forms.DateInput(attrs={"type": "date"}))
