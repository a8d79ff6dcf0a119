"""What the KPI dashboards show, assembled from the selectors (no figure is computed here).

Every number comes from `kefu.metrics.selectors` (which asks the one KPI core); labels,
units and the better direction from `core.catalogue`; display strings from
`core.formatting`. The functions return plain, JSON-serialisable dicts: the templates
render the tables and hand the chart parts to the page scripts with `json_script`.
Views stay short: parse the request, call one function here, render.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from urllib.parse import urlencode

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kefu.accounts.access import (
    ALL,
    conversations_visible_to,
    may_view_teams,
    own_agent_id,
    restrict,
)
from kefu.accounts.models import Agent, Team
from kefu.core import periods
from kefu.core.periods import month_end, months_ending
from kefu.interactions.choices import Channel
from kefu.interactions.models import Conversation
from kefu.metrics import selectors
from kefu.metrics.core import drivers as core_drivers
from kefu.metrics.core.catalogue import FIGURES, RADAR_KEYS, radar_score
from kefu.metrics.core.formatting import format_change, format_value
from kefu.metrics.core.kpis import CALENDAR_TIME, FRT_THRESHOLD_S
from kefu.metrics.models import ImprovementAction, KpiFact
from kefu.metrics.selectors import Figures, Group, Scope
from kefu.sla import selectors as sla_selectors

# The overview's cards, in reading order.
CARD_KEYS = (
    "conversations",
    "frt_mean_s",
    # each conversation against its own SLA target (e-mail 24 h); the fixed 30 s share is
    # drawn beside it on the FRT chart
    "frt_over_target_rate",
    "response_rate",
    "fcr_rate",
    "csat_satisfied_rate",
    "csat_mean",
    "nps",
    "aht_s",
    "complaint_rate",
    "escalation_mean_min",
    "conversion_rate",
)
TREND_KEYS = ("nps", "csat_mean", "csat_satisfied_rate")
HEATMAP_KEYS = ("nps", "csat_satisfied_rate", "csat_mean")
AGENT_TREND_KEYS = ("fcr_rate", "frt_mean_s", "csat_satisfied_rate")
DEFAULT_KPI = "fcr_rate"
OVERVIEW_DAYS = 30
TREND_MONTHS = 12


# --- who, when, in which language -------------------------------------------------------


def default_period(
    days: int = OVERVIEW_DAYS, end: periods.DefaultEnd | None = None
) -> tuple[date, date]:
    """The `days` days ending on the last day with substantial data (`end`, else
    `selectors.default_end()`; today when there is none)."""
    last = (end or selectors.default_end()).day or timezone.localdate()
    return last - timedelta(days=days - 1), last


def default_months(
    months: int = TREND_MONTHS, end: periods.DefaultEnd | None = None
) -> tuple[date, date]:
    """The `months` calendar months ending with the last month with substantial data."""
    return months_ending((end or selectors.default_end()).day or timezone.localdate(), months)


def quarter_bounds(day: date) -> tuple[date, date]:
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    return start, month_end(date(day.year, first_month + 2, 1))


def quarters_of(date_from: date, date_to: date) -> list[tuple[str, date, date]]:
    """(key, start, end) of every calendar quarter the period touches, in order."""
    out = []
    start, end = quarter_bounds(date_from)
    while start <= date_to:
        out.append((periods.quarter_key(start), start, end))
        start, end = quarter_bounds(end + timedelta(days=1))
    return out


# --- small helpers -----------------------------------------------------------------------
def _direction(key: str, current, previous) -> str:
    """'better', 'worse' or 'flat' for a change (volume has no better direction)."""
    figure = FIGURES[key]
    if current is None or previous is None or current == previous:
        return "flat"
    if figure.higher_is_better is None:
        return "flat"
    return "better" if (current > previous) == figure.higher_is_better else "worse"


def _status(key: str, value, target) -> str:
    meets = FIGURES[key].meets(value, target)
    return "none" if meets is None else ("meets" if meets else "misses")


def drill_url(key: str, date_from: date, date_to: date, **where) -> str:
    """The conversations behind a figure (`metrics:conversations`)."""
    params = {"kpi": key, "from": date_from.isoformat(), "to": date_to.isoformat()}
    params |= {k: v for k, v in where.items() if v not in (None, "")}
    return f"{reverse('metrics:conversations')}?{urlencode(params)}"


def figure_row(key: str, value, target, lang: str, **extra) -> dict:
    figure = FIGURES[key]
    return {
        "key": key,
        "label": figure.label(lang),
        "value": value,
        "text": format_value(key, value, lang),
        "target": target,
        "target_text": format_value(key, target, lang) if target is not None else "",
        "status": _status(key, value, target),
        **extra,
    }


def kpi_choices(lang: str) -> list[tuple[str, str]]:
    return [(key, figure.label(lang)) for key, figure in FIGURES.items()]


# --- overview ----------------------------------------------------------------------------
def overview_targets(user, team: Team | None) -> dict[str, float]:
    """The targets the overview is judged by: an agent's own (team and tier), the chosen
    team's, or the department's."""
    if team is not None:
        return selectors.targets(team.pk)
    if not may_view_teams(user):
        agent_id = own_agent_id(user)
        if agent_id is not None:
            team_id, tier = Agent.objects.filter(pk=agent_id).values_list("team_id", "tier")[0]
            return selectors.targets(team_id, tier)
    return selectors.targets()


PERCENTILE_KEYS = frozenset({"frt_median_s", "frt_p90_s"})


def overview(
    scope: Scope,
    target_map: dict[str, float],
    *,
    lang: str,
    benchmark: str = "",
    team_chart: bool = True,
    link_query: str = "",
) -> dict:
    """Cards, sparklines, the FRT trend with each channel against its SLA target, the radar
    and FCR by team: six selector calls (period, previous period, per day, per team, per
    channel, benchmark sets) besides the targets."""
    # No card or chart shows the FRT median or P90: skip merging FRT multisets (most of
    # the cost of a read over a long period).
    current = selectors.totals(scope, percentiles=False)
    before_from, before_to = periods.previous_period(scope.date_from, scope.date_to)
    previous = selectors.totals(
        scope.narrow(date_from=before_from, date_to=before_to), percentiles=False
    )
    days = selectors.figures(scope, "day", percentiles=False)
    cards = [
        figure_row(
            key,
            current[key],
            target_map.get(key),
            lang,
            previous_text=format_value(key, previous[key], lang),
            change=format_change(key, current[key], previous[key]),
            direction=_direction(key, current[key], previous[key]),
        )
        for key in CARD_KEYS
    ]
    teams = selectors.figures(scope, "team", percentiles=False) if team_chart else []
    channels = selectors.figures(scope, "channel", percentiles=False)
    return {
        "current": current,
        "previous_period": (before_from, before_to),
        "cards": cards,
        "sparklines": sparklines(days, CARD_KEYS, lang),
        "frt": frt_trend(days, target_map.get("frt_mean_s"), lang),
        "frt_by_channel": frt_by_channel(channels, lang),
        "radar": radar(current, target_map, selectors.benchmark_sets(), benchmark, lang),
        "teams": team_bars(teams, DEFAULT_KPI, target_map.get(DEFAULT_KPI), lang, link_query)
        if team_chart
        else None,
    }


def sparklines(days: list[Group], keys, lang: str) -> dict:
    return {
        "days": [g.key.isoformat() for g in days],
        "series": {
            key: {
                "values": [g.figures[key] for g in days],
                "text": [format_value(key, g.figures[key], lang) for g in days],
            }
            for key in keys
        },
    }


def frt_trend(days: list[Group], target: float | None, lang: str) -> dict:
    """The mean FRT per day with the 30 s line, the share over 30 s (the contract's fixed
    threshold) and the share over each conversation's own SLA target (24 h for e-mail)."""

    def series(key: str) -> dict:
        return {
            "name": FIGURES[key].label(lang),
            "values": [g.figures[key] for g in days],
            "text": [format_value(key, g.figures[key], lang) for g in days],
        }

    return {
        "days": [g.key.isoformat() for g in days],
        "mean": series("frt_mean_s"),
        "over": series("frt_over_30s_rate"),
        "over_target": series("frt_over_target_rate"),
        "threshold": FRT_THRESHOLD_S,
        "threshold_label": format_value("frt_mean_s", FRT_THRESHOLD_S, lang),
        "target": target,
        "labels": {"seconds": _("seconds"), "share": _("share")},
    }


