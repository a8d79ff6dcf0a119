"""The promotion pool (晋升池): who meets the criteria (certificate, sustained score, 360
mean, no fatal QA hit), the reserve team-lead pool and the conversion. Managers manage the
pool; supervisors see their teams' candidates; agents see their own standing."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.access import CHANGE, own_agent_id, restrict, supervised_team_ids
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_PERFORMANCE, VIEW_ALL_PERFORMANCE
from kefu.lib.errors import ActionError
from kefu.performance import wording
from kefu.performance.actions import promotion as actions
from kefu.performance.apps import REVIEWS
from kefu.performance.auditing import audit_views
from kefu.performance.choices import PoolStatus
from kefu.performance.core import promotion as core
from kefu.performance.models import PerformanceSettings, PoolEntry
from kefu.performance.selectors import promotion as selectors
from kefu.performance.views._fair import refused, row_ids

ENTRIES_SHOWN = 300


def visible_agents(user):
    return restrict(Agent.objects.all(), user, REVIEWS)


def rows_of(standings: list[selectors.Standing], settings: PerformanceSettings) -> list[dict]:
    rules = selectors.rules(settings)
    names = [c.name for c in selectors.recent_quarters(rules.cycles)]
    since = core.months_before(timezone.localdate(), rules.no_fatal_months).isoformat()
    return [
        {
            "agent": s.agent,
            "eligible": s.eligible,
            "entry": s.entry,
            "criteria": wording.criterion_texts(
                s.evidence, s.checks, rules, names, since, settings.anonymity_threshold
            ),
        }
        for s in standings
    ]


@login_required
def promotion(request: HttpRequest) -> HttpResponse:
    user = request.user
    lists = user.has_perm(VIEW_ALL_PERFORMANCE) or bool(supervised_team_ids(user))
    own = own_agent_id(user)
    if not lists and own is None:
        raise PermissionDenied
    settings = PerformanceSettings.current()
    context: dict = {
        "tab": "promotion",
        "settings": settings,
        "manage": user.has_perm(MANAGE_PERFORMANCE),
        "lists": lists,
    }
    if lists:
        agents = visible_agents(user)
        entries = restrict(PoolEntry.objects.all(), user)
        standings = selectors.standings(selectors.considered(agents))
        shown_entries = list(
            entries.select_related("agent__team", "added_by")
            .annotate(
                open=Case(
                    When(status=PoolStatus.RESERVE, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            )
            .order_by("open", "-added_on", "pk")[:ENTRIES_SHOWN]
        )
        audit_views(
            request,
            [s.agent.pk for s in standings] + [e.agent_id for e in shown_entries],
            "promotion",
        )
        figures = selectors.pool_figures(agents, entries)
        context.update(
            figures=figures,
            conversion_text=wording.percent(figures.conversion),
            rows=rows_of(standings, settings),
            entries=shown_entries,
        )
    else:
        standings = selectors.standings(selectors.considered(Agent.objects.filter(pk=own)))
        context["mine"] = rows_of(standings, settings)[0] if standings else None
    return render(request, "performance/promotion/page.html", context)


def _require_manager(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied


@login_required
@require_POST
def add(request: HttpRequest, agent_id: int) -> HttpResponse:
    _require_manager(request)
    row_ids(agent_id)
    agent = get_object_or_404(visible_agents(request.user), pk=agent_id)
    try:
        actions.add(agent, user=request.user, note=request.POST.get("note", ""), request=request)
    except ActionError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("%(name)s is in the reserve pool.") % {"name": agent.name})
    return redirect("performance:promotion")


@login_required
@require_POST
def decide(request: HttpRequest, entry_id: int) -> HttpResponse:
    _require_manager(request)
    row_ids(entry_id)
    entry = get_object_or_404(restrict(PoolEntry.objects.all(), request.user, CHANGE), pk=entry_id)
    try:
        actions.decide(
            entry, request.POST.get("outcome", ""), user=request.user,
            note=request.POST.get("note", ""), request=request,
        )  # fmt: skip
    except ActionError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("performance:promotion")


urls = [
    path("promotion/", promotion, name="promotion"),
    path("promotion/agents/<int:agent_id>/add/", add, name="promotion_add"),
    path("promotion/entries/<int:entry_id>/decide/", decide, name="promotion_decide"),
]
