"""Review cycles: the list, a cycle's ranking, an agent's review and the conversations
behind each figure; computing a cycle and its Excel export (managers)."""

from __future__ import annotations

import io

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kefu.accounts.access import conversations_visible_to, own_agent_id
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.lib.downloads import xlsx_response
from kefu.lib.errors import ActionError
from kefu.performance import presenters
from kefu.performance.actions import cycles as actions
from kefu.performance.auditing import audit_view
from kefu.performance.choices import CycleKind
from kefu.performance.exports import cycle_workbook
from kefu.performance.selectors import cycles as selectors
from kefu.performance.sources import evidence as evidence_of
from kefu.performance.sources import source


class CycleForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=CycleKind.choices)
    start = forms.DateField(
        label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100, required=False)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    cycles = selectors.cycles_visible_to(request.user)
    own = own_agent_id(request.user)
    # An agent reads their own newest review.
    if own is not None and not selectors.reviewable_agents(request.user).exclude(pk=own).exists():
        latest = selectors.scores_visible_to(request.user).filter(agent_id=own).first()
        if latest is not None:
            return redirect("performance:review", latest.cycle_id, own)
    return render(
        request,
        "performance/cycles/list.html",
        {
            "tab": "cycles",
            "cycles": cycles,
            "form": CycleForm() if request.user.has_perm(MANAGE_PERFORMANCE) else None,
        },
    )


@login_required
@require_POST
def create(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied
    form = CycleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the cycle's kind and start date."))
        return redirect("performance:home")
    try:
        cycle = actions.create_cycle(
            request.user, form.cleaned_data["kind"], form.cleaned_data["start"],
            form.cleaned_data["name"],
        )  # fmt: skip
    except ActionError as exc:
        messages.error(request, exc.detail)
        return redirect("performance:home")
    return redirect("performance:cycle", cycle.pk)


@login_required
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(selectors.cycles_visible_to(request.user), pk=cycle_id)
    filterset = selectors.ScoreFilterSet(
        request.GET, selectors.scores_visible_to(request.user).filter(cycle=cycle)
    )
    scores = list(filterset.qs)  # an invalid filter is not applied
    ranked = selectors.ranking(scores)
    groups = {r.rank for r in ranked if r.group_size > 1}
    return render(
        request,
        "performance/cycles/detail.html",
        {
            "tab": "cycles",
            "cycle": cycle,
            "form": filterset.form,
            "ranked": ranked,
            "tied_groups": len(groups),
            "manager": request.user.has_perm(MANAGE_PERFORMANCE),
        },
    )


@login_required
@require_POST
def compute(request: HttpRequest, cycle_id: int) -> HttpResponse:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied
    cycle = get_object_or_404(selectors.cycles_visible_to(request.user), pk=cycle_id)
    try:
        written = actions.compute(cycle, request.user)
    except ActionError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("%(count)d reviews computed.") % {"count": written})
    return redirect("performance:cycle", cycle.pk)


@login_required
def review(request: HttpRequest, cycle_id: int, agent_id: int) -> HttpResponse:
    score = get_object_or_404(
        selectors.scores_visible_to(request.user).select_related("template"),
        cycle_id=cycle_id,
        agent_id=agent_id,
    )
    audit_view(request, agent_id, "review")
    team_scores = [
        s.final_score
        for s in selectors.scores_visible_to(request.user).filter(
            cycle_id=cycle_id, team_id=score.team_id
        )
        if s.final_score is not None
    ]
    return render(
        request,
        "performance/cycles/review.html",
        {
            "tab": "cycles",
            "score": score,
            "cycle": score.cycle,
            "agent": score.agent,
            "lines": presenters.lines_of(score),
            "dimensions": presenters.dimension_rows(score),
            "development_cut": score.dimensions.get("development_cut"),
            "adjustments": score.adjustments.all(),
            "team_size": len(team_scores),
        },
    )


@login_required
def figure_evidence(request: HttpRequest, cycle_id: int, agent_id: int, key: str) -> HttpResponse:
    score = get_object_or_404(
        selectors.scores_visible_to(request.user), cycle_id=cycle_id, agent_id=agent_id
    )
    definition = source(key)
    if definition is None or key not in {entry["source"] for entry in score.details}:
        raise Http404
    audit_view(request, agent_id, "evidence")
    cycle = score.cycle
    behind = evidence_of(key, agent_id, cycle.start, cycle.end, cycle)
    visible = conversations_visible_to(request.user).filter(pk__in=behind.values("pk"))
    total = visible.count()
    return render(
        request,
        "performance/cycles/evidence.html",
        {
            "tab": "cycles",
            "score": score,
            "cycle": cycle,
            "agent": score.agent,
            "label": definition.label,
            "source": key,
            "conversations": visible.order_by("-created_at")[:200],
            "total": total,
        },
    )


@login_required
def export(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(selectors.cycles_visible_to(request.user), pk=cycle_id)
    scores = list(selectors.scores_visible_to(request.user).filter(cycle=cycle))
    if not scores:
        raise Http404
    stream = io.BytesIO()
    cycle_workbook(cycle, selectors.ranking(scores), stream)
    audit(
        AuditAction.EXPORT,
        request=request,
        user=request.user,
        object_type="performance.cycle",
        object_id=str(cycle.pk),
        detail={"reviews": len(scores)},
    )
    return xlsx_response(stream.getvalue(), f"performance-{cycle.pk}.xlsx")


urls = [
    path("cycles/new/", create, name="cycle_create"),
    path("cycles/<int:cycle_id>/", cycle_detail, name="cycle"),
    path("cycles/<int:cycle_id>/compute/", compute, name="compute"),
    path("cycles/<int:cycle_id>/export/", export, name="cycle_export"),
    path("cycles/<int:cycle_id>/agents/<int:agent_id>/", review, name="review"),
    path(
        "cycles/<int:cycle_id>/agents/<int:agent_id>/figures/<str:key>/",
        figure_evidence,
        name="evidence",
    ),
]
