"""The conversation list's filters: one FilterSet (django-filter) read by the web list
and by the REST API, so a filter means the same on both.

The page reports an invalid filter beside its field and ignores it; the API refuses a
malformed parameter first with its schema (`schemas.ConversationFilters`, which mirrors
this FilterSet for the OpenAPI document: a test keeps them in step), and a team or agent
the caller may not see matches nothing there.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.accounts.access import agents_visible_to, teams_visible_to
from kefu.core import periods
from kefu.core.params import parse_id
from kefu.interactions import scores, search
from kefu.interactions.choices import Channel, Status
from kefu.interactions.models import Conversation
from kefu.lib.formfields import DayField
from kefu.lib.localtime import configured_tz

YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
MAX_TEXT = 200
CATEGORY_CACHE_KEY = "kefu:conversation-categories"
CATEGORY_CACHE_SECONDS = 300
# Filters naming a row the user may see: a value outside the scope is an error on the
# page (shown, not applied) and matches nothing in the API.
REFERENCE_FILTERS = frozenset({"team", "agent"})


class VisibleRowField(forms.ModelChoiceField):
    """A select of the rows the user may see whose value may also be typed: a numeric
    id, or the row's `name_field` (a team's name, an agent's external id). Cleans to
    the list of matching rows; none is an invalid choice."""

    def __init__(self, *args: Any, name_field: str, id_or_name: bool, **kwargs: Any) -> None:
        # id_or_name: a number may be an id or a name (agents' external ids are often
        # digits); otherwise a number is an id only (teams, as the API always read them).
        self.name_field = name_field
        self.id_or_name = id_or_name
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> list | None:
        if value in self.empty_values:
            return None
        text = str(value)
        if "\x00" in text or len(text) > MAX_TEXT:
            raise self._invalid(text)
        pk = parse_id(text)
        if pk is None:
            condition = Q(**{self.name_field: text})
        elif self.id_or_name:
            condition = Q(pk=pk) | Q(**{self.name_field: text})
        else:
            condition = Q(pk=pk)
        rows = list(self.queryset.filter(condition))
        if not rows:
            raise self._invalid(text)
        return rows

    def _invalid(self, text: str) -> ValidationError:
        return ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text}
        )


class VisibleRowFilter(django_filters.Filter):
    field_class = VisibleRowField

    def filter(self, qs: QuerySet, value: list | None) -> QuerySet:
        return qs.filter(**{f"{self.field_name}__in": value}) if value else qs


class ChoiceFilter(django_filters.Filter):
    """A plain Django ChoiceField (the choices, empty one included, as given)."""

    field_class = forms.ChoiceField


class YesNoFilter(django_filters.Filter):
    field_class = forms.ChoiceField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, choices=YES_NO_ANY, **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(**{self.field_name: value == "yes"}) if value else qs


class DayFilter(django_filters.Filter):
    """A local day of the configured time zone, bound to `kefu.core.periods`' window;
    `bound` says whether it starts (`from`) or ends (`to`) the period."""

    field_class = DayField

    def __init__(self, *args: Any, bound: str, **kwargs: Any) -> None:
        self.bound = bound
        super().__init__(*args, **kwargs)

    def filter(self, qs: QuerySet, value: Any) -> QuerySet:
        if not value:
            return qs
        start, end = (value, None) if self.bound == "from" else (None, value)
        return qs.filter(**periods.lookups(self.field_name, start, end, configured_tz()))


def _search(qs: QuerySet, name: str, value: str) -> QuerySet:
    return search.filter_conversations(qs, value)


def _any_category(qs: QuerySet, name: str, value: str) -> QuerySet:
    return qs.filter(Q(category1=value) | Q(category2=value) | Q(category3=value))


def _qa_score_min(qs: QuerySet, name: str, value: Any) -> QuerySet:
    return scores.qa_score_between(qs, low=float(value)) if value is not None else qs


def _qa_score_max(qs: QuerySet, name: str, value: Any) -> QuerySet:
    return scores.qa_score_between(qs, high=float(value)) if value is not None else qs


class ConversationFilterSet(django_filters.FilterSet):
    """Every filter of the conversation list. Team and agent are limited to (and their
    choices are) what `user` may see; the queryset is expected scoped already."""

    date_from = DayFilter(field_name="created_at", bound="from", label=_("From"))
    date_to = DayFilter(field_name="created_at", bound="to", label=_("To"))
    channel = ChoiceFilter(label=_("Channel"), choices=[("", _("All channels")), *Channel.choices])
    team = VisibleRowFilter(
        label=_("Team"),
        queryset=None,
        empty_label=_("All teams"),
        name_field="name",
        id_or_name=False,
    )
    agent = VisibleRowFilter(
        label=_("Agent"),
        queryset=None,
        empty_label=_("All agents"),
        name_field="external_id",
        id_or_name=True,
    )
    status = ChoiceFilter(label=_("Status"), choices=[("", _("All statuses")), *Status.choices])
    # Free text, offered as a select in the template: the taxonomy grows with imports,
    # so an unknown value simply matches nothing instead of failing validation.
    category = django_filters.CharFilter(max_length=MAX_TEXT, method=_any_category)
    category1 = django_filters.CharFilter(label=_("Scene"), max_length=50)
    category2 = django_filters.CharFilter(label=_("Problem"), max_length=100)
    complaint = YesNoFilter(label=_("Complaint"))
    escalated = YesNoFilter(label=_("Escalated"))
    # The current automatic QA score (kept by QA, read through kefu.interactions.scores).
    qa_score_min = django_filters.NumberFilter(
        label=_("QA score from"), min_value=0, max_value=1000, method=_qa_score_min
    )
    qa_score_max = django_filters.NumberFilter(
        label=_("QA score to"), min_value=0, max_value=1000, method=_qa_score_max
    )
    # Last, as before: the full-text condition joins the search index.
    q = django_filters.CharFilter(label=_("Search"), max_length=MAX_TEXT, method=_search)

    def __init__(
        self, data: Any = None, queryset: QuerySet[Conversation] | None = None, *, user: Any
    ) -> None:
        super().__init__(data, queryset=queryset)
        self.form.fields["team"].queryset = teams_visible_to(user).order_by("name")
        self.form.fields["agent"].queryset = agents_visible_to(user).order_by("name", "external_id")

    def api_qs(self) -> QuerySet[Conversation]:
        """The API's reading: every filter applies, and a team or agent the caller may not
        see matches nothing. Other errors are returned by `api_errors` (the schema has
        refused them already, so none is expected)."""
        if self.errors.keys() & REFERENCE_FILTERS:
            return self.queryset.none()
        return self.qs

    def api_errors(self) -> dict[str, list[str]]:
        return {
            name: [str(m) for m in messages]
            for name, messages in self.errors.items()
            if name not in REFERENCE_FILTERS
        }


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