def frt_by_channel(channels: list[Group], lang: str) -> list[dict]:
    """Each channel's first responses against its own SLA target: e-mail's reply time is
    its own figure here, not a few seconds hidden in the department mean."""
    targets = sla_selectors.channel_first_response_targets()
    names = dict(Channel.choices)
    rows = []
    for group in channels:
        figures = group.figures
        if not figures["conversations"]:
            continue
        target = targets.get(group.key)
        rows.append(
            {
                "channel": group.key,
                "label": str(names.get(group.key, group.key)),
                "conversations": figures["conversations"],
                "frt_mean_s": figures["frt_mean_s"],  # seconds: the page words them
                "target_s": target,
                "over_target": format_value(
                    "frt_over_target_rate", figures["frt_over_target_rate"], lang
                ),
            }
        )
    return rows


def radar(
    current: Figures,
    target_map: dict[str, float],
    benchmarks: list,
    chosen: str,
    lang: str,
) -> dict:
    """Scores 0–1 (better outward, `catalogue.radar_score`) of the period, the targets and
    each benchmark set; `text` keeps the figures as read."""

    def series(name: str, values: dict, slug: str = "") -> dict:
        return {
            "slug": slug,
            "name": name,
            "scores": [radar_score(k, values.get(k)) for k in RADAR_KEYS],
            "text": [format_value(k, values.get(k), lang) for k in RADAR_KEYS],
        }

    sets = [series(b.name, values, b.slug) for b, values in benchmarks]
    slugs = [s["slug"] for s in sets]
    return {
        "indicators": [{"name": FIGURES[k].label(lang), "max": 1} for k in RADAR_KEYS],
        "period": series(_("This period"), current),
        "targets": series(_("Targets"), target_map),
        "benchmarks": sets,
        "chosen": chosen if chosen in slugs else (slugs[0] if slugs else ""),
    }


