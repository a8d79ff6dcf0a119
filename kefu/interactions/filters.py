"""Filtering of conversation lists (the web list). Paging is `kefu.lib.paging`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kefu.accounts.scoping import agents_visible_to, teams_visible_to
from kefu.core import periods
from kefu.core.formfields import DayField
from kefu.interactions import search
from kefu.interactions.choices import Channel, Status
from kefu.interactions.models import Conversation

YES_NO_ANY = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
CATEGORY_CACHE_KEY = "kefu:conversation-categories"
CATEGORY_CACHE_SECONDS = 300


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
