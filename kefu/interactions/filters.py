"""Filtering and paging of conversation lists (the web list; reusable by other lists).

Paging is keyset ("seek") paging on (created time, pk): each page is one indexed
range scan of page_size + 1 rows, however deep the page, and no COUNT(*) over a
million rows is needed. The total shown is a capped count (see `capped_count`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django import forms
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.access import agents_visible_to, teams_visible_to
from kefu.core import periods
from kefu.interactions import search
from kefu.interactions.choices import Channel, Status
from kefu.interactions.models import Conversation

YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
COUNT_CAP = 10_000
CATEGORY_CACHE_KEY = "kefu:conversation-categories"
CATEGORY_CACHE_SECONDS = 300


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DayField(forms.DateField):
    """A date field of a filter or report: only days in `kefu.core.periods`' window
    (2000-01-01 … five years ahead), so no page computes with year 0001 or 9999."""

    widget = DateInput

    def validate(self, value: date | None) -> None:
        super().validate(value)
        today = timezone.localdate()
        if value is not None and not periods.day_allowed(value, today):
            raise forms.ValidationError(
                _("Choose a day from %(first)s to %(last)s."),
                code="out_of_range",
                params={"first": periods.EARLIEST_DAY, "last": periods.latest_day(today)},
            )


class ConversationFilterForm(forms.Form):
    """The list's filters. Team and agent choices are limited to what the user may see."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    date_from = DayField(label=_("From"), required=False)
    date_to = DayField(label=_("To"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    team = forms.ModelChoiceField(
        label=_("Team"), required=False, queryset=None, empty_label=_("All teams")
    )
    agent = forms.ModelChoiceField(
        label=_("Agent"), required=False, queryset=None, empty_label=_("All agents")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )
    # Free text, offered as a select in the template: the taxonomy grows with imports,
    # so an unknown value simply matches nothing instead of failing validation.
    category1 = forms.CharField(label=_("Scene"), required=False, max_length=50)
    category2 = forms.CharField(label=_("Problem"), required=False, max_length=100)
    complaint = forms.ChoiceField(label=_("Complaint"), required=False, choices=YES_NO_ANY)
    escalated = forms.ChoiceField(label=_("Escalated"), required=False, choices=YES_NO_ANY)

    def __init__(self, data: Any, user) -> None:
        super().__init__(data)
        self.fields["team"].queryset = teams_visible_to(user).order_by("name")
        self.fields["agent"].queryset = agents_visible_to(user).order_by("name", "external_id")

    def filter(self, qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
        """Apply every valid filter; an invalid one is reported and ignored."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        tz = timezone.get_default_timezone()
        qs = qs.filter(
            **periods.lookups("created_at", data.get("date_from"), data.get("date_to"), tz)
        )
        for name in ("channel", "team", "agent", "status", "category1", "category2"):
            if data.get(name):
                qs = qs.filter(**{name: data[name]})
        for name in ("complaint", "escalated"):
            if data.get(name):
                qs = qs.filter(**{name: data[name] == "yes"})
        if data.get("q"):
            qs = search.filter_conversations(qs, data["q"])
        return qs


def category_choices() -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Scenes, and problems grouped by scene, as imported.

    The taxonomy is not personal data and changes only with imports, so it is read from
    the whole table and cached for a few minutes: on PostgreSQL the DISTINCT walks the
    whole category index (~100 ms per million conversations) on every page view.
    """
    return cache.get_or_set(CATEGORY_CACHE_KEY, _read_categories, CATEGORY_CACHE_SECONDS)


def _read_categories() -> tuple[list[str], list[tuple[str, list[str]]]]:
    pairs = (
        Conversation.objects.order_by()
        .exclude(category1="")
        .values_list("category1", "category2")
        .distinct()
    )
    grouped: dict[str, list[str]] = {}
    for scene, problem in pairs:
        problems = grouped.setdefault(scene, [])
        if problem:
            problems.append(problem)
    scenes = sorted(grouped)
    return scenes, [(scene, sorted(grouped[scene])) for scene in scenes if grouped[scene]]


# --- keyset paging ------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(moment: datetime, pk: int) -> str:
    micros = (moment - _EPOCH) // timedelta(microseconds=1)
    return f"{micros}_{pk}"


def decode_cursor(raw: str | None) -> tuple[datetime, int] | None:
    """None for a missing or malformed cursor (the page then starts from the top)."""
    micros, sep, pk = (raw or "").partition("_")
    if not sep:
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        return None


@dataclass
class KeysetPage:
    items: list
    next_cursor: str | None  # older rows
    prev_cursor: str | None  # newer rows; None on the first page

    @property
    def has_other_pages(self) -> bool:
        return bool(self.next_cursor or self.prev_cursor)


def keyset_page(
    qs: QuerySet,
    *,
    after: str | None = None,
    before: str | None = None,
    size: int = 50,
    field: str = "created_at",
) -> KeysetPage:
    """Newest first. `after` pages to older rows, `before` back to newer ones."""
    newer_than = decode_cursor(before)
    if newer_than:
        moment, pk = newer_than
        # "at >= t and not (at = t and pk <= id)" rather than "at > t or (...)": the OR
        # hides the range from SQLite's planner, which then scans the whole table.
        newer = qs.filter(**{f"{field}__gte": moment}).exclude(**{field: moment, "pk__lte": pk})
        rows = list(newer.order_by(field, "pk")[: size + 1])
        if rows:
            items = rows[:size][::-1]
            return KeysetPage(
                items=items,
                next_cursor=_cursor(items[-1], field),
                prev_cursor=_cursor(items[0], field) if len(rows) > size else None,
            )
        after = None  # nothing newer: show the first page
    older_than = decode_cursor(after)
    if older_than:
        moment, pk = older_than
        qs = qs.filter(**{f"{field}__lte": moment}).exclude(**{field: moment, "pk__gte": pk})
    rows = list(qs.order_by(f"-{field}", "-pk")[: size + 1])
    items = rows[:size]
    return KeysetPage(
        items=items,
        next_cursor=_cursor(items[-1], field) if len(rows) > size else None,
        prev_cursor=_cursor(items[0], field) if items and older_than else None,
    )


def _cursor(obj: Any, field: str) -> str:
    return encode_cursor(getattr(obj, field), obj.pk)


def capped_count(qs: QuerySet, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """(count, capped): counts at most cap + 1 rows, so a broad filter stays fast."""
    found = qs.order_by().values("pk")[: cap + 1].count()
    return min(found, cap), found > cap
