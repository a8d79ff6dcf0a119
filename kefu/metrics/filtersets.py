"""The SLA report's filters (/sla/report/ and its CSV): period, channel and team as one
django-filter FilterSet over the KPI facts. The queryset handed in is already scoped by
the access layer; the team choices are the teams the user may see. An invalid value is
shown beside its field and not applied; a missing period is the KPI pages' default (the
30 days ending on the last day with substantial data, `dashboards.default_period`)."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.accounts.access import teams_visible_to
from kefu.interactions.choices import Channel
from kefu.interactions.filtersets import VisibleRowFilter
from kefu.lib.formfields import DayField
from kefu.metrics.models import KpiFact
from kefu.period_fields import MAX_PERIOD_DAYS


class DayFilter(django_filters.DateFilter):
    """A bound of the period: validated here, applied by `valid_qs` (with the default's
    period when either bound is invalid)."""

    field_class = DayField

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        return qs


class ChoiceFilter(django_filters.Filter):
    field_class = forms.ChoiceField


class SlaReportForm(forms.Form):
    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (end - start).days >= MAX_PERIOD_DAYS:
                self.add_error("date_to", _("Choose a period of at most two years."))
        return data


class SlaReportFilterSet(django_filters.FilterSet):
    date_from = DayFilter(field_name="day", lookup_expr="gte", label=_("From"))
    date_to = DayFilter(field_name="day", lookup_expr="lte", label=_("To"))
    channel = ChoiceFilter(label=_("Channel"), choices=[("", _("All channels")), *Channel.choices])
    team = VisibleRowFilter(
        label=_("Team"),
        queryset=None,
        empty_label=_("All teams"),
        name_field="name",
        id_or_name=False,
    )

    def __init__(
        self,
        data: Any = None,
        queryset: QuerySet[KpiFact] | None = None,
        *,
        user: Any,
        default: tuple[date, date],
    ) -> None:
        data = data.copy() if data is not None else {}
        if not data.get("date_from") and not data.get("date_to"):
            data["date_from"], data["date_to"] = (d.isoformat() for d in default)
        self.default = default
        super().__init__(data, queryset=queryset)
        self.form.fields["team"].queryset = teams_visible_to(user).order_by("name")

    class Meta:
        model = KpiFact
        fields: list[str] = []
        form = SlaReportForm

    @property
    def period(self) -> tuple[date, date]:
        """The period applied: the chosen days, the default's for a missing or invalid one."""
        self.is_valid()
        data = self.form.cleaned_data
        if "date_from" in self.form.errors or "date_to" in self.form.errors:
            return self.default
        start, end = data.get("date_from"), data.get("date_to")
        if start and end:
            return start, end
        # one bound: the other keeps the default's length (as `period_fields.chosen_period`)
        default_from, default_to = self.default
        end = end or (start + (default_to - default_from) if start else default_to)
        start = start or end - (default_to - default_from)
        return start, end

    @property
    def valid_qs(self) -> QuerySet[KpiFact]:
        """The queryset with every valid filter applied and the period always bounded."""
        start, end = self.period
        return self.qs.filter(day__gte=start, day__lte=end)
