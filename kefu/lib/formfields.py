"""Form fields shared by the apps' forms."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.core import periods
from kefu.core.params import parse_id


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField whose values must be database ids before they are looked up:
    Django's own passes `pk__in=[2**63]` to SQLite, which raises OverflowError (a 500)."""

    def _check_values(self, value: Any) -> Any:
        for item in value:
            if parse_id(item) is None:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": item},
                )
        return super()._check_values(value)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DayField(forms.DateField):
    """A date field of a filter or report: only days in `kefu.core.periods`' window
    (2000-01-01 … five years ahead), so no page computes with year 0001 or 9999."""

    widget = DateInput

    def validate(self, value: date | None) -> None:
        super().validate(value)
        today = timezone.localdate()
        if value is not None and not periods.day_allowed(value, today):
            raise forms.ValidationError(
                _("Choose a day from %(first)s to %(last)s."),
                code="out_of_range",
                params={"first": periods.EARLIEST_DAY, "last": periods.latest_day(today)},
            )


class MonthField(forms.CharField):
    """ "YYYY-MM" → (first day, last day); an unknown month is an error."""

    widget = forms.TextInput(attrs={"type": "month"})

    def clean(self, value: Any) -> tuple[date, date] | None:
        text = super().clean(value)
        if not text:
            return None
        month = periods.parse_month(text, timezone.localdate())
        if month is None:
            raise forms.ValidationError(_("Enter a valid value."), code="invalid")
        return month
