"""KPI dashboards: overview, trends, drill-down (teams → agents → conversations), the
agent page and workload. Every figure comes from `kefu.metrics.selectors` through
`kefu.metrics.dashboards`; the data is always the user's scope (`scope_for`)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from kefu.accounts.access import (
    agents_visible_to,
    drillable_teams,
    may_view_teams,
    own_agent_id,
    teams_visible_to,
)
from kefu.core.params import parse_id
from kefu.interactions.choices import Channel
from kefu.interactions.views import render_conversation_list
from kefu.lib.language import language
from kefu.metrics import dashboards
from kefu.metrics.core import drivers as core_drivers
from kefu.metrics.core.catalogue import FIGURES
from kefu.metrics.facts import page_state
from kefu.metrics.forms import PeriodForm
from kefu.metrics.page_reads import counted_on_page
from kefu.metrics.selectors import scope_for

_CHANNELS = frozenset(Channel.values)


def _kpi(request: HttpRequest) -> str:
    key = request.GET.get("kpi") or dashboards.DEFAULT_KPI
    return key if key in FIGURES else dashboards.DEFAULT_KPI


def _int(request: HttpRequest, name: str) -> int | None:
    return parse_id(request.GET.get(name))


def _common(request: HttpRequest, form: PeriodForm) -> dict:
    start, end = form.period
    return {
        "form": form,
        "date_from": start,
        "date_to": end,
        "query": form.query(),
        "review_month": f"{end:%Y-%m}",
        "may_view_teams": may_view_teams(request.user),
        "own_agent_id": own_agent_id(request.user),
        "time_toggle": True,
        "kpi_counting": page_state(),
    }


def _page(request: HttpRequest, template: str, form: PeriodForm, **context) -> HttpResponse:
    return render(request, template, _common(request, form) | context)


@login_required
@require_GET
@counted_on_page
def overview(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET, request.user, dashboards.default_period)
    start, end = form.period
    scope = scope_for(request.user, start, end, **form.narrowing)
    lang = language()
    team_chart = may_view_teams(request.user)
    data = dashboards.overview(
        scope,
        dashboards.overview_targets(request.user, form.chosen_team),
        lang=lang,
        benchmark=request.GET.get("benchmark", ""),
        team_chart=team_chart,
        link_query=form.query(kpi=dashboards.DEFAULT_KPI),
    )
    return _page(request, "metrics/overview.html", form, data=data)


@login_required
@require_GET
@counted_on_page
def trends(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET, request.user, dashboards.default_months)
    start, end = form.period
    scope = scope_for(request.user, start, end, **form.narrowing)
    lang = language()
    actions = dashboards.visible_actions(request.user, start, end, form.chosen_team)
    heatmap = None
    if may_view_teams(request.user):
        heatmap = dashboards.quarter_heatmap(scope, lang)
    return _page(
        request,
        "metrics/trends.html",
        form,
        trend=dashboards.trends(scope, actions, lang),
        heatmap=heatmap,
    )


@login_required
@require_GET
@counted_on_page
def teams(request: HttpRequest) -> HttpResponse:
    if not may_view_teams(request.user):
        raise Http404
    form = PeriodForm(request.GET, request.user, dashboards.default_period)
    start, end = form.period
    key = _kpi(request)
    scope = scope_for(request.user, start, end, **form.narrowing)
    lang = language()
    return _page(
        request,
        "metrics/teams.html",
        form,
        kpi=key,
        figure_label=FIGURES[key].label(lang),
        kpi_choices=dashboards.kpi_choices(lang),
        table=dashboards.teams_table(scope, key, lang),
    )


@login_required
@require_GET
@counted_on_page
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(drillable_teams(request.user), pk=team_id)
    form = PeriodForm(request.GET, request.user, dashboards.default_period, filters=False)
    start, end = form.period
    key = _kpi(request)
    channel = request.GET.get("channel", "")
    channel = channel if channel in _CHANNELS else ""
    scope = scope_for(request.user, start, end, channel=channel, time=form.chosen_time)
    lang = language()
    return _page(
        request,
        "metrics/team.html",
        form,
        team=team,
        kpi=key,
        figure_label=FIGURES[key].label(lang),
        kpi_choices=dashboards.kpi_choices(lang),
        table=dashboards.team_agents(scope, team, key, lang),
    )


@login_required
@require_GET
@counted_on_page
def agent(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = get_object_or_404(agents_visible_to(request.user).select_related("team"), pk=agent_id)
    form = PeriodForm(request.GET, request.user, dashboards.default_period, filters=False)
    start, end = form.period
    lang = language()
    return _page(
        request,
        "metrics/agent.html",
        form,
        agent=agent,
        is_self=agent.pk == own_agent_id(request.user),
        data=dashboards.agent_page(request.user, agent, start, end, lang, time=form.chosen_time),
    )


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    agent_id = own_agent_id(request.user)
    if agent_id is None:  # no agent record: the overview is their dashboard
        return redirect("metrics:overview")
    query = request.GET.urlencode()
    url = reverse("metrics:agent", args=[agent_id])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
@counted_on_page
def workload(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET, request.user, dashboards.default_period)
    start, end = form.period
    scope = scope_for(request.user, start, end, **form.narrowing)
    return _page(
        request,
        "metrics/workload.html",
        form,
        data=dashboards.workload(scope, language()),
    )


@login_required
@require_GET
@counted_on_page
def drivers(request: HttpRequest) -> HttpResponse:
    """What drove a figure's change from the previous period: contributions by team,
    channel, category and customer segment."""
    if not may_view_teams(request.user):
        raise Http404
    form = PeriodForm(request.GET, request.user, dashboards.default_period)
    start, end = form.period
    key = request.GET.get("kpi", "nps")
    if key not in FIGURES or not core_drivers.decomposable(key):
        key = "nps"
    scope = scope_for(request.user, start, end, **form.narrowing)
    lang = language()
    choices = [
        (k, label) for k, label in dashboards.kpi_choices(lang) if core_drivers.decomposable(k)
    ]
    return _page(
        request,
        "metrics/drivers.html",
        form,
        kpi=key,
        figure_label=FIGURES[key].label(lang),
        kpi_choices=choices,
        data=dashboards.drivers(scope, key, lang),
    )


@login_required
@require_GET
def conversations(request: HttpRequest) -> HttpResponse:
    """The conversations behind a figure, in the conversation list's table."""
    key = request.GET.get("kpi", "")
    if key not in FIGURES:
        raise Http404
    form = PeriodForm(request.GET, request.user, dashboards.default_period, filters=False)
    start, end = form.period
    agent_id, team_id = _int(request, "agent"), _int(request, "team")
    agent = team = None
    if agent_id is not None:
        agent = get_object_or_404(agents_visible_to(request.user), pk=agent_id)
    if team_id is not None:
        team = get_object_or_404(teams_visible_to(request.user), pk=team_id)
    channel = request.GET.get("channel", "")
    channel = channel if channel in _CHANNELS else ""
    where = {"agent_id": agent_id, "team_id": team_id, "channel": channel}
    lang = language()
    figure = FIGURES[key]
    behind_label = figure.behind_label(lang)
    nps_groups = None
    if key == "nps":  # every surveyed conversation, by group
        group = request.GET.get("group", "all")
        group = group if group in dashboards.NPS_GROUPS else "all"
        labels = dashboards.nps_group_labels()
        behind_label = labels[group]
        nps_groups = [
            {
                "key": name,
                "label": labels[name],
                "current": name == group,
                "count": dashboards.behind_conversations(
                    request.user, key, start, end, behind=conditions, **where
                ).count(),
            }
            for name, conditions in dashboards.NPS_GROUPS.items()
        ]
        matching = dashboards.behind_conversations(
            request.user, key, start, end, behind=dashboards.NPS_GROUPS[group], **where
        )
    else:
        matching = dashboards.behind_conversations(request.user, key, start, end, **where)
    context = _common(request, form) | {
        "kpi": key,
        "figure_label": figure.label(lang),
        "behind_label": behind_label,
        "nps_groups": nps_groups,
        "agent": agent,
        "team": team,
        "channel_label": Channel(channel).label if channel else "",
    }
    return render_conversation_list(
        request,
        matching,
        "metrics/conversations.html",
        context,
        audit_object_type="kpi_conversations",
    )