def team_bars(
    groups: list[Group], key: str, target: float | None, lang: str, link_query: str
) -> dict:
    """One bar per team with its figure; each links to the team page."""
    bars = []
    for g in groups:
        value = g.figures[key]
        url = ""
        if g.key is not None:
            url = f"{reverse('metrics:team', args=[g.key])}?{link_query}"
        bars.append(
            {
                "team_id": g.key,
                "name": g.label or _("No team"),
                "value": value,
                "text": format_value(key, value, lang),
                "conversations": g.figures["conversations"],
                "status": _status(key, value, target),
                "url": url,
            }
        )
    return {
        "key": key,
        "label": FIGURES[key].label(lang),
        "target": target,
        "target_text": format_value(key, target, lang) if target is not None else "",
        "bars": bars,
    }


# --- trends ------------------------------------------------------------------------------
def visible_actions(user, date_from: date, date_to: date, team: Team | None):
    """Improvement actions in the period: department-wide ones and those of teams the user
    may see (of the chosen team only, when one is chosen)."""
    actions = ImprovementAction.objects.filter(on__gte=date_from, on__lte=date_to)
    if team is not None:
        return actions.filter(Q(team__isnull=True) | Q(team=team)).select_related("team")
    return restrict(actions, user).select_related("team")


def month_series(
    months: list, keys: tuple[str, ...], lang: str, targets: dict[str, float] | None = None
) -> list[dict]:
    """One chart series per figure over monthly groups (values, display text, target)."""
    series = []
    for key in keys:
        item = {
            "key": key,
            "name": FIGURES[key].label(lang),
            "unit": FIGURES[key].unit,
            "values": [g.figures[key] for g in months],
            "text": [format_value(key, g.figures[key], lang) for g in months],
        }
        if targets is not None:
            item["target"] = targets.get(key)
        series.append(item)
    return series


