"""QA pages: the results list, a conversation's QA page (hits marked on the messages, the
score explained, earlier results), the per-agent summary and the problem dashboard.

Every query set comes from the scoped selectors (`kefu.qa.selectors`, which follow
`kefu.accounts.access`): agents see their own results, supervisors their teams',
QA / trainers / managers / admins everything; an object outside the scope is 404.
Personal data in message text is masked unless the user may see it (and then audited).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from kefu.accounts.access import (
    agents_visible_to,
    conversations_visible_to,
    may_view_teams,
    own_agent_id,
)
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.params import parse_id
from kefu.interactions.choices import Channel
from kefu.interactions.views import is_htmx_fragment, page_total, personal_view
from kefu.qa import dashboards, feedback
from kefu.qa.forms import PeriodForm, ResultFilterForm
from kefu.qa.models import FeedbackStatus
from kefu.qa.selectors import (
    hit_rollups_visible_to,
    hits_visible_to,
    result_rollups_visible_to,
    results_visible_to,
)


def _base(request: HttpRequest) -> dict:
    return {"own_agent_id": own_agent_id(request.user)}


@login_required
@require_GET
def results(request: HttpRequest) -> HttpResponse:
    """Current results in the user's scope, newest day first, keyset-paged."""
    lang = dashboards.language()
    names = dashboards.indicator_names(lang)
    form = ResultFilterForm(
        request.GET, request.user, indicators=dashboards.indicator_choices(names), lang=lang
    )
    chosen = form.data_ok
    narrowed = dashboards.narrowing(
        request.user, agent=chosen.get("agent"), team=chosen.get("team")
    )
    page, matching = dashboards.result_page(
        form,
        dashboards.current_rows(results_visible_to(request.user), narrowed),
        dashboards.current_rows(hits_visible_to(request.user), narrowed),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
    )
    dashboards.decorate_rows(page.items, names, lang)
    total, total_capped = page_total(matching, page, request)
    context = _base(request) | {
        "form": form,
        "page": page,
        "total": total,
        "total_capped": total_capped,
    }
    template = "qa/results.html"
    if is_htmx_fragment(request):
        template = "qa/partials/results_table.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def conversation(request: HttpRequest, external_id: str) -> HttpResponse:
    conversation = get_object_or_404(
        conversations_visible_to(request.user).select_related("agent", "team"),
        external_id=external_id,
    )
    history = list(
        results_visible_to(request.user, current=False)
        .filter(conversation=conversation)
        .select_related("scorecard_version__scorecard")
        .order_by("-is_current", "-scored_at", "-pk")
    )
    chosen = history[0] if history else None
    wanted = request.GET.get("result", "")
    wanted_id = parse_id(wanted)
    if wanted_id:
        chosen = next((r for r in history if r.pk == wanted_id), chosen)
    personal = personal_view(request)
    lang = dashboards.language()
    data = dashboards.conversation_page(conversation, history, chosen, personal, lang)
    judged = feedback.attach(data["hits"], conversation)
    names = dashboards.indicator_names(lang)
    set_aside = [
        {"name": names.get(f.indicator, f.indicator), "feedback": f}
        for f in judged.values()
        if f.status == FeedbackStatus.CONFIRMED
    ]
    if personal.unmasked:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="conversation",
            object_id=conversation.external_id,
            detail={"page": "qa"},
        )
    context = (
        _base(request)
        | data
        | {
            "conversation": conversation,
            "unmasked": personal.unmasked,
            "is_phone": conversation.channel == Channel.PHONE,
            "set_aside": set_aside,
            "may_judge": chosen is not None and chosen.is_current,
        }
    )
    return render(request, "qa/conversation.html", context)


@login_required
@require_GET
def agent(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = get_object_or_404(agents_visible_to(request.user).select_related("team"), pk=agent_id)
    form = PeriodForm(request.GET, request.user, dashboards.default_months_noted, team=False)
    start, end = form.period
    lang = dashboards.language()
    data = dashboards.agent_summary(
        result_rollups_visible_to(request.user),
        hit_rollups_visible_to(request.user),
        hits_visible_to(request.user),
        agent,
        start,
        end,
        lang,
    )
    context = _base(request) | {
        "form": form,
        "date_from": start,
        "date_to": end,
        "query": form.query(),
        "agent": agent,
        "is_self": agent.pk == own_agent_id(request.user),
        "data": data,
    }
    return render(request, "qa/agent.html", context)


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    agent_id = own_agent_id(request.user)
    if agent_id is None:  # no agent record: the dashboard is their page
        return redirect("qa:dashboard")
    query = request.GET.urlencode()
    url = reverse("qa:agent", args=[agent_id])
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    teams = may_view_teams(request.user)
    form = PeriodForm(request.GET, request.user, dashboards.default_months_noted, team=teams)
    start, end = form.period
    team = form.chosen_team
    result_rollups = result_rollups_visible_to(request.user)
    hit_rollups = hit_rollups_visible_to(request.user)
    hits = hits_visible_to(request.user)
    if team is not None:
        result_rollups = result_rollups.filter(team_id=team.pk)
        hit_rollups = hit_rollups.filter(team_id=team.pk)
        hits = hits.filter(team=team)
    indicator = request.GET.get("indicator", "")
    data = dashboards.dashboard(
        result_rollups, hit_rollups, hits, start, end, indicator, dashboards.language()
    )
    context = _base(request) | {
        "form": form,
        "date_from": start,
        "date_to": end,
        "query": form.query(),
        "data": data,
        "may_view_teams": teams,
    }
    return render(request, "qa/dashboard.html", context)
