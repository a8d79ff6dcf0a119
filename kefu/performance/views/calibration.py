"""The calibration meeting (校准会): a cycle's score distribution per team, before and after
calibration; adjusting a review's score with a reason; the cycle's status (open →
calibrating → closed). Managers only; every adjustment is audited."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.access import CHANGE, restrict
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.errors import ActionError
from kefu.performance import links
from kefu.performance.actions import calibration as actions
from kefu.performance.auditing import audit_views
from kefu.performance.choices import CycleStatus
from kefu.performance.core import distribution
from kefu.performance.models import AgentScore, CalibrationAdjustment, Cycle
from kefu.performance.views._fair import cycles_with_reviews, pick, refused, row_ids

NO_TEAM = "—"


def require_manager(request: HttpRequest) -> None:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied


def distributions(scores: list[AgentScore]) -> dict:
    """Per team (and all together): the boxes of the computed and of the final scores,
    and the histograms, as the page's table and chart read them."""
    by_team: dict[str, list[AgentScore]] = defaultdict(list)
    for score in scores:
        by_team[score.team.name if score.team else NO_TEAM].append(score)
    rows = []
    for team in [*sorted(by_team), None]:
        members = scores if team is None else by_team[team]
        computed = distribution.box([s.score for s in members if s.score is not None])
        final = distribution.box([s.final_score for s in members if s.final_score is not None])
        rows.append(
            {
                "team": team,
                "computed": computed,
                "final": final,
                "adjusted": sum(1 for s in members if s.calibrated_score is not None),
            }
        )
    computed_bins = distribution.histogram([s.score for s in scores if s.score is not None])
    final_bins = distribution.histogram(
        [s.final_score for s in scores if s.final_score is not None]
    )
    teams = [r for r in rows if r["team"] is not None]
    chart = {
        "teams": [r["team"] for r in teams],
        "computed": [r["computed"].as_list() if r["computed"] else [] for r in teams],
        "final": [r["final"].as_list() if r["final"] else [] for r in teams],
        "bins": [f"{int(low)}–{int(low) + 5}" for low, _ in computed_bins],
        "computed_bins": [n for _, n in computed_bins],
        "final_bins": [n for _, n in final_bins],
        "labels": {
            "computed": _("Computed"),
            "final": _("After calibration"),
            "score": _("Score"),
            "agents": _("Agents"),
        },
    }
    return {"rows": rows, "chart": chart}


@login_required
def calibration(request: HttpRequest) -> HttpResponse:
    require_manager(request)
    cycles = cycles_with_reviews(request.user)
    cycle = pick(cycles, request)
    context: dict = {"tab": "calibration", "cycles": cycles, "cycle": cycle}
    if cycle is not None:
        scores = list(
            restrict(AgentScore.objects.filter(cycle=cycle), request.user)
            .select_related("agent", "team")
            .order_by("team__name", "-score", "agent__external_id")
        )
        for score in scores:
            score.review_link = links.review(cycle.pk, score.agent_id)
        adjustments = (
            restrict(CalibrationAdjustment.objects.filter(score__cycle=cycle), request.user)
            .select_related("score__agent", "by")
            .order_by("-at")
        )
        audit_views(request, [s.agent_id for s in scores], "calibration")
        context.update(
            scores=scores,
            adjustments=adjustments,
            open=cycle.status != CycleStatus.CLOSED,
            next_statuses=[
                (status, CycleStatus(status).label) for status in actions.TRANSITIONS[cycle.status]
            ],
            **distributions(scores),
        )
    return render(request, "performance/calibration/page.html", context)


def _back(cycle_id: int, anchor: str = "") -> HttpResponse:
    return redirect(f"{reverse('performance:calibration')}?cycle={cycle_id}{anchor}")


@login_required
@require_POST
def adjust(request: HttpRequest, cycle_id: int, agent_id: int) -> HttpResponse:
    require_manager(request)
    row_ids(cycle_id, agent_id)
    score = get_object_or_404(
        restrict(AgentScore.objects.select_related("cycle"), request.user, CHANGE),
        cycle_id=cycle_id,
        agent_id=agent_id,
    )
    try:
        after = float(request.POST.get("after", "").replace(",", "."))
    except ValueError:
        messages.error(request, _("The score must be between 0 and 100."))
        return _back(cycle_id, f"#score-{agent_id}")
    try:
        actions.adjust(
            score, after=after, reason=request.POST.get("reason", ""), user=request.user,
            request=request,
        )  # fmt: skip
    except ActionError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Score adjusted; the reason is kept with it."))
    return _back(cycle_id, f"#score-{agent_id}")


@login_required
@require_POST
def status(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require_manager(request)
    row_ids(cycle_id)
    cycle = get_object_or_404(restrict(Cycle.objects.all(), request.user, CHANGE), pk=cycle_id)
    try:
        actions.set_status(
            cycle, request.POST.get("status", ""), user=request.user, request=request
        )
    except ActionError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Cycle status changed."))
    return _back(cycle_id)


urls = [
    path("calibration/", calibration, name="calibration"),
    path("calibration/<int:cycle_id>/status/", status, name="calibration_status"),
    path(
        "calibration/<int:cycle_id>/agents/<int:agent_id>/adjust/",
        adjust,
        name="calibration_adjust",
    ),
]