def trends(scope: Scope, actions, lang: str) -> dict:
    """NPS and CSAT per month with the improvement actions as markers (one selector call)."""
    months = selectors.figures(scope, "month", percentiles=False)
    month_keys = [g.key for g in months]
    markers: dict[str, list[str]] = defaultdict(list)
    listed = []
    for action in actions:
        month = periods.month_key(action.on)
        team = action.team.name if action.team else ""
        markers[month].append(f"{action.on:%m-%d} {action.title}" + (f" ({team})" if team else ""))
        listed.append(
            {"on": action.on.isoformat(), "title": action.title, "note": action.note, "team": team}
        )
    return {
        "months": month_keys,
        "series": month_series(months, TREND_KEYS, lang),
        "markers": [
            {"month": month, "label": "；".join(titles)}
            for month, titles in markers.items()
            if month in month_keys
        ],
        "actions": listed,
        "conversations": [g.figures["conversations"] for g in months],
    }


def quarter_heatmap(scope: Scope, lang: str, keys=HEATMAP_KEYS) -> dict:
    """Quarter × team change of each key from the previous quarter: one `grouped(…, "team")`
    per quarter the period touches, plus the quarter before the first."""
    quarters = quarters_of(scope.date_from, scope.date_to)
    if not quarters:
        return {"quarters": [], "teams": [], "metrics": {}}
    before = quarters_of(quarters[0][1] - timedelta(days=1), quarters[0][1] - timedelta(days=1))
    per_quarter = [
        selectors.grouped(scope.narrow(date_from=start, date_to=end), "team", percentiles=False)
        for _key, start, end in before + quarters
    ]
    team_keys = list({k for result in per_quarter[1:] for k in result})
    labels = selectors.group_labels("team", team_keys)
    team_keys.sort(key=lambda k: (k is None, labels.get(k) or ""))
    metrics = {}
    for key in keys:
        cells, extent = [], 0.0
        for x, (quarter, previous) in enumerate(zip(per_quarter[1:], per_quarter, strict=False)):
            for y, team in enumerate(team_keys):
                now = (quarter.get(team) or {}).get(key)
                then = (previous.get(team) or {}).get(key)
                change = now - then if now is not None and then is not None else None
                if change is not None:
                    extent = max(extent, abs(change))
                _quarter, q_start, q_end = quarters[x]
                cells.append(
                    {
                        "value": [x, y, change if change is not None else "-"],
                        "url": _drivers_url(key, q_start, q_end, team) if team else "",
                        "change": format_change(key, now, then),
                        "now": format_value(key, now, lang),
                        "then": format_value(key, then, lang),
                    }
                )
        metrics[key] = {"label": FIGURES[key].label(lang), "cells": cells, "extent": extent}
    return {
        "quarters": [key for key, _start, _end in quarters],
        "teams": [labels.get(k) or _("No team") for k in team_keys],
        "metrics": metrics,
        "labels": {
            "change": _("Change from the previous quarter"),
            "open": _("Click for the drivers of the change"),
        },
    }


def _drivers_url(key: str, date_from: date, date_to: date, team_id: int) -> str:
    params = {"kpi": key, "from": date_from.isoformat(), "to": date_to.isoformat()}
    return f"{reverse('metrics:drivers')}?{urlencode(params | {'team': team_id})}"


