"""The users list's filter (/people/): search, role, team, active. One django-filter
FilterSet; the rows come from `kefu.accounts.access` first."""

from __future__ import annotations

import django_filters
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.accounts.choices import Role
from kefu.accounts.models import Team

MAX_SEARCH = 100


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search", max_length=MAX_SEARCH)
    role = django_filters.ChoiceFilter(
        label=_("Role"), choices=Role.choices, field_name="groups__name", empty_label=_("All roles")
    )
    team = django_filters.ModelChoiceFilter(
        label=_("Team"),
        field_name="agent__team",
        queryset=Team.objects.order_by("name"),
        empty_label=_("All teams"),
    )
    active = django_filters.ChoiceFilter(
        label=_("Status"),
        field_name="is_active",
        choices=[("1", _("Active")), ("0", _("Deactivated"))],
        empty_label=_("All"),
        method="by_active",
    )

    class Meta:
        model = get_user_model()
        fields: list[str] = []

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(agent__external_id__icontains=value)
            | Q(agent__name__icontains=value)
        )

    def by_active(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(is_active=value == "1")
