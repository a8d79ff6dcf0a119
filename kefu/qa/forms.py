"""Filters of the QA pages: the results list and the period of the summaries.

Team and agent choices are limited to what the user may see; an invalid value is shown
with its error and not applied, so a page always renders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.accounts.access import agents_visible_to, teams_visible_to
from kefu.period_fields import add_period_fields, check_period, chosen_period
from kefu.qa.core.figures import (
    BAND_LABELS,
    SEVERITY_LABELS_EN,
    TYPE_LABELS_EN,
    band_lookups,
    severity_label,
    type_label,
)
from kefu.qa.models import QaHit, QaResult

HIT_FIELDS = ("indicator", "severity", "type")


class ResultFilterForm(forms.Form):
    """The results list's filters (GET). Every filter is on a column of the result or a
    hit of it, so the list stays an indexed walk newest first."""

    band = forms.ChoiceField(label=_("Score"), required=False)
    outcome = forms.ChoiceField(
        label=_("Result"),
        required=False,
        choices=[("", _("Passed or failed")), ("passed", _("Passed")), ("failed", _("Failed"))],
    )
    fatal = forms.ChoiceField(
        label=_("Fatal"),
        required=False,
        choices=[("", _("Any")), ("yes", _("Fatal only")), ("no", _("Not fatal"))],
    )
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), required=False)
    type = forms.ChoiceField(label=_("Problem type"), required=False)
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("All teams")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), required=False, queryset=None, empty_label=_("All agents")
    )

    def __init__(self, data: Any, user, *, indicators: list[tuple[str, str]], lang: str) -> None:
        super().__init__(data)
        add_period_fields(self)
        self.fields["band"].choices = [("", _("Any score")), *BAND_LABELS.items()]
        self.fields["indicator"].choices = [("", _("All indicators")), *indicators]
        self.fields["severity"].choices = [("", _("All severities"))] + [
            (key, severity_label(key, lang)) for key in SEVERITY_LABELS_EN
        ]
        self.fields["type"].choices = [("", _("All problem types"))] + [
            (key, type_label(key, lang)) for key in TYPE_LABELS_EN
        ]
        self.fields["team"].queryset = teams_visible_to(user).order_by("name")
        self.fields["agent"].queryset = agents_visible_to(user).order_by("name", "external_id")
        self.is_valid()  # errors are shown; invalid values are not applied

    def clean(self) -> dict:
        data = super().clean()
        check_period(self, data)
        return data

    @property
    def data_ok(self) -> dict:
        """The valid values (a field with an error is left out)."""
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if k not in self.errors}

    def shared_lookups(self) -> dict:
        """Period, agent and team: columns of both the result and its hits (copied)."""
        data = self.data_ok
        out: dict = {}
        if data.get("from"):
            out["day__gte"] = data["from"]
        if data.get("to"):
            out["day__lte"] = data["to"]
        if data.get("agent"):
            out["agent"] = data["agent"]
        if data.get("team"):
            out["team"] = data["team"]
        return out

    def result_lookups(self) -> dict:
        """Score band, passed/failed and fatal: columns of the result only."""
        data = self.data_ok
        out: dict = {}
        if data.get("band"):
            out |= band_lookups(data["band"])
        if data.get("outcome"):
            out["passed"] = data["outcome"] == "passed"
        if data.get("fatal"):
            out["fatal"] = data["fatal"] == "yes"
        return out

    def hit_lookups(self) -> dict:
        """Indicator, severity and problem type: one hit of the result must match them all
        (e.g. a severe 服务态度 hit)."""
        return {name: self.data_ok[name] for name in HIT_FIELDS if self.data_ok.get(name)}

    @property
    def by_indicator(self) -> bool:
        """An indicator is chosen: each result has at most one hit of it, so the hits of
        that indicator are the results, one to one (the list then walks the hits)."""
        return bool(self.data_ok.get("indicator"))

    def filter(self, results: QuerySet[QaResult]) -> QuerySet[QaResult]:
        """The matching results (walked newest first on the result indexes)."""
        qs = results.filter(**self.shared_lookups(), **self.result_lookups())
        hit = self.hit_lookups()
        if hit:
            qs = qs.filter(Exists(QaHit.objects.filter(result=OuterRef("pk"), **hit)))
        return qs

    def filter_hits(self, hits: QuerySet[QaHit]) -> QuerySet[QaHit]:
        """With an indicator chosen: its matching hits, one per matching result. The
        (is_current, day, indicator) index finds a rare indicator's hits without reading
        the other rows; band/outcome/fatal are checked on each hit's result by its key."""
        qs = hits.filter(**self.shared_lookups(), **self.hit_lookups())
        by_result = self.result_lookups()
        if by_result:
            qs = qs.filter(Exists(QaResult.objects.filter(pk=OuterRef("result_id"), **by_result)))
        return qs

    def query(self, **extra) -> str:
        """The chosen filters as a query string (for links and the pager)."""
        params = {
            k: (v.pk if hasattr(v, "pk") else v.isoformat() if isinstance(v, date) else v)
            for k, v in self.data_ok.items()
            if v not in (None, "")
        }
        params |= {k: v for k, v in extra.items() if v not in (None, "")}
        return urlencode(params)


class PeriodForm(forms.Form):
    """`from`, `to` (and a team for roles that see several) of the summaries."""

    def __init__(
        self,
        data: Any,
        user,
        defaults: Callable[[], tuple[tuple[date, date], str]],
        *,
        team: bool,
    ) -> None:
        """`defaults`: the default period and its note (`dashboards.default_months_noted`),
        asked for only when the request names no period or the page shows the note."""
        super().__init__(data)
        self._defaults = defaults
        add_period_fields(self)
        if team:
            self.fields["team"] = forms.ModelChoiceField(
                label=_("Team"),
                required=False,
                queryset=teams_visible_to(user).order_by("name"),
                empty_label=_("All teams"),
            )
        self.is_valid()

    def clean(self) -> dict:
        data = super().clean()
        check_period(self, data)
        return data

    @cached_property
    def _default_and_note(self) -> tuple[tuple[date, date], str]:
        return self._defaults()

    @property
    def default(self) -> tuple[date, date]:
        return self._default_and_note[0]

    @property
    def period(self) -> tuple[date, date]:
        return chosen_period(self, lambda: self.default)

    @property
    def default_note(self) -> str:
        """When the request names no period and the default passed over a thin month,
        the sentence that says so (else "": `dashboards.default_months_noted`)."""
        if self.data.get("from") or self.data.get("to"):
            return ""
        return self._default_and_note[1]

    @property
    def chosen_team(self):
        if "team" in self.errors:
            return None
        return getattr(self, "cleaned_data", {}).get("team")

    def query(self, **extra) -> str:
        start, end = self.period
        params: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
        if self.chosen_team is not None:
            params["team"] = self.chosen_team.pk
        params |= {k: v for k, v in extra.items() if v not in (None, "")}
        return urlencode(params)
