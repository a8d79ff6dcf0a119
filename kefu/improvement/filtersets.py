"""The classification list's filters: one FilterSet for the drill-down page
(/improvement/problem/), the review queue and the API (GET
/api/v1/improvement/classifications, whose `ClassificationQuery` mirrors it; a test keeps
them in step). Rows are `Classification`, already scoped by the caller."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.improvement.choices import Source
from kefu.improvement.models import Classification
from kefu.lib.formfields import MonthField

MAX_NAME = 100


class ChoiceFilter(django_filters.Filter):
    field_class = forms.ChoiceField


class MonthFilter(django_filters.Filter):
    """Classifications of conversations created in the month (configured time zone)."""

    field_class = MonthField

    def filter(self, qs: QuerySet, value: tuple[date, date] | None) -> QuerySet:
        if not value:
            return qs
        from kefu.improvement.selectors import month_bounds

        start, end = month_bounds(value[0])
        return qs.filter(created_at__gte=start, created_at__lt=end)


class ClassificationFilterSet(django_filters.FilterSet):
    problem = django_filters.CharFilter(label=_("Problem"), max_length=MAX_NAME)
    scene = django_filters.CharFilter(label=_("Scene"), max_length=MAX_NAME)
    month = MonthFilter(label=_("Month"), max_length=7)
    source = ChoiceFilter(label=_("Source"), choices=[("", _("All")), *Source.choices])
    review = django_filters.BooleanFilter(field_name="needs_review", label=_("To review"))
    complaint = django_filters.BooleanFilter(label=_("Complaint"))

    class Meta:
        model = Classification
        fields: list[str] = []

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, **kwargs: Any) -> None:
        super().__init__(data, queryset=queryset, **kwargs)
