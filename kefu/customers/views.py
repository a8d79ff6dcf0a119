"""Pages of the customers domain: the customer list (risk and tags, with its CSV export),
the history card (an HTMX fragment the conversation page and the agent's workspace
load), manual tags, the tag catalogue, the risk settings and the back-test.

Every read starts from `kefu.accounts.access`; a customer outside the user's scope is
404. The reasons' values are personal data: masked for roles without
`view_personal_data`, and their unmasked views are audited.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access
from kefu.accounts.roles import EXPORT
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.spreadsheet import safe_cell
from kefu.customers import actions, selectors
from kefu.customers.choices import BacktestStatus, RiskLabel
from kefu.customers.filtersets import CustomerFilterSet
from kefu.customers.forms import (
    BacktestForm,
    CustomerTagForm,
    SettingsForm,
    TagForm,
    TagGroupForm,
)
from kefu.customers.models import Backtest, CustomerTag, RiskSettings, Tag, TagGroup
from kefu.customers.presenters import channel_label, hour_label, present, reason_lines
from kefu.interactions.models import Customer
from kefu.interactions.personal import PersonalDataView
from kefu.lib.errors import ActionError
from kefu.lib.localtime import configured_tz

EXPORT_LIMIT = 100_000


def _unmasked(request: HttpRequest) -> bool:
    return access.can_view_personal_data(request.user)


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    filterset = CustomerFilterSet(request.GET, selectors.risk_rows(request.user), user=request.user)
    page = selectors.score_page(
        filterset.qs,
        request.GET.get("after"),
        request.GET.get("before"),
        settings.KEFU_PAGE_SIZE,
    )
    unmasked = _unmasked(request)
    personal = PersonalDataView(unmasked)
    for row in page.items:
        row.customer_label = personal.name(row.customer.name)
        row.shown_score = row.score if unmasked else None
    if unmasked and page.items:
        audit(
            AuditAction.VIEW_PERSONAL_DATA,
            request=request,
            object_type="customer_list",
            detail={"customers": [r.customer.external_id for r in page.items]},
        )
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    context = {
        "form": filterset.form,
        "page": page,
        "query": query.urlencode(),
        "unmasked": unmasked,
        "may_export": request.user.has_perm(EXPORT),
        "tab": "list",
    }
    return render(request, "customers/list.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The filtered list as CSV (customer, segment, label, score, tags …), masked and
    scored alike; audited."""
    if not request.user.has_perm(EXPORT):
        raise PermissionDenied
    filterset = CustomerFilterSet(request.GET, selectors.risk_rows(request.user), user=request.user)
    rows = filterset.qs.order_by("-score", "-customer_id")[:EXPORT_LIMIT]
    unmasked = _unmasked(request)
    personal = PersonalDataView(unmasked)
    tz = configured_tz()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Customer id"), _("Name"), _("Segment"), _("Risk label"), _("Risk score"),
         _("Contacts"), _("Last contact"), _("Tags")]
    )  # fmt: skip
    count = 0
    for row in rows:
        count += 1
        last = row.last_contact_at and row.last_contact_at.astimezone(tz)
        tags = "; ".join(f"{t.tag.group.name}:{t.tag.name}" for t in row.customer.tag_links.all())
        writer.writerow(
            safe_cell(v)
            for v in (
                row.customer.external_id,
                personal.name(row.customer.name),
                row.customer.segment,
                row.get_label_display(),
                row.score if unmasked else "",
                row.contacts,
                f"{last:%Y-%m-%d %H:%M}" if last else "",
                tags,
            )
        )
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="customers",
        object_id="csv",
        detail={"filters": request.GET.dict(), "rows": count, "masked": not unmasked},
    )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().astimezone(tz).strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="kefu-customers-{stamp}.csv"'
    return response


# --- the history card ---------------------------------------------------------------------
def card_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """What the card shows; an unmasked view of the reasons is audited."""
    data = selectors.card(request.user, customer)
    risk = data.risk
    unmasked = _unmasked(request)
    actions.record_reasons_viewed(request, customer, risk.reasons)
    return {
        "card": data,
        "customer": customer,
        "risk": risk,
        "reasons": reason_lines(risk.reasons, unmasked),
        "unmasked": unmasked,
        "score": risk.score if unmasked else None,
        "preferred_channel": channel_label(risk.preferred_channel),
        "preferred_hour": hour_label(risk.preferred_hour),
        "last_complaint_category": " › ".join(risk.last_complaint_category or []),
        "high": risk.label == RiskLabel.HIGH,
    }


def _card_customer(request: HttpRequest, customer_id: str) -> Customer:
    if "\x00" in customer_id:
        raise Http404
    return get_object_or_404(access.customers_visible_to(request.user), external_id=customer_id)


@login_required
@require_GET
def card(request: HttpRequest, customer_id: str) -> HttpResponse:
    customer = _card_customer(request, customer_id)
    return render(request, "customers/partials/card.html", card_context(request, customer))


@login_required
@require_POST
def customer_tags(request: HttpRequest, customer_id: str) -> HttpResponse:
    """Add or remove a manual tag; answers the card again (HTMX) or goes back."""
    customer = _card_customer(request, customer_id)
    if not access.may_tag_customers(request.user):
        raise PermissionDenied
    form = CustomerTagForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Invalid request."), status=400)
    try:
        if form.cleaned_data["action"] == "add":
            actions.add_tag(request.user, customer.external_id, form.cleaned_data["tag"])
        else:
            actions.remove_tag(request.user, customer.external_id, form.cleaned_data["tag"])
    except ActionError as exc:
        if exc.status == 403:
            raise PermissionDenied from None
        if exc.status == 404:
            raise Http404 from None
        return HttpResponse(exc.detail, status=exc.status)
    if request.headers.get("HX-Request") == "true":
        return render(request, "customers/partials/card.html", card_context(request, customer))
    return redirect("interactions:customer_detail", customer.external_id)


