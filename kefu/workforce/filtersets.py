"""The schedule-adherence filters: one FilterSet for the page (/workforce/adherence/), its
Excel export and the API (GET /api/v1/wfm/adherence, whose `AdherenceQuery` schema
mirrors it; a test keeps them in step). Rows are the roster assignments the caller sees
(`access.restrict`), of the newest finished roster of the chosen week."""

from __future__ import annotations

from datetime import date
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts import access
from kefu.accounts.models import Team
from kefu.lib.formfields import DayField
from kefu.workforce import selectors
from kefu.workforce.choices import BuildStatus
from kefu.workforce.core.forecast import week_start
from kefu.workforce.models import RosterAssignment

MAX_TEXT = 64


class WeekFilter(django_filters.Filter):
    """A day of the week (its Monday is used): the assignments of the week's newest
    finished roster; none when the week has no roster."""

    field_class = DayField

    def filter(self, qs: QuerySet, value: date | None) -> QuerySet:
        if value is None:
            return qs
        roster = selectors.adherence_roster(week_start(value))
        return qs.filter(roster=roster) if roster is not None else qs.none()


class AdherenceFilterSet(django_filters.FilterSet):
    week = WeekFilter(label=_("Week of"), required=True)
    team = django_filters.ModelChoiceFilter(
        field_name="agent__team", label=_("Team"), queryset=Team.objects.none()
    )
    agent = django_filters.CharFilter(
        field_name="agent__external_id", label=_("Agent id"), max_length=MAX_TEXT
    )

    class Meta:
        model = RosterAssignment
        fields: list[str] = []

    def __init__(
        self, data: Any = None, queryset: QuerySet[RosterAssignment] | None = None, *, user: Any
    ) -> None:
        super().__init__(data, queryset=queryset)
        teams = Team.objects.order_by("name")
        if not access.manages_workforce(user):
            teams = teams.filter(pk__in=access.supervised_team_ids(user))
        self.form.fields["team"].queryset = teams


def default_week() -> date:
    """This week if it has a finished roster, else the newest finished roster's week up to
    today, else this week."""
    this = week_start(timezone.localdate())
    if selectors.adherence_roster(this) is not None:
        return this
    newest = (
        RosterAssignment.objects.filter(
            roster__week_start__lte=this, roster__status=BuildStatus.DONE
        )
        .order_by("-roster__week_start")
        .values_list("roster__week_start", flat=True)
        .first()
    )
    return newest or this


def assignments_visible_to(user) -> QuerySet[RosterAssignment]:
    return access.restrict(RosterAssignment.objects.all(), user).order_by("agent_id", "day")
