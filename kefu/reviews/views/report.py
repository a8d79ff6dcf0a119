"""The human-QA report and settings."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kefu.accounts.roles import (
    MANAGE_REVIEW_SETTINGS,
    VIEW_QA_EFFICIENCY,
)
from kefu.qa.models import QaResult
from kefu.reviews import actions, pages
from kefu.reviews.choices import ReviewStatus
from kefu.reviews.forms import (
    ReportForm,
    SettingsForm,
)
from kefu.reviews.models import Review, ReviewSettings
from kefu.reviews.selectors import (
    reviews_visible_to,
)
from kefu.reviews.views._common import (
    _names,
    _require,
)

# --- report and settings ----------------------------------------------------------------


def default_report_period() -> tuple[date, date]:
    """The year up to the newest sampled month (else the newest review, else today)."""
    newest = Review.objects.exclude(period_start=None).order_by("-period_start")
    last = newest.values_list("period_start", flat=True).first()
    if last is None:
        at = (
            Review.objects.filter(status=ReviewStatus.SUBMITTED)
            .order_by("-submitted_at")
            .values_list("submitted_at", flat=True)
            .first()
        )
        last = timezone.localtime(at).date() if at else timezone.localdate()
    start = date(last.year, 1, 1)
    end = (last.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


@login_required
def report(request: HttpRequest) -> HttpResponse:
    _require(request, VIEW_QA_EFFICIENCY)
    form = ReportForm(request.GET)
    start, end = default_report_period()
    if form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
    if end < start:
        start, end = end, start
    reviews = reviews_visible_to(request.user)
    reviewer_ids = reviews.exclude(reviewer=None).values_list("reviewer_id", flat=True).distinct()
    split = form.cleaned_data.get("split") if form.is_valid() else None
    data = pages.report(reviews, start, end, _names(reviewer_ids), split=split or None)
    auto_total = QaResult.objects.filter(is_current=True, day__gte=start, day__lte=end).count()
    context = {
        "form": form,
        "data": data,
        "date_from": start,
        "date_to": end,
        "auto_total": auto_total,
        "tab": "report",
    }
    return render(request, "reviews/report.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    _require(request, MANAGE_REVIEW_SETTINGS)
    row = ReviewSettings.current()
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        actions.save_settings(
            {f: form.cleaned_data[f] for f in SettingsForm.Meta.fields}, user=request.user
        )
        messages.success(request, _("Settings saved."))
        return redirect("reviews:settings")
    return render(request, "reviews/settings.html", {"form": form, "tab": "settings"})