# --- drill-down: teams, a team's agents, an agent ---------------------------------------
def teams_table(scope: Scope, key: str, lang: str) -> dict:
    """All teams in view for one figure, each against its own target."""
    percentiles = key in PERCENTILE_KEYS
    total = selectors.totals(scope, percentiles=percentiles)
    groups = selectors.figures(scope, "team", percentiles=percentiles)
    before_from, before_to = periods.previous_period(scope.date_from, scope.date_to)
    previous_scope = scope.narrow(date_from=before_from, date_to=before_to)
    before = selectors.grouped(previous_scope, "team", percentiles=percentiles)
    previous_total = selectors.totals(previous_scope, percentiles=percentiles)
    department = selectors.targets()
    start, end = scope.date_from, scope.date_to
    where = {"channel": scope.channel}
    rows = []
    for g in groups:
        target = selectors.targets(g.key).get(key) if g.key is not None else department.get(key)
        then = (before.get(g.key) or {}).get(key)
        rows.append(
            figure_row(
                key,
                g.figures[key],
                target,
                lang,
                team_id=g.key,
                name=g.label or _("No team"),
                conversations=g.figures["conversations"],
                drill=drill_url(key, start, end, team=g.key, **where) if g.key else "",
                **change_cells(key, g.figures[key], then, lang),
            )
        )
    summary = figure_row(
        key,
        total[key],
        department.get(key),
        lang,
        conversations=total["conversations"],
        drill=drill_url(key, start, end, team=(scope.team_ids or [None])[0], **where),
        **change_cells(key, total[key], previous_total[key], lang),
    )
    return {"summary": summary, "rows": rows, "chart": _table_chart(rows, key, lang)}


def change_cells(key: str, now, then, lang: str) -> dict:
    """The change-vs-previous-period column of a figure table: the previous period's
    value, the change as text, and whether it went the good way."""
    change = now - then if now is not None and then is not None else None
    good = None
    if change:
        good = (change > 0) == FIGURES[key].higher_is_better
    return {
        "previous_text": format_value(key, then, lang),
        "change": change,
        "change_text": format_change(key, now, then),
        "change_good": good,
    }


def _table_chart(rows: list[dict], key: str, lang: str) -> dict:
    return {
        "label": FIGURES[key].label(lang),
        "unit": FIGURES[key].unit,
        "names": [r["name"] for r in rows],
        "values": [r["value"] for r in rows],
        "text": [r["text"] for r in rows],
        "status": [r["status"] for r in rows],
        "targets": [r["target"] for r in rows],
    }


def team_agents(scope: Scope, team: Team, key: str, lang: str) -> dict:
    """A team's figure and its agents' (each against the target of their tier)."""
    scope = scope.narrow(team_ids=(team.pk,))
    total = selectors.totals(scope)
    groups = selectors.figures(scope, "agent")
    agents = Agent.objects.in_bulk([g.key for g in groups if g.key is not None])
    tier_targets: dict[str, dict] = {}

    def target_for(tier: str) -> float | None:
        if tier not in tier_targets:
            tier_targets[tier] = selectors.targets(team.pk, tier)
        return tier_targets[tier].get(key)

    start, end = scope.date_from, scope.date_to
    rows = []
    for g in groups:
        agent = agents.get(g.key)
        rows.append(
            figure_row(
                key,
                g.figures[key],
                target_for(agent.tier if agent else ""),
                lang,
                agent_id=g.key,
                name=agent.name if agent else _("No agent"),
                external_id=agent.external_id if agent else "",
                tier=agent.get_tier_display() if agent and agent.tier else "",
                conversations=g.figures["conversations"],
                drill=drill_url(key, start, end, agent=g.key, team=team.pk, channel=scope.channel)
                if g.key
                else "",
            )
        )
    rows.sort(key=lambda r: (r["value"] is None, r["name"]))
    summary = figure_row(
        key,
        total[key],
        target_for(""),
        lang,
        conversations=total["conversations"],
        drill=drill_url(key, start, end, team=team.pk, channel=scope.channel),
    )
    return {"summary": summary, "rows": rows, "chart": _table_chart(rows, key, lang)}


