"""The `from`/`to` period fields shared by the dashboards' filter forms (KPIs, QA).

`from` is a Python keyword, so the fields are added by name; an invalid or too long
period is reported on the form and the page's default applies, so a page always renders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.lib.formfields import DayField

MAX_PERIOD_DAYS = 731  # two years: longer periods would make day charts unreadable


def add_period_fields(form: forms.Form) -> None:
    form.fields["from"] = DayField(label=_("From"), required=False)
    form.fields["to"] = DayField(label=_("To"), required=False)


def check_period(form: forms.Form, data: dict) -> None:
    """For the form's clean(): the end before the start, or a period over two years."""
    start, end = data.get("from"), data.get("to")
    if start and end:
        if start > end:
            form.add_error("to", _("The end date is before the start date."))
        elif (end - start).days >= MAX_PERIOD_DAYS:
            form.add_error("to", _("Choose a period of at most two years."))


def chosen_period(form: forms.Form, default: Callable[[], tuple[date, date]]) -> tuple[date, date]:
    """The period asked for: a missing end falls back to the default one, a missing start
    to the default length before the end; an invalid one to the default. `default` is
    called only when needed (it may query the data's range)."""
    if "from" in form.errors or "to" in form.errors:
        return default()
    data = getattr(form, "cleaned_data", {})
    start, end = data.get("from"), data.get("to")
    if start and end:
        return start, end
    default_from, default_to = default()
    end = end or default_to
    start = start or end - (default_to - default_from)
    if start > end or (end - start).days >= MAX_PERIOD_DAYS:
        return default_from, default_to
    return start, end
