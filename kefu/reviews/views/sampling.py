"""Sampling plans: the list, the editor, a run."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts.roles import (
    MANAGE_SAMPLING,
)
from kefu.lib.errors import ActionError
from kefu.reviews import actions
from kefu.reviews.choices import OPEN_STATUSES, ReviewStatus
from kefu.reviews.forms import (
    PlanForm,
)
from kefu.reviews.selectors import (
    plans_visible_to,
)
from kefu.reviews.views._common import (
    _refused,
    _require,
)

# --- sampling plans ---------------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    plans = list(
        plans_visible_to(request.user).select_related("scorecard").prefetch_related("teams")
    )
    for plan in plans:
        plan.last_run = plan.runs.first()
        plan.open_count = plan.reviews.filter(status__in=OPEN_STATUSES).count()
        plan.done_count = plan.reviews.filter(status=ReviewStatus.SUBMITTED).count()
    return render(request, "reviews/plans.html", {"plans": plans, "tab": "plans"})


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    plan = get_object_or_404(plans_visible_to(request.user), pk=pk) if pk else None
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            plan = actions.save_plan(
                form.plan_data(),
                user=request.user,
                plan=plan,
                teams=form.cleaned_data["teams"],
                reviewers=form.cleaned_data["reviewers"],
            )
            messages.success(request, _("Sampling plan saved."))
            return redirect("reviews:plan", plan.pk)
        except ActionError as exc:
            form.add_error(None, _(exc.detail))
    runs = list(plan.runs.select_related("created_by")[:20]) if plan else []
    return render(
        request, "reviews/plan.html", {"form": form, "plan": plan, "runs": runs, "tab": "plans"}
    )


@login_required
@require_POST
def plan_run(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    plan = get_object_or_404(plans_visible_to(request.user), pk=pk)
    try:
        run = actions.run_plan(
            plan, user=request.user, current=request.POST.get("period") == "current"
        )
        messages.success(
            request,
            _("Sampled %(sampled)s of %(candidates)s conversations; %(assigned)s assigned.")
            % {"sampled": run.sampled, "candidates": run.candidates, "assigned": run.assigned},
        )
    except ActionError as exc:
        _refused(request, exc)
    return redirect("reviews:plan", plan.pk)
