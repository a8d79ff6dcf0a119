"""Quarterly certification pages: cycles, their results, computing them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.access import restrict
from kefu.accounts.roles import MANAGE_TRAINING
from kefu.training.actions import certification as actions
from kefu.training.filtersets import CertificateFilterSet
from kefu.training.forms.certification import CycleForm
from kefu.training.models import Certificate, CertificationCycle
from kefu.training.views._common import require_trainer


@login_required
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = restrict(CertificationCycle.objects.all(), request.user)
    mine = restrict(Certificate.objects.select_related("cycle", "agent"), request.user)
    return render(
        request,
        "training/certification/list.html",
        {"tab": "certification", "cycles": cycles, "certificates": mine[:200]},
    )


@login_required
def cycle_edit(request: HttpRequest, cycle_id: int | None = None) -> HttpResponse:
    require_trainer(request)
    cycle = None
    if cycle_id is not None:
        cycle = get_object_or_404(
            restrict(CertificationCycle.objects.all(), request.user, "change"), pk=cycle_id
        )
    form = CycleForm(request.POST or None, instance=cycle)
    if request.method == "POST" and form.is_valid():
        cycle = form.save()
        messages.success(request, _("Saved."))
        return redirect("training:cycle", cycle.pk)
    return render(
        request,
        "training/certification/edit.html",
        {"tab": "certification", "form": form, "cycle": cycle},
    )


@login_required
def cycle_detail(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(restrict(CertificationCycle.objects.all(), request.user), pk=cycle_id)
    visible = restrict(
        Certificate.objects.filter(cycle=cycle).select_related("agent__team"), request.user
    )
    filterset = CertificateFilterSet(request.GET, visible, user=request.user)
    # an invalid filter is shown on its field, not applied
    rows = list(filterset.qs.order_by("-total", "agent__external_id"))
    decided = [c for c in rows if c.total is not None]
    return render(
        request,
        "training/certification/detail.html",
        {
            "tab": "certification",
            "cycle": cycle,
            "certificates": rows,
            "filters": filterset.form,
            "passed": sum(1 for c in decided if c.passed),
            "decided": len(decided),
            "can_manage": request.user.has_perm(MANAGE_TRAINING),
        },
    )


@login_required
@require_POST
def cycle_certify(request: HttpRequest, cycle_id: int) -> HttpResponse:
    require_trainer(request)
    cycle = get_object_or_404(
        restrict(CertificationCycle.objects.all(), request.user, "change"), pk=cycle_id
    )
    results = actions.certify(cycle, user=request.user)
    messages.success(
        request,
        _("Results computed for %(count)d agents; %(passed)d passed.")
        % {"count": len(results), "passed": sum(1 for c in results if c.passed)},
    )
    return redirect("training:cycle", cycle.pk)


urls = [
    path("certification/", cycle_list, name="certification"),
    path("certification/new/", cycle_edit, name="cycle_new"),
    path("certification/<int:cycle_id>/", cycle_detail, name="cycle"),
    path("certification/<int:cycle_id>/edit/", cycle_edit, name="cycle_edit"),
    path("certification/<int:cycle_id>/certify/", cycle_certify, name="cycle_certify"),
]
