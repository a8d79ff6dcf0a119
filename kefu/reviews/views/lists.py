"""The human-QA home, the specialist's queue and the review list."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kefu.accounts.access import own_agent_id, supervised_team_ids
from kefu.accounts.roles import (
    MANAGE_SAMPLING,
    REVIEW,
    VIEW_QA_EFFICIENCY,
)
from kefu.lib.paging import keyset_page
from kefu.reviews import pages
from kefu.reviews.choices import OPEN_STATUSES
from kefu.reviews.filtersets import ReviewFilterSet
from kefu.reviews.forms import (
    BulkAssignForm,
    ReassignForm,
)
from kefu.reviews.selectors import (
    reviews_visible_to,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.has_perm(REVIEW):
        return redirect("reviews:queue")
    if user.has_perm(VIEW_QA_EFFICIENCY):
        return redirect("reviews:report")
    if supervised_team_ids(user):
        return redirect("reviews:appeals")
    return redirect("reviews:list")


# --- queue and lists --------------------------------------------------------------------


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not (user.has_perm(REVIEW) or user.has_perm(MANAGE_SAMPLING)):
        raise PermissionDenied
    visible = reviews_visible_to(user).select_related(
        "conversation", "agent", "team", "plan", "auto_result"
    )
    mine = list(
        visible.filter(reviewer=user, status__in=OPEN_STATUSES).order_by("due_at", "pk")[:200]
    )
    others, workload = [], []
    if user.has_perm(MANAGE_SAMPLING):
        others = list(
            visible.filter(status__in=OPEN_STATUSES)
            .exclude(reviewer=user)
            .select_related("reviewer")
            .order_by("due_at", "pk")[:200]
        )
        workload = pages.workload(visible)
    now = timezone.now()
    for r in [*mine, *others]:
        r.overdue = r.due_at is not None and r.due_at < now
    context = {
        "mine": mine,
        "others": others,
        "workload": workload,
        "reassign_form": ReassignForm(),
        "bulk_form": BulkAssignForm() if user.has_perm(MANAGE_SAMPLING) else None,
        "tab": "queue",
    }
    return render(request, "reviews/queue.html", context)


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    filterset = ReviewFilterSet(
        request.GET,
        reviews_visible_to(request.user).select_related(
            "conversation", "agent", "team", "reviewer", "plan"
        ),
        user=request.user,
    )
    form = filterset.form
    qs = filterset.qs  # an invalid filter is not applied
    page = keyset_page(
        qs,
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=settings.KEFU_PAGE_SIZE,
    )
    for r in page.items:
        r.score_info = pages.score_info(r.score)
    context = {
        "form": form,
        "page": page,
        "tab": "list",
        "own_agent_id": own_agent_id(request.user),
    }
    return render(request, "reviews/list.html", context)
