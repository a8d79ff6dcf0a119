"""Pages of routing: the console fragment (queues, waiting times, loads, reassigning)
loaded by HTMX into live monitoring's console, a conversation's decisions with their
reasons, the settings and rules (managers), and the effect report.

Every read starts from `kefu.accounts.access`; rows outside the user's scope are 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access
from kefu.accounts.choices import Tier
from kefu.assignment import actions, presenters, selectors
from kefu.assignment.choices import Strategy
from kefu.assignment.core import effect as effect_core
from kefu.assignment.models import RoutingRule, RoutingSettings
from kefu.customers.choices import RiskLabel
from kefu.customers.models import Tag
from kefu.interactions.choices import Channel
from kefu.lib.errors import ActionError
from kefu.lib.formfields import DayField


def _viewer(request: HttpRequest) -> None:
    if not access.sees_routing(request.user):
        raise PermissionDenied


def _manager(request: HttpRequest) -> None:
    if not access.manages_routing(request.user):
        raise PermissionDenied


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    """The fragment on the live console (HTMX, refreshed every few seconds)."""
    _viewer(request)
    return render(request, "assignment/partials/console.html", selectors.state(request.user))


@login_required
@require_POST
def reassign(request: HttpRequest, external_id: str) -> HttpResponse:
    _viewer(request)
    try:
        actions.reassign(
            request.user,
            external_id,
            request.POST.get("agent", ""),
            request.POST.get("note", ""),
        )
    except ActionError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Conversation reassigned."))
    if request.headers.get("HX-Request"):
        return render(request, "assignment/partials/console.html", selectors.state(request.user))
    return redirect("monitoring:console")


@login_required
@require_GET
def decisions(request: HttpRequest, external_id: str) -> HttpResponse:
    conversation = (
        access.conversations_visible_to(request.user).filter(external_id=external_id).first()
    )
    if conversation is None:
        raise Http404
    rows = list(selectors.decisions_of(request.user, conversation))
    for row in rows:
        row.sentences = presenters.sentences(row.reasons)
        row.pool = presenters.pool_label(row.target) if row.target else ""
    return render(
        request,
        "assignment/decisions.html",
        {
            "conversation": conversation,
            "rows": rows,
            "may_monitor": access.can_monitor(request.user),
        },
    )


# --- settings and rules -----------------------------------------------------------------------
class SettingsForm(forms.ModelForm):
    class Meta:
        model = RoutingSettings
        fields = list(RoutingSettings.FIELDS)
        widgets = {"enabled_since": forms.DateInput(attrs={"type": "date"})}


class RuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("name"), max_length=50)
    risk_labels = forms.MultipleChoiceField(
        label=gettext_lazy("risk labels"),
        choices=RiskLabel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    tags = forms.ModelMultipleChoiceField(
        label=gettext_lazy("customer tags"),
        queryset=Tag.objects.select_related("group"),
        required=False,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    product_lines = forms.CharField(
        label=gettext_lazy("product lines"),
        required=False,
        help_text=gettext_lazy("comma-separated"),
    )
    languages = forms.CharField(
        label=gettext_lazy("languages"),
        required=False,
        help_text=gettext_lazy("comma-separated"),
    )
    tiers = forms.MultipleChoiceField(
        label=gettext_lazy("target tiers, in overflow order"),
        choices=Tier.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agents = forms.CharField(
        label=gettext_lazy("dedicated agents"),
        required=False,
        help_text=gettext_lazy("agent ids, comma-separated"),
    )


TIER_ORDER = [value for value, _label in Tier.choices]


@login_required
@require_http_methods(["GET", "POST"])
def settings_view(request: HttpRequest) -> HttpResponse:
    _manager(request)
    row = RoutingSettings.current()
    form = SettingsForm(instance=row)
    rule_form = RuleForm()
    if request.method == "POST":
        what = request.POST.get("form")
        try:
            if what == "settings":
                form = SettingsForm(request.POST, instance=RoutingSettings.current())
                if form.is_valid():
                    actions.save_settings(
                        {f: form.cleaned_data[f] for f in RoutingSettings.FIELDS},
                        user=request.user,
                    )
                    messages.success(request, _("Routing settings saved."))
                    return redirect("assignment:settings")
            elif what == "rule":
                rule_form = RuleForm(request.POST)
                if rule_form.is_valid():
                    data = rule_form.cleaned_data
                    actions.save_rule(
                        {
                            "name": data["name"],
                            "risk_labels": data["risk_labels"],
                            "tags": [t.pk for t in data["tags"]],
                            "channels": data["channels"],
                            "product_lines": data["product_lines"],
                            "languages": data["languages"],
                            # checkboxes come in form order: the tiers' own order
                            "tiers": sorted(data["tiers"], key=TIER_ORDER.index),
                            "agents": data["agents"],
                        },
                        user=request.user,
                    )
                    messages.success(request, _("Rule added."))
                    return redirect("assignment:settings")
            elif what == "delete":
                actions.delete_rule(int(request.POST.get("rule") or 0), user=request.user)
                messages.success(request, _("Rule deleted."))
                return redirect("assignment:settings")
        except (ActionError, ValueError) as exc:
            messages.error(request, getattr(exc, "detail", str(exc)))
    rules = RoutingRule.objects.prefetch_related("tags", "agents")
    for rule in rules:
        rule.pool_labels = [presenters.pool_label(t) for t in rule.tiers or []]
    return render(
        request,
        "assignment/settings.html",
        {"form": form, "rule_form": rule_form, "rules": rules, "may_monitor": True},
    )


# --- the effect report ------------------------------------------------------------------------
class EffectForm(forms.Form):
    date_from = DayField(label=gettext_lazy("From"), required=False)
    date_to = DayField(label=gettext_lazy("To"), required=False)


@login_required
@require_GET
def effect(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    since = RoutingSettings.current().enabled_since
    form = EffectForm(request.GET or None)
    date_from, date_to = effect_core.default_span(since, timezone.localdate())
    if form.is_bound and form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
    data = selectors.effect_rows(request.user, date_from, date_to)
    result = effect_core.effect(data.rows, since)
    return render(
        request,
        "assignment/effect.html",
        {
            "form": form,
            "result": result,
            "sources": data.sources,
            "since": since,
            "date_from": date_from,
            "date_to": date_to,
            "HIGH": effect_core.HIGH,
            "OTHERS": effect_core.OTHERS,
            "may_monitor": access.can_monitor(request.user),
            "strategy_labels": dict(Strategy.choices),
        },
    )