def agent_page(
    user, agent: Agent, date_from: date, date_to: date, lang: str, time: str = CALENDAR_TIME
) -> dict:
    """An agent's figures against their team's aggregate and their targets, and their
    monthly trend over the 12 months ending with the period (four selector calls)."""
    own_scope = selectors.scope_for(user, date_from, date_to, agent_ids=(agent.pk,), time=time)
    own = selectors.totals(own_scope)
    # The team's aggregate is shown to the agent too: a team total, nobody's own figures.
    team = (
        selectors.totals(
            Scope(date_from, date_to, visible=ALL, team_ids=(agent.team_id,), time=time)
        )
        if agent.team_id
        else selectors.empty_figures()
    )
    target_map = selectors.targets(agent.team_id, agent.tier)
    rows = [
        figure_row(
            key,
            own[key],
            target_map.get(key),
            lang,
            team_text=format_value(key, team[key], lang),
            versus_team=_direction(key, own[key], team[key]),
            drill=drill_url(key, date_from, date_to, agent=agent.pk),
        )
        for key in CARD_KEYS
    ]
    trend_from, trend_to = months_ending(date_to, TREND_MONTHS)
    months = selectors.figures(own_scope.narrow(date_from=trend_from, date_to=trend_to), "month")
    trend = {
        "months": [g.key for g in months],
        "series": month_series(months, AGENT_TREND_KEYS, lang, target_map),
    }
    return {"rows": rows, "trend": trend, "conversations": own["conversations"]}


# --- workload ----------------------------------------------------------------------------
def workload(scope: Scope, lang: str) -> dict:
    """Per agent: conversations, mean handle time, share of their team's volume and the
    deviation from the team's mean (both among the agents listed). One selector call."""
    groups = [g for g in selectors.figures(scope, "agent", percentiles=False) if g.key is not None]
    agents = Agent.objects.select_related("team").in_bulk([g.key for g in groups])
    team_volume: dict[int | None, int] = defaultdict(int)
    team_size: dict[int | None, int] = defaultdict(int)
    for g in groups:
        team_id = agents[g.key].team_id if g.key in agents else None
        team_volume[team_id] += g.figures["conversations"]
        team_size[team_id] += 1
    rows = []
    for g in groups:
        agent = agents.get(g.key)
        team_id = agent.team_id if agent else None
        volume = g.figures["conversations"]
        mean = team_volume[team_id] / team_size[team_id]
        share = volume / team_volume[team_id] if team_volume[team_id] else None
        deviation = volume / mean - 1 if mean else None
        rows.append(
            {
                "agent_id": g.key,
                "name": agent.name if agent else str(g.label),
                "external_id": agent.external_id if agent else "",
                "team": agent.team.name if agent and agent.team else "",
                "conversations": volume,
                "conversations_text": format_value("conversations", volume, lang),
                "aht_s": g.figures["aht_s"],
                "aht_text": format_value("aht_s", g.figures["aht_s"], lang),
                "share_text": f"{share * 100:.1f}%" if share is not None else "—",
                "team_mean_text": f"{mean:.1f}",
                "deviation": deviation,
                "deviation_text": f"{deviation * 100:+.1f}%" if deviation is not None else "—",
                "band": _band(deviation),
                "url": reverse("metrics:agent", args=[g.key]),
            }
        )
    rows.sort(key=lambda r: (-r["conversations"], r["name"]))
    return {
        "rows": rows,
        "labels": {
            "conversations": FIGURES["conversations"].label(lang),
            "aht": FIGURES["aht_s"].label(lang),
            "share": _("Share of team volume"),
            "deviation": _("Deviation from team mean"),
        },
    }


def _band(deviation: float | None, tolerance: float = 0.2) -> str:
    if deviation is None:
        return "none"
    if deviation > tolerance:
        return "high"
    if deviation < -tolerance:
        return "low"
    return "even"


# The NPS drill-down lists every surveyed conversation, or one group of them.
NPS_GROUPS = {
    "all": {"nps_n": 1},
    "promoters": {"nps_promoters": 1},
    "passives": {"nps_n": 1, "nps_promoters": 0, "nps_detractors": 0},
    "detractors": {"nps_detractors": 1},
}


def nps_group_labels() -> dict[str, str]:
    return {
        "all": _("All surveyed"),
        "promoters": _("Promoters (9–10)"),
        "passives": _("Passives (7–8)"),
        "detractors": _("Detractors (0–6)"),
    }


# --- drivers: who and what contributed to a change ---------------------------------------
DRIVER_GROUPINGS = ("team", "channel", "scene", "segment")


