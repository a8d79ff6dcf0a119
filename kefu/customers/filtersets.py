"""The customer list's filters: one FilterSet for the page (/risk/), its CSV export and
the API (GET /api/v1/customers, whose `CustomerQuery` schema mirrors it; a test keeps
them in step). Rows are `CustomerRisk` (one per customer), already scoped by the caller."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.accounts import access
from kefu.customers.choices import RiskLabel
from kefu.customers.models import CustomerRisk, Tag
from kefu.lib.formfields import IdMultipleChoiceField

MAX_TEXT = 64


class ChoiceFilter(django_filters.Filter):
    field_class = forms.ChoiceField


class TagsFilter(django_filters.Filter):
    """Customers carrying every chosen tag (high value + likely to churn)."""

    field_class = IdMultipleChoiceField

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        for tag in value or ():
            qs = qs.filter(customer__tag_links__tag=tag)
        return qs


def _customer(qs: QuerySet, name: str, value: str) -> QuerySet:
    return qs.filter(customer__external_id=value.strip()) if value.strip() else qs


class CustomerFilterSet(django_filters.FilterSet):
    label = ChoiceFilter(label=_("Risk label"), choices=[("", _("All")), *RiskLabel.choices])
    tag = TagsFilter(
        label=_("Tags (all of)"),
        queryset=Tag.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    segment = django_filters.CharFilter(
        field_name="customer__segment", label=_("Segment"), max_length=50
    )
    customer = django_filters.CharFilter(
        label=_("Customer id"), max_length=MAX_TEXT, method=_customer
    )

    class Meta:
        model = CustomerRisk
        fields: list[str] = []

    def __init__(
        self, data: Any = None, queryset: QuerySet[CustomerRisk] | None = None, *, user: Any
    ) -> None:
        super().__init__(data, queryset=queryset)
        tags = access.restrict(Tag.objects.select_related("group"), user)
        self.form.fields["tag"].queryset = tags.order_by("group__position", "group__name", "name")
