"""Bulk assignment from the queue (批量分配): the ticked reviews to one QA specialist or
spread evenly over several (`actions.bulk_assign`, one transaction per row)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.roles import MANAGE_SAMPLING
from kefu.lib.errors import ActionError
from kefu.reviews import actions
from kefu.reviews.forms import BulkAssignForm
from kefu.reviews.views._common import _refused, _require

SHOWN_IDS = 10  # ids listed per reason in the message


def result_message(result: actions.BulkResult) -> str:
    """已分配 N 条，跳过 M 条（原因：#ids；…）."""
    if not result.skipped:
        return _("Assigned %(assigned)s, skipped 0.") % {"assigned": len(result.assigned)}
    parts = []
    for reason, ids in result.reasons().items():
        shown = ", ".join(f"#{i}" for i in ids[:SHOWN_IDS]) + ("…" if len(ids) > SHOWN_IDS else "")
        parts.append(_("%(reason)s: %(ids)s") % {"reason": _(reason), "ids": shown})
    return _("Assigned %(assigned)s, skipped %(skipped)s (%(reasons)s).") % {
        "assigned": len(result.assigned),
        "skipped": len(result.skipped),
        "reasons": _("; ").join(parts),
    }


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_SAMPLING)
    form = BulkAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a QA specialist."))
        return redirect("reviews:queue")
    try:
        result = actions.bulk_assign(
            request.POST.getlist("review"), list(form.cleaned_data["reviewer"]), by=request.user
        )
    except ActionError as exc:
        _refused(request, exc)
    else:
        level = messages.success if result.assigned or not result.skipped else messages.warning
        level(request, result_message(result))
    return redirect("reviews:queue")
