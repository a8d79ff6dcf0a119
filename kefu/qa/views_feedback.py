"""False-positive feedback pages (docs/qa-feedback.md): judging a hit (anyone who may see
the conversation), the queue of reports and the decision (QA specialists)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.access import conversations_visible_to
from kefu.accounts.roles import MANAGE_QA
from kefu.qa import dashboards, feedback
from kefu.qa.models import FeedbackStatus

manage_qa = permission_required(MANAGE_QA, raise_exception=True)


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = default
    return redirect(target)


@login_required
@require_POST
def judge(request: HttpRequest, external_id: str, indicator: str) -> HttpResponse:
    """Mark a hit correct (`verdict=correct`) or report it wrong (`verdict=wrong`, optional
    `reason`); then back to `next` (a page of this site) or the conversation's QA page."""
    conversation = get_object_or_404(
        conversations_visible_to(request.user), external_id=external_id
    )
    verdict = request.POST.get("verdict", "")
    if verdict not in ("correct", "wrong"):
        return HttpResponse(_("Choose correct or wrong."), status=400)
    try:
        feedback.judge_hit(
            request.user,
            conversation,
            indicator,
            wrong=verdict == "wrong",
            reason=request.POST.get("reason", ""),
        )
    except feedback.FeedbackError as error:
        return HttpResponse(str(error), status=error.status)
    if verdict == "wrong":
        messages.success(
            request, _("Reported as a false positive; a QA specialist will confirm it.")
        )
    else:
        messages.success(request, _("Marked as a correct hit."))
    return _back(request, reverse("qa:conversation", args=[conversation.external_id]))


@login_required
@manage_qa
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """Reports to confirm or reject (status=pending by default; confirmed, rejected, all)."""
    status = request.GET.get("status", FeedbackStatus.PENDING)
    rows = feedback.feedback_visible_to(request.user, feedback.DECIDE).select_related(
        "conversation", "conversation__agent", "reported_by", "decided_by"
    )
    if status in FeedbackStatus.values:
        rows = rows.filter(status=status)
    else:
        status = ""
    lang = dashboards.language()
    names = dashboards.indicator_names(lang)
    items = list(rows[: settings.KEFU_PAGE_SIZE])
    for item in items:
        item.name = names.get(item.indicator, item.indicator)
    context = {
        "items": items,
        "status": status,
        "statuses": [(s.value, s.label) for s in FeedbackStatus],
    }
    return render(request, "qa/feedback.html", context)


@login_required
@manage_qa
@require_POST
def decide(request: HttpRequest, feedback_id: int) -> HttpResponse:
    """Confirm (`decision=confirm`) or reject (`decision=reject`) a report."""
    item = get_object_or_404(
        feedback.feedback_visible_to(request.user, feedback.DECIDE), pk=feedback_id
    )
    decision = request.POST.get("decision", "")
    if decision not in ("confirm", "reject"):
        return HttpResponse(_("Choose confirm or reject."), status=400)
    try:
        feedback.decide(
            request.user, item, confirm=decision == "confirm", note=request.POST.get("note", "")
        )
    except feedback.FeedbackError as error:
        return HttpResponse(str(error), status=error.status)
    if decision == "confirm":
        messages.success(
            request, _("False positive confirmed: the hit no longer counts in the score.")
        )
    else:
        messages.success(request, _("Report rejected: the hit stays."))
    return _back(request, reverse("qa:feedback"))
