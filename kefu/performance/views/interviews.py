"""Performance interviews (面谈): the list (agents their own, supervisors their teams',
managers all), scheduling, the structured record, the agent's comment and
acknowledgement. Opening another person's interview is audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.access import own_agent_id, restrict
from kefu.lib.errors import ActionError
from kefu.performance.actions import interviews as actions
from kefu.performance.actions._common import appraisable, may_appraise
from kefu.performance.apps import APPRAISE
from kefu.performance.auditing import audit_view
from kefu.performance.forms_methods import AcknowledgeForm, RecordForm, ScheduleForm
from kefu.performance.models import Interview
from kefu.performance.views._methods import cycles, refused

LIMIT = 300
STATUS = {
    "scheduled": gettext_lazy("Scheduled"),
    "recorded": gettext_lazy("Awaiting acknowledgement"),
    "acknowledged": gettext_lazy("Acknowledged"),
}


def status_of(interview: Interview) -> str:
    if interview.acknowledged_at is not None:
        return "acknowledged"
    return "recorded" if interview.held_at is not None else "scheduled"


def _interviews(request: HttpRequest):
    return restrict(Interview.objects.all(), request.user).select_related(
        "cycle", "agent", "agent__team", "interviewer"
    )


@login_required
def index(request: HttpRequest) -> HttpResponse:
    rows = list(_interviews(request).order_by("-scheduled_at", "-pk")[:LIMIT])
    own = own_agent_id(request.user)
    for row in rows:
        row.status = status_of(row)
        row.status_label = STATUS[row.status]
    return render(
        request,
        "performance/interviews/index.html",
        {
            "tab": "interviews",
            "mine": [r for r in rows if r.agent_id == own],
            "others": [r for r in rows if r.agent_id != own],
            "may_schedule": may_appraise(request.user),
            "limit": LIMIT,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    if not may_appraise(request.user):
        raise PermissionDenied
    agents = appraisable(request.user).select_related("team").order_by("external_id")
    form = ScheduleForm(
        request.POST if request.method == "POST" else None,
        initial={"agent": request.GET.get("agent")},
        cycles=cycles(request, open_only=True),
        agents=agents,
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            interview = actions.schedule(
                d["cycle"], d["agent"], d["scheduled_at"], user=request.user
            )
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
        else:
            messages.success(request, _("Interview scheduled."))
            return redirect("performance:interview", interview.pk)
    return render(request, "performance/interviews/new.html", {"tab": "interviews", "form": form})


def _may_record(request: HttpRequest, interview: Interview) -> bool:
    return (
        interview.acknowledged_at is None
        and own_agent_id(request.user) != interview.agent_id
        and restrict(Interview.objects.filter(pk=interview.pk), request.user, APPRAISE).exists()
    )


@login_required
def detail(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = get_object_or_404(_interviews(request), pk=interview_id)
    audit_view(request, interview.agent, "interview")
    own = interview.agent_id == own_agent_id(request.user)
    may_record = _may_record(request, interview)
    return render(
        request,
        "performance/interviews/interview.html",
        {
            "tab": "interviews",
            "i": interview,
            "status": status_of(interview),
            "status_label": STATUS[status_of(interview)],
            "own": own,
            "record_form": RecordForm.for_interview(interview) if may_record else None,
            "ack_form": AcknowledgeForm()
            if own and interview.held_at and not interview.acknowledged_at
            else None,
        },
    )


@login_required
@require_POST
def record(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = get_object_or_404(_interviews(request), pk=interview_id)
    form = RecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Record at least the achievements and the agreed actions."))
        return redirect("performance:interview", interview.pk)
    try:
        actions.record(interview, form.cleaned_data, user=request.user)
    except ActionError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Interview recorded; the agent is asked to acknowledge it."))
    return redirect("performance:interview", interview.pk)


@login_required
@require_POST
def acknowledge(request: HttpRequest, interview_id: int) -> HttpResponse:
    interview = get_object_or_404(_interviews(request), pk=interview_id)
    form = AcknowledgeForm(request.POST)
    form.is_valid()
    try:
        actions.acknowledge(interview, form.cleaned_data.get("comment", ""), user=request.user)
    except ActionError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Acknowledged."))
    return redirect("performance:interview", interview.pk)


urls = [
    path("interviews/", index, name="interviews"),
    path("interviews/new/", schedule, name="interview_new"),
    path("interviews/<int:interview_id>/", detail, name="interview"),
    path("interviews/<int:interview_id>/record/", record, name="interview_record"),
    path("interviews/<int:interview_id>/acknowledge/", acknowledge, name="interview_acknowledge"),
]
