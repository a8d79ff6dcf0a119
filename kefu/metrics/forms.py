"""The dashboards' period and filter form (GET parameters `from`, `to`, `team`, `channel`,
and `time`: the time figures in calendar time, the default, or `time=business`).

Team choices are limited to what the user may see; an invalid value is reported and the
default applies, so a page always renders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kefu.accounts.access import teams_visible_to
from kefu.core.periods import DefaultEnd
from kefu.interactions.choices import Channel
from kefu.lib.default_periods import thin_month_note
from kefu.metrics import selectors
from kefu.metrics.core.kpis import BUSINESS_TIME, CALENDAR_TIME
from kefu.period_fields import add_period_fields, check_period, chosen_period

TIME_CHOICES = [
    (CALENDAR_TIME, pgettext_lazy("metrics time", "Calendar time")),
    (BUSINESS_TIME, pgettext_lazy("metrics time", "Business time")),
]


class PeriodForm(forms.Form):
    """`from`/`to` are Python keywords, so the fields are added in __init__."""

    def __init__(
        self,
        data: Any,
        user,
        default: Callable[..., tuple[date, date]],
        *,
        filters: bool = True,
    ) -> None:
        super().__init__(data)
        self._default = default
        add_period_fields(self)
        self.fields["time"] = forms.ChoiceField(
            label=pgettext_lazy("metrics time", "Time"),
            required=False,
            choices=TIME_CHOICES,
            widget=forms.RadioSelect,
        )
        if filters:
            self.fields["team"] = forms.ModelChoiceField(
                label=_("Team"),
                required=False,
                queryset=teams_visible_to(user).order_by("name"),
                empty_label=_("All teams"),
            )
            self.fields["channel"] = forms.ChoiceField(
                label=_("Channel"),
                required=False,
                choices=[("", _("All channels")), *Channel.choices],
            )
        self.is_valid()  # errors are shown; invalid values fall back to the defaults

    def clean(self) -> dict:
        data = super().clean()
        check_period(self, data)
        return data

    @cached_property
    def _default_end(self) -> DefaultEnd:
        """Where default periods end (one computation for the period and its note)."""
        return selectors.default_end()

    @cached_property
    def default(self) -> tuple[date, date]:
        """The default period, asked for only when the request does not name one."""
        return self._default(end=self._default_end)

    @cached_property
    def period(self) -> tuple[date, date]:
        """The chosen period (`kefu.period_fields.chosen_period`)."""
        return chosen_period(self, lambda: self.default)

    @cached_property
    def default_note(self) -> str:
        """When the request names no period and the default passed over a thin month,
        the sentence that says so (else "")."""
        if self.data.get("from") or self.data.get("to"):
            return ""
        return thin_month_note(self._default_end)

    @property
    def chosen_time(self) -> str:
        """Which time the time figures are in (calendar unless `time=business`)."""
        return getattr(self, "cleaned_data", {}).get("time") or CALENDAR_TIME

    @property
    def time_label(self) -> str:
        return str(dict(TIME_CHOICES)[self.chosen_time])

    @property
    def narrowing(self) -> dict:
        """Keyword arguments for `selectors.scope_for` (team and channel filters, and the
        time of the time figures)."""
        data = getattr(self, "cleaned_data", {})
        out: dict = {"time": self.chosen_time}
        if data.get("team"):
            out["team_ids"] = (data["team"].pk,)
        if data.get("channel"):
            out["channel"] = data["channel"]
        return out

    @property
    def chosen_team(self):
        return getattr(self, "cleaned_data", {}).get("team")

    def query(self, **extra) -> str:
        """The chosen period and filters as a query string (for links to other pages)."""
        start, end = self.period
        params: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat()}
        narrowing = self.narrowing
        if narrowing.get("team_ids"):
            params["team"] = narrowing["team_ids"][0]
        if narrowing.get("channel"):
            params["channel"] = narrowing["channel"]
        if self.chosen_time != CALENDAR_TIME:
            params["time"] = self.chosen_time
        params |= {k: v for k, v in extra.items() if v not in (None, "")}
        return urlencode(params)
