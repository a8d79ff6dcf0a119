"""The article list's filters: one FilterSet for the search page (/knowledge/) and the
API (GET /api/v1/knowledge/articles). `q` is the full-text query: with it the rows are
ranked by the search (kefu/knowledge/search.py) and the other filters narrow them;
without it they filter the list. Rows are `Article`, already scoped by the caller."""

from __future__ import annotations

import json

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.choices import Kind, State
from kefu.knowledge.models import Article


class ChoiceFilter(django_filters.Filter):
    field_class = forms.ChoiceField


class ArticleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), max_length=200, method="_ignore")
    kind = ChoiceFilter(label=_("Type"), choices=[("", _("All")), *Kind.choices])
    scene = django_filters.CharFilter(label=_("Scene"), max_length=100)
    tag = django_filters.CharFilter(label=_("Tag"), max_length=30, method="_tag")
    state = ChoiceFilter(label=_("State"), choices=[("", _("All")), *State.choices])

    class Meta:
        model = Article
        fields: list[str] = []

    def _ignore(self, queryset, name, value):
        return queryset  # the search ranks; see the module's docstring

    def _tag(self, queryset, name, value):
        # JSON containment is not on SQLite: tags are few, so match the JSON text (SQLite
        # keeps non-ASCII escaped, PostgreSQL as it is)
        if not value:
            return queryset
        return queryset.filter(
            Q(tags__icontains=f'"{value}"') | Q(tags__icontains=json.dumps(value))
        )