# --- tags ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def tags_view(request: HttpRequest) -> HttpResponse:
    """The tag catalogue by group with each tag's customers; managers add groups and tags."""
    manager = access.manages_customer_risk(request.user)
    group_form = TagGroupForm(prefix="group")
    tag_form = TagForm(prefix="tag")
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        try:
            if "group-name" in request.POST:
                group_form = TagGroupForm(request.POST, prefix="group")
                if group_form.is_valid():
                    actions.create_group(**group_form.cleaned_data, user=request.user)
                    messages.success(request, _("Tag group added."))
                    return redirect("customers:tags")
            else:
                tag_form = TagForm(request.POST, prefix="tag")
                if tag_form.is_valid():
                    data = tag_form.cleaned_data
                    actions.create_tag(
                        data["group"], data["name"], data["kind"], data["rule"],
                        data["description"], user=request.user,
                    )  # fmt: skip
                    messages.success(
                        request,
                        _("Tag added; rule tags are set at the next risk computation."),
                    )
                    return redirect("customers:tags")
        except ActionError as exc:
            messages.error(request, exc.detail)
    visible = access.customers_visible_to(request.user)
    tags = list(access.restrict(Tag.objects.all(), request.user).select_related("group"))
    counts = {
        tag_id: n
        for tag_id, n in access.restrict(CustomerTag.objects.all(), request.user)
        .filter(customer__in=visible)
        .order_by()
        .values_list("tag_id")
        .annotate(n=Count("pk"))
    }
    groups: dict[int, dict[str, Any]] = {}
    for group in access.restrict(TagGroup.objects.all(), request.user):
        groups[group.pk] = {"group": group, "tags": []}
    for tag in tags:
        tag.customer_count = counts.get(tag.pk, 0)
        groups.setdefault(tag.group_id, {"group": tag.group, "tags": []})["tags"].append(tag)
    context = {
        "groups": list(groups.values()),
        "manager": manager,
        "group_form": group_form,
        "tag_form": tag_form,
        "tab": "tags",
    }
    return render(request, "customers/tags.html", context)


@login_required
@require_POST
def tag_delete(request: HttpRequest, tag_id: int) -> HttpResponse:
    tag = get_object_or_404(access.restrict(Tag.objects.all(), request.user), pk=tag_id)
    try:
        actions.delete_tag(tag, user=request.user)
    except ActionError:
        raise PermissionDenied from None
    messages.success(request, _("Tag deleted."))
    return redirect("customers:tags")


# --- settings ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    if not access.manages_customer_risk(request.user):
        raise PermissionDenied
    row = RiskSettings.current()
    form = SettingsForm(request.POST or None, instance=row)
    if request.method == "POST" and form.is_valid():
        try:
            actions.save_settings(
                {f: form.cleaned_data[f] for f in RiskSettings.WEIGHT_FIELDS}, user=request.user
            )
        except ActionError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(
                request, _("Settings saved; scores change at the next risk computation.")
            )
            return redirect("customers:settings")
    return render(request, "customers/settings.html", {"form": form, "tab": "settings"})


# --- back-test -----------------------------------------------------------------------------
def _backtests(request: HttpRequest) -> Any:
    if access.condition_for(Backtest, request.user) is not access.ALL:
        raise PermissionDenied
    return access.restrict(Backtest.objects.all(), request.user)


@login_required
@require_http_methods(["GET", "POST"])
def backtest_view(request: HttpRequest) -> HttpResponse:
    runs = _backtests(request)
    manager = access.manages_customer_risk(request.user)
    form = BacktestForm(initial={"horizon_days": 30, "windows": 1})
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        form = BacktestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            row = actions.start_backtest(
                data["as_of"], data["horizon_days"], data["windows"], user=request.user
            )
            return redirect("customers:backtest_detail", row.pk)
    latest = runs.filter(status=BacktestStatus.DONE).first()
    return _render_backtest(request, latest, runs, form, manager)


@login_required
@require_GET
def backtest_detail(request: HttpRequest, backtest_id: int) -> HttpResponse:
    runs = _backtests(request)
    row = get_object_or_404(runs, pk=backtest_id)
    manager = access.manages_customer_risk(request.user)
    return _render_backtest(
        request, row, runs, BacktestForm(initial={"horizon_days": 30, "windows": 1}), manager
    )


@login_required
@require_POST
def backtest_apply(request: HttpRequest, backtest_id: int) -> HttpResponse:
    row = get_object_or_404(_backtests(request), pk=backtest_id)
    try:
        actions.apply_fitted(row, user=request.user)
    except ActionError as exc:
        if exc.status == 403:
            raise PermissionDenied from None
        messages.error(request, exc.detail)
        return redirect("customers:backtest_detail", row.pk)
    messages.success(request, _("The fitted weights are now the risk index's settings."))
    return redirect("customers:settings")


def _render_backtest(request, row, runs, form, manager) -> HttpResponse:
    context = {
        "run": row,
        "shown": present(row.result) if row is not None and row.result else None,
        "runs": list(runs[:20]),
        "form": form,
        "manager": manager,
        "tab": "backtest",
    }
    return render(request, "customers/backtest.html", context)
