"""Training records (培训档案): each agent's sessions, exams, certificates, practice and
assignments, on a page and as an Excel workbook. Agents see their own record,
supervisors their teams', trainers and managers every record (kefu.accounts.access)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone

from kefu.accounts.access import own_agent_id, restrict
from kefu.accounts.models import Agent
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.lib.downloads import xlsx_response
from kefu.training.apps import RECORDS
from kefu.training.filtersets import RecordFilterSet
from kefu.training.records import record_of, workbook_of
from kefu.training.selectors.certification import improvement_of

LIMIT = 500


def visible_agents(request: HttpRequest):
    return restrict(Agent.objects.select_related("team"), request.user, RECORDS)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    agents = visible_agents(request)
    own = own_agent_id(request.user)
    # An agent has one record to open: theirs.
    if own is not None and not agents.exclude(pk=own).exists():
        return redirect("training:record", own)
    filterset = RecordFilterSet(request.GET, agents, user=request.user)
    return render(
        request,
        "training/records/list.html",
        {
            "tab": "records",
            # an invalid filter is shown on its field, not applied
            "agents": filterset.qs.order_by("team__name", "external_id")[:LIMIT],
            "filters": filterset.form,
        },
    )


@login_required
def detail(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = get_object_or_404(visible_agents(request), pk=agent_id)
    return render(
        request,
        "training/records/detail.html",
        {
            "tab": "records",
            "agent": agent,
            "record": record_of(agent, timezone.now()),
            "improvement": improvement_of(agent.pk),
            "own": own_agent_id(request.user) == agent.pk,
        },
    )


@login_required
def export(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = visible_agents(request).filter(pk=agent_id).first()
    if agent is None:
        raise Http404
    stream = io.BytesIO()
    workbook_of(agent, record_of(agent, timezone.now()), stream)
    audit(
        AuditAction.EXPORT,
        request=request,
        user=request.user,
        object_type="training.record",
        object_id=str(agent.pk),
        detail={"agent": agent.external_id},
    )
    return xlsx_response(stream.getvalue(), f"training-{agent.external_id}.xlsx")


urls = [
    path("records/", index, name="records"),
    path("records/<int:agent_id>/", detail, name="record"),
    path("records/<int:agent_id>/export.xlsx", export, name="record_export"),
]
