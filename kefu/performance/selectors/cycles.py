"""Reads of the performance app, always through the access layer."""

from __future__ import annotations

from dataclasses import dataclass

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kefu.accounts.access import restrict
from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent, Team
from kefu.performance.apps import REVIEWS
from kefu.performance.core.stats import Ranked, indistinguishable
from kefu.performance.models import AgentScore, Cycle


def cycles_visible_to(user) -> QuerySet[Cycle]:
    return restrict(Cycle.objects.all(), user)


def scores_visible_to(user) -> QuerySet[AgentScore]:
    return restrict(AgentScore.objects.select_related("agent", "team", "cycle"), user)


def reviewable_agents(user) -> QuerySet[Agent]:
    return restrict(Agent.objects.select_related("team"), user, REVIEWS)


class ScoreFilterSet(django_filters.FilterSet):
    """The reviews of a cycle (page and API): by team, tier, or a name / agent id."""

    team = django_filters.ModelChoiceFilter(
        label=_("Team"), queryset=Team.objects.all(), field_name="team"
    )
    tier = django_filters.ChoiceFilter(
        label=_("Tier"), choices=Tier.choices, field_name="agent__tier"
    )
    q = django_filters.CharFilter(label=_("Agent"), method="_search", max_length=50)

    class Meta:
        model = AgentScore
        fields: list[str] = []

    def _search(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return qs
        return qs.filter(agent__name__icontains=value) | qs.filter(
            agent__external_id__icontains=value
        )


@dataclass
class RankedScore:
    score: AgentScore
    rank: int
    group_size: int  # > 1: not distinguishable from the others of its group


def ranking(scores: list[AgentScore]) -> list[RankedScore]:
    """The scores best first, agents whose intervals overlap sharing a rank."""
    by_pk = {s.pk: s for s in scores}
    items = [
        (s.pk, s.final_score, s.score_low, s.score_high)
        for s in scores
        if s.final_score is not None
    ]
    ranked: list[Ranked] = indistinguishable(items)
    out = [RankedScore(by_pk[r.key], r.rank, r.group_size) for r in ranked]
    out += [RankedScore(s, 0, 0) for s in scores if s.final_score is None]
    return out
