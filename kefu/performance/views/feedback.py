"""360-degree feedback: a rater's requests and answers; the aggregate about an agent (the
agent, their supervisors, managers) behind the anonymity threshold; rounds sent by
supervisors (their teams) and managers.

A rater sees only their own requests (the access layer); nobody sees another rater's
answer. What is shown about an agent comes from kefu/performance/selectors/feedback.py.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import own_agent_id, restrict, supervised_team_ids
from kefu.accounts.models import Team
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.errors import ActionError
from kefu.performance.actions import feedback as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.auditing import audit_view
from kefu.performance.choices import Relation
from kefu.performance.core import feedback as core
from kefu.performance.core.methods import score_rate
from kefu.performance.forms_methods import AnswerForm, RoundForm
from kefu.performance.models import Cycle, FeedbackRequest, PerformanceSettings
from kefu.performance.selectors import feedback as selectors
from kefu.performance.views._methods import chosen_cycle, cycles, refused, reviewable


def _mine(request: HttpRequest):
    """The user's own requests as a rater (the access layer: the rater only)."""
    return restrict(FeedbackRequest.objects.all(), request.user).select_related(
        "cycle", "agent", "agent__team"
    )


def round_teams(request: HttpRequest):
    if request.user.has_perm(MANAGE_PERFORMANCE):
        return Team.objects.order_by("name")
    return Team.objects.filter(pk__in=supervised_team_ids(request.user)).order_by("name")


def labelled(rows: list[FeedbackRequest]) -> list[FeedbackRequest]:
    for row in rows:
        row.scores = [(label, (row.answers or {}).get(code)) for code, label in core.DIMENSIONS]
    return rows


@login_required
def index(request: HttpRequest) -> HttpResponse:
    mine = list(_mine(request).order_by("-cycle__start", "agent__external_id"))
    context: dict = {
        "tab": "feedback",
        "pending": [r for r in mine if r.submitted_at is None],
        "answered": labelled([r for r in mine if r.submitted_at is not None]),
    }
    own = own_agent_id(request.user)
    if own is not None:
        about = (
            Cycle.objects.filter(feedback__agent_id=own).distinct().order_by("-start")
        )  # the cycles someone was asked about the user (no answer read here)
        context["about_me"] = [
            {"cycle": c, "url": reverse("performance:feedback_summary", args=[c.pk, own])}
            for c in about
        ]
    if may_appraise(request.user):
        options = cycles(request)
        asked = options.filter(pk__in=FeedbackRequest.objects.values("cycle_id"))
        cycle = chosen_cycle(request, options if "cycle" in request.GET else asked) or (
            chosen_cycle(request, options)
        )
        context |= {
            "cycles": options,
            "cycle": cycle,
            "round_form": RoundForm(
                initial={"cycle": cycle}, cycles=cycles(request, open_only=True),
                teams=round_teams(request),
            ),
        }  # fmt: skip
        if cycle is not None:
            agents = list(appraisable(request.user).select_related("team").order_by("external_id"))
            progress = selectors.summaries(cycle, [a.pk for a in agents])
            context["progress"] = [
                {"agent": a, "summary": progress[a.pk]} for a in agents if progress[a.pk].requested
            ]
    return render(request, "performance/feedback/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, feedback_id: int) -> HttpResponse:
    """The rater's answer form (their own request only; 404 for anyone else)."""
    row = get_object_or_404(_mine(request), pk=feedback_id)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and row.submitted_at is None and form.is_valid():
        try:
            actions.answer(row, form.answers(), form.cleaned_data["comment"], user=request.user)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
        else:
            messages.success(request, _("Thank you: your answers are submitted."))
            return redirect("performance:feedback")
    elif request.method == "POST" and row.submitted_at is not None:
        messages.error(request, _("Answers are final once submitted."))
    return render(
        request,
        "performance/feedback/answer.html",
        {
            "tab": "feedback",
            "row": labelled([row])[0],
            "form": form,
            "self": row.relation == Relation.SELF,
        },
    )


@login_required
@require_POST
def send_round(request: HttpRequest) -> HttpResponse:
    if not may_appraise(request.user):
        raise PermissionDenied
    form = RoundForm(
        request.POST, cycles=cycles(request, open_only=True), teams=round_teams(request)
    )
    if form.is_valid():
        try:
            made = actions.send_round(
                form.cleaned_data["cycle"], form.cleaned_data["team"], user=request.user
            )
        except ActionError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("%(n)s requests sent.") % {"n": len(made)})
        return redirect(reverse("performance:feedback") + f"?cycle={form.cleaned_data['cycle'].pk}")
    messages.error(request, _("Choose an open cycle and a team."))
    return redirect("performance:feedback")


def _pct(rate: float | None) -> float | None:
    return None if rate is None else rate * 100


@login_required
def summary(request: HttpRequest, cycle_id: int, agent_id: int) -> HttpResponse:
    """What may be shown about one agent in one cycle (audited unless the user's own)."""
    cycle = get_object_or_404(cycles(request), pk=cycle_id)
    agent = get_object_or_404(reviewable(request).select_related("team"), pk=agent_id)
    audit_view(request, agent, "feedback")
    result = selectors.summary(cycle, agent.pk)
    aggregate = result.aggregate
    dimensions = [
        {
            "label": label,
            "mean": aggregate.means.get(code),
            "pct": _pct(score_rate(aggregate.means.get(code))),
        }
        for code, label in core.DIMENSIONS
    ]
    own = agent.pk == own_agent_id(request.user)
    self_row = None
    if own:
        self_row = _mine(request).filter(cycle=cycle, agent=agent, relation=Relation.SELF).first()
    return render(
        request,
        "performance/feedback/summary.html",
        {
            "tab": "feedback",
            "cycle": cycle,
            "agent": agent,
            "own": own,
            "aggregate": aggregate,
            "dimensions": dimensions,
            "overall_pct": _pct(score_rate(aggregate.overall)),
            "threshold": PerformanceSettings.current().anonymity_threshold,
            "self_row": labelled([self_row])[0] if self_row and self_row.submitted_at else None,
        },
    )


urls = [
    path("feedback/", index, name="feedback"),
    path("feedback/<int:feedback_id>/", answer, name="feedback_answer"),
    path("feedback/round/", send_round, name="feedback_round"),
    path("feedback/cycle/<int:cycle_id>/agent/<int:agent_id>/", summary, name="feedback_summary"),
]
