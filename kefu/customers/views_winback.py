"""Win-back campaign pages: the list (managers create one from a tag filter), a campaign
with its measured come-back rates per group and the lift, the members the user sees with
their outcomes, the CSV export.

Campaigns and members are read through `kefu.accounts.access` (managers of the risk index
every one; agents the members assigned to them; supervisors their teams'); anything else
is 404. Customers' names are masked for roles without personal data.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access
from kefu.accounts.roles import user_roles
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.spreadsheet import safe_cell
from kefu.customers import actions, selectors
from kefu.customers.choices import WinbackGroup, WinbackOutcome
from kefu.customers.core import winback
from kefu.customers.forms import CampaignForm, OutcomeForm
from kefu.customers.models import Tag, WinbackCampaign
from kefu.interactions.personal import PersonalDataView
from kefu.lib.errors import ActionError
from kefu.lib.localtime import configured_tz

SHOWN_MEMBERS = 500


def verdict_text(comparison: winback.Comparison) -> str:
    """The lift in words, never claiming more than the interval allows."""
    texts = {
        winback.NO_CONTROL: _(
            "Nobody was held back: without a control group the lift cannot be measured."
        ),
        winback.NO_CONTACT: _("Nobody is in the contact group."),
        winback.TOO_FEW: _(
            "Too few members to tell: with fewer than 10 in a group no difference is "
            "claimed, whatever the rates."
        ),
        winback.NOT_DISTINGUISHABLE: _(
            "Not distinguishable: the interval of the difference includes 0, so contacting "
            "cannot be told from no effect with these numbers."
        ),
        winback.HIGHER: _(
            "The contact group came back more often than the control group (the interval "
            "of the difference lies above 0)."
        ),
        winback.LOWER: _(
            "The contact group came back less often than the control group (the interval "
            "of the difference lies below 0)."
        ),
    }
    text = texts[comparison.verdict]
    if comparison.small_control:
        text += " " + _(
            "The control group is small (%(n)s members): its interval is wide; a larger control "
            "share makes the comparison sharper."
        ) % {"n": comparison.control.n}
    return text


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value * 100:+.1f} %" if signed else f"{value * 100:.1f} %"


def _interval(estimate, signed: bool = False) -> str:
    if estimate.low is None or estimate.high is None:
        return "—"
    return f"{_pct(estimate.low, signed)} – {_pct(estimate.high, signed)}"


def figures_context(campaign: WinbackCampaign) -> dict[str, Any]:
    figures = selectors.campaign_figures(campaign)
    c = figures.comparison
    groups = []
    for key, estimate in ((WinbackGroup.CONTACT, c.contact), (WinbackGroup.CONTROL, c.control)):
        counts = figures.counts[key]
        groups.append(
            {
                "key": key,
                "label": WinbackGroup(key).label,
                "members": counts["members"],
                "came_back": counts["came_back"],
                "rate": _pct(estimate.value),
                "interval": _interval(estimate),
            }
        )
    outcomes = [
        {"key": key, "label": label, "count": figures.outcomes.get(key, 0)}
        for key, label in WinbackOutcome.choices
    ]
    return {
        "figures": figures,
        "groups": groups,
        "difference": _pct(c.difference.value, signed=True),
        "difference_interval": _interval(c.difference, signed=True),
        "relative": _pct(c.relative, signed=True),
        "verdict": c.verdict,
        "verdict_text": verdict_text(c),
        "outcomes": outcomes,
    }


def _tags(request: HttpRequest):
    return access.restrict(Tag.objects.select_related("group"), request.user).order_by(
        "group__position", "group__name", "name"
    )


FRONT_LINE = {"agent", "supervisor"}


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request: HttpRequest) -> HttpResponse:
    """The campaigns the user sees; managers of the risk index create one."""
    manager = access.manages_customer_risk(request.user)
    visible = selectors.campaigns_visible_to(request.user)
    # Agents and supervisors reach the page from the tabs: with no campaign of theirs
    # they see an empty list; other roles without one are refused.
    if not manager and not visible.exists() and not user_roles(request.user) & FRONT_LINE:
        raise PermissionDenied
    initial = {
        "starts_on": timezone.localdate(),
        "window_days": settings.KEFU_WINBACK_WINDOW_DAYS,
        "control_share": round(settings.KEFU_WINBACK_CONTROL_SHARE * 100, 1),
    }
    form = CampaignForm(initial=initial, tags=_tags(request)) if manager else None
    status = 200
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        form = CampaignForm(request.POST, tags=_tags(request))
        if form.is_valid():
            data = form.cleaned_data
            try:
                campaign = actions.create_campaign(
                    user=request.user,
                    name=data["name"],
                    description=data["description"],
                    tag_ids=[t.pk for t in data["tags"]],
                    starts_on=data["starts_on"],
                    window_days=data["window_days"],
                    control_share=data["control_share"] / 100,
                )
            except ActionError as exc:
                form.add_error(None, exc.detail)
            else:
                messages.success(request, _("Campaign created."))
                return redirect("customers:winback_detail", campaign.pk)
        status = 400
    context = {"campaigns": visible, "form": form, "manager": manager, "tab": "winback"}
    return render(request, "customers/winback_list.html", context, status=status)


def _campaign(request: HttpRequest, campaign_id: int) -> WinbackCampaign:
    return get_object_or_404(selectors.campaigns_visible_to(request.user), pk=campaign_id)


@login_required
@require_GET
def campaign(request: HttpRequest, campaign_id: int) -> HttpResponse:
    item = _campaign(request, campaign_id)
    members = list(selectors.members_visible_to(request.user, item)[: SHOWN_MEMBERS + 1])
    personal = PersonalDataView(access.can_view_personal_data(request.user))
    changeable = set(
        access.restrict(item.members.all(), request.user, access.CHANGE)
        .filter(group=WinbackGroup.CONTACT)
        .values_list("pk", flat=True)
    )
    for member in members[:SHOWN_MEMBERS]:
        member.customer_label = personal.name(member.customer.name)
        member.may_record = member.pk in changeable
    context = {
        "campaign": item,
        "members": members[:SHOWN_MEMBERS],
        "more_members": len(members) > SHOWN_MEMBERS,
        "outcome_choices": WinbackOutcome.choices,
        "manager": access.manages_customer_risk(request.user),
        "tab": "winback",
        **figures_context(item),
    }
    return render(request, "customers/winback_detail.html", context)


@login_required
@require_POST
def outcome(request: HttpRequest, member_id: int) -> HttpResponse:
    form = OutcomeForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Invalid request."), status=400)
    try:
        member = actions.record_outcome(
            request.user, member_id, form.cleaned_data["outcome"], form.cleaned_data["note"]
        )
    except ActionError as exc:
        if exc.status == 404:
            raise Http404 from None
        return HttpResponse(exc.detail, status=exc.status)
    messages.success(request, _("Outcome recorded."))
    url = reverse("customers:winback_detail", args=[member.campaign_id])
    return redirect(f"{url}#member-{member.pk}")


@login_required
@require_GET
def export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """The members the user sees as CSV (group, agent, outcome, came back), audited."""
    item = _campaign(request, campaign_id)
    unmasked = access.can_view_personal_data(request.user)
    personal = PersonalDataView(unmasked)
    back = selectors.came_back(item, timezone.now())
    tz = configured_tz()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [_("Customer id"), _("Name"), _("Group"), _("Agent"), _("Outcome"), _("Note"),
         _("Recorded at"), _("Came back")]
    )  # fmt: skip
    count = 0
    for member in selectors.members_visible_to(request.user, item).iterator(chunk_size=2000):
        count += 1
        at = member.outcome_at.astimezone(tz) if member.outcome_at else None
        writer.writerow(
            safe_cell(v)
            for v in (
                member.customer.external_id,
                personal.name(member.customer.name),
                member.get_group_display(),
                member.agent.external_id if member.agent else "",
                member.get_outcome_display() if member.outcome else "",
                member.note,
                f"{at:%Y-%m-%d %H:%M}" if at else "",
                _("yes") if member.customer_id in back else _("no"),
            )
        )
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="customers.winbackcampaign",
        object_id=str(item.pk),
        detail={"rows": count, "masked": not unmasked},
    )
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kefu-winback-{item.pk}.csv"'
    return response
