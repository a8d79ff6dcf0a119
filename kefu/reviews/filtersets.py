"""The review list's filters: one FilterSet for the page (/reviews/) and the API
(GET /api/v1/reviews, whose `ReviewQuery` schema mirrors it; a test keeps them in step)."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.lib.formfields import MonthField
from kefu.reviews.choices import Kind, ReviewStatus
from kefu.reviews.models import Review


class ChoiceFilter(django_filters.Filter):
    field_class = forms.ChoiceField


class MonthFilter(django_filters.Filter):
    """Reviews of the month: sampled for it (period) or submitted in it."""

    field_class = MonthField

    def filter(self, qs: QuerySet, value: tuple[date, date] | None) -> QuerySet:
        if not value:
            return qs
        first, last = value
        return qs.filter(period_start__gte=first, period_start__lte=last) | qs.filter(
            submitted_at__date__gte=first, submitted_at__date__lte=last
        )


class ReviewFilterSet(django_filters.FilterSet):
    status = ChoiceFilter(label=_("Status"), choices=[("", _("All")), *ReviewStatus.choices])
    kind = ChoiceFilter(label=_("Kind"), choices=[("", _("All")), *Kind.choices])
    month = MonthFilter(label=_("Month"), max_length=7)
    mine = django_filters.BooleanFilter(method="_mine")

    def __init__(
        self, data: Any = None, queryset: QuerySet[Review] | None = None, *, user: Any
    ) -> None:
        self.user = user
        super().__init__(data, queryset=queryset)

    def _mine(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        return qs.filter(reviewer=self.user) if value else qs
