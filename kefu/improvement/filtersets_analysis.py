"""The analyses' list filters: one FilterSet for the list pages
(/improvement/analyses/…/) and the API (GET /api/v1/improvement/five-whys, …, whose
`AnalysisListQuery` mirrors it). Rows are one kind of analysis, already scoped by the
caller."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.improvement.choices import CauseKind

MAX_NAME = 100


class ChoiceFilter(django_filters.Filter):
    field_class = forms.ChoiceField


class AnalysisFilterSet(django_filters.FilterSet):
    problem = django_filters.CharFilter(label=_("Problem"), max_length=MAX_NAME)
    kind = ChoiceFilter(
        field_name="root_cause__kind",
        label=_("Kind of root cause"),
        choices=[("", _("All")), *CauseKind.choices],
    )
    q = django_filters.CharFilter(
        field_name="title", lookup_expr="icontains", label=_("Title contains"), max_length=100
    )
