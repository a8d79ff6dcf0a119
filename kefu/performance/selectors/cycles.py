"""Reads of the performance app, always through the access layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kefu.accounts.access import restrict
from kefu.accounts.choices import Tier
from kefu.accounts.models import Agent, Team
from kefu.metrics.core.formatting import format_value
from kefu.performance.apps import REVIEWS
from kefu.performance.choices import Dimension
from kefu.performance.core.stats import Ranked, indistinguishable
from kefu.performance.models import AgentScore, Cycle
from kefu.performance.sources import Source, source


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


# --- an agent's review, as read ------------------------------------------------------------
@dataclass
class Line:
    source: str
    label: str
    dimension: str
    dimension_label: str
    weight: float
    value: str  # as measured, formatted
    interval: str  # "[low, high]" or ""
    n: int
    shrunk: str  # the value scored when shrunk towards the team, else ""
    points: float | None
    points_low: float | None
    points_high: float | None
    factor: float
    has_evidence: bool


def formatted(definition: Source | None, key: str, value: float | None) -> str:
    if value is None:
        return "—"
    unit = definition.unit if definition is not None else "points"
    if key.startswith("kpi."):
        return format_value(key.removeprefix("kpi."), value, get_language() or "zh")
    if unit == "rate":
        return f"{value * 100:.1f}%"
    if unit == "flag":
        return str(_("yes")) if value >= 1 else str(_("no"))
    if unit == "level":
        return f"{value:.2f}"
    return f"{value:.1f}"


def lines_of(score: AgentScore) -> list[Line]:
    lines = []
    dimensions = dict(Dimension.choices)
    for entry in score.details:
        key = entry["source"]
        definition = source(key)
        low, high = entry.get("low"), entry.get("high")
        interval = (
            f"[{formatted(definition, key, low)}, {formatted(definition, key, high)}]"
            if low is not None and high is not None
            else ""
        )
        shrunk = entry.get("shrunk")
        moved = shrunk is not None and entry.get("value") is not None
        lines.append(
            Line(
                source=key,
                label=str(definition.label) if definition is not None else key,
                dimension=entry["dimension"],
                dimension_label=str(dimensions.get(entry["dimension"], entry["dimension"])),
                weight=entry["weight"],
                value=formatted(definition, key, entry.get("value")),
                interval=interval,
                n=entry.get("n") or 0,
                shrunk=formatted(definition, key, shrunk) if moved else "",
                points=entry.get("points"),
                points_low=entry.get("points_low"),
                points_high=entry.get("points_high"),
                factor=entry.get("factor", 1.0),
                has_evidence=key.split(".")[0] in ("kpi", "qa", "reviews", "bars"),
            )
        )
    return lines


def dimension_rows(score: AgentScore) -> list[dict[str, Any]]:
    labels = dict(Dimension.choices)
    return [
        {"code": code, "label": labels.get(code, code), "points": points}
        for code, points in score.dimensions.items()
        if code in labels
    ]