def drivers(scope: Scope, key: str, lang: str) -> dict:
    """The figure in the period against the period of the same length before it, and how
    much each team, channel, category and customer segment contributed to the change, split into
    performance and mix (`core.drivers`, one definition)."""
    before_from, before_to = periods.previous_period(scope.date_from, scope.date_to)
    previous = scope.narrow(date_from=before_from, date_to=before_to)
    tables = []
    overall = None
    for by in DRIVER_GROUPINGS:
        result = core_drivers.decompose(
            key, selectors.grouped_stats(previous, by), selectors.grouped_stats(scope, by)
        )
        overall = overall or result
        labels = (
            selectors.group_labels(by, [c.group for c in result.contributions])
            if by != "scene"
            else {}
        )
        largest = max((abs(c.total) for c in result.contributions), default=0) or 1
        rows = [
            {
                "group": c.group,
                "name": _driver_name(by, c.group, labels),
                "before": format_value(key, c.before, lang),
                "after": format_value(key, c.after, lang),
                "weight_before": f"{c.weight_before * 100:.1f}%",
                "weight_after": f"{c.weight_after * 100:.1f}%",
                "performance": _delta(key, c.performance),
                "mix": _delta(key, c.mix),
                "total": _delta(key, c.total),
                "total_value": c.total,
                "good": None if not c.total else (c.total > 0) == FIGURES[key].higher_is_better,
                "bar": round(abs(c.total) / largest * 100),
                "team_url": reverse("metrics:team", args=[c.group])
                if by == "team" and c.group is not None
                else "",
            }
            for c in result.contributions
        ]
        tables.append({"by": by, "title": _DRIVER_TITLES[by](), "rows": rows})
    assert overall is not None
    return {
        "key": key,
        "label": FIGURES[key].label(lang),
        "before": format_value(key, overall.before, lang),
        "after": format_value(key, overall.after, lang),
        "change": format_change(key, overall.after, overall.before),
        "previous": (before_from, before_to),
        "tables": tables,
        "counts": key == "conversations",
    }


_DRIVER_TITLES = {
    "team": lambda: _("By team"),
    "channel": lambda: _("By channel"),
    "scene": lambda: _("By category (scene)"),
    "segment": lambda: _("By customer segment"),
}


def _driver_name(by: str, group, labels: dict) -> str:
    if group is None or group == "":
        return {"team": _("No team"), "segment": _("No segment"), "scene": _("No category")}.get(
            by, "—"
        )
    if by == "channel":
        return str(Channel(group).label) if group in Channel.values else str(group)
    return str(labels.get(group) or group)


def _delta(key: str, value: float) -> str:
    """A contribution in the figure's own unit ("+2.1 pp", "−3.0")."""
    if key == "conversations":
        return f"{value:+,.0f}".replace("-", "−")
    return format_change(key, value, 0.0)


# --- the conversations behind a figure ---------------------------------------------------
def behind_conversations(
    user,
    key: str,
    date_from: date,
    date_to: date,
    *,
    agent_id: int | None = None,
    team_id: int | None = None,
    channel: str = "",
    behind: dict | None = None,
) -> QuerySet[Conversation]:
    """The user's visible conversations of the period whose facts match the figure's
    `behind` conditions (all of them for a figure without conditions, e.g. volume).

    A correlated EXISTS on the fact's primary key rather than `pk IN (facts)`: SQLite
    then walks the created_at index and stops after one page (10 ms at 1M conversations)
    instead of sorting every match (80 ms for a month of unresolved-first-time ones)."""
    conditions = FIGURES[key].behind if behind is None else behind
    facts = KpiFact.objects.filter(conversation_id=OuterRef("pk"), **conditions)
    conversations = conversations_visible_to(user).filter(
        **periods.lookups("created_at", date_from, date_to, timezone.get_default_timezone())
    )
    if agent_id is not None:
        conversations = conversations.filter(agent_id=agent_id)
    if team_id is not None:
        conversations = conversations.filter(team_id=team_id)
    if channel:
        conversations = conversations.filter(channel=channel)
    return conversations.filter(Exists(facts))
