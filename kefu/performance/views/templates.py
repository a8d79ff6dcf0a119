"""Scorecard templates per tier: indicators, weights, targets and mappings; versioned.
Everyone reads them (how a score is computed is no secret); managers save a change as
the template's next version."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.accounts.access import restrict
from kefu.accounts.roles import MANAGE_PERFORMANCE
from kefu.lib.errors import ActionError
from kefu.performance.actions.cycles import current_templates, new_version
from kefu.performance.choices import Dimension
from kefu.performance.models import Template
from kefu.performance.sources import choices as source_choices
from kefu.performance.sources import source


class LineForm(forms.Form):
    dimension = forms.ChoiceField(label=gettext_lazy("Dimension"), choices=Dimension.choices)
    source = forms.ChoiceField(label=gettext_lazy("Figure"), choices=())
    weight = forms.FloatField(label=gettext_lazy("Weight (%)"), min_value=0.1, max_value=100)
    floor = forms.FloatField(label=gettext_lazy("Floor (0 points)"), required=False)
    target = forms.FloatField(label=gettext_lazy("Target (100 points)"), required=False)
    # Bands instead of floor/target: "from:points" pairs, e.g. "0:0; 0.8:60; 0.95:100".
    bands = forms.CharField(
        label=gettext_lazy("Bands (from:points; …)"), required=False, max_length=400
    )
    remove = forms.BooleanField(label=gettext_lazy("Remove"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("remove") or not data.get("source"):
            return data
        text = (data.get("bands") or "").strip()
        if text:
            try:
                data["bands"] = parse_bands(text)
            except ValueError:
                self.add_error("bands", _("Write bands as from:points pairs, e.g. 0:0; 1:100."))
            data["mapping"] = "bands"
        else:
            data["bands"] = []
            data["mapping"] = "linear"
            for name in ("floor", "target"):
                if data.get(name) is None:
                    self.add_error(name, _("A linear mapping needs a floor and a target."))
        return data


def parse_bands(text: str) -> list[list[float]]:
    """ "0:0; 0.8:60; 0.95:100" → [[0, 0], [0.8, 60], [0.95, 100]] (ValueError if not)."""
    bands = []
    for pair in text.replace("；", ";").replace("：", ":").split(";"):
        if not pair.strip():
            continue
        lower, points = pair.split(":")
        bands.append([float(lower), float(points)])
    if not bands:
        raise ValueError("no band")
    return bands


def bands_text(bands: list) -> str:
    return "; ".join(f"{lower:g}:{points:g}" for lower, points in bands or ())


LineFormSet = forms.formset_factory(LineForm, extra=2, max_num=40, validate_max=True)


def _labelled(template: Template) -> list[dict]:
    rows = []
    for line in template.indicators.all():
        definition = source(line.source)
        rows.append(
            {
                "line": line,
                "label": definition.label if definition is not None else line.source,
                "reads": definition.reads if definition is not None else "",
                "bands": bands_text(line.bands) if line.mapping == "bands" else "",
                "lower_is_better": line.floor is not None
                and line.target is not None
                and line.floor > line.target,
            }
        )
    return rows


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    visible = restrict(Template.objects.prefetch_related("indicators"), request.user)
    current = {t.pk for t in current_templates().values()}
    templates = [
        {"template": t, "rows": _labelled(t), "current": t.pk in current}
        for t in visible.order_by("family", "-version")
    ]
    return render(
        request,
        "performance/templates/list.html",
        {
            "tab": "templates",
            "templates": templates,
            "manager": request.user.has_perm(MANAGE_PERFORMANCE),
        },
    )


@login_required
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    if not request.user.has_perm(MANAGE_PERFORMANCE):
        raise PermissionDenied
    template = get_object_or_404(
        restrict(Template.objects.prefetch_related("indicators"), request.user, "change"),
        pk=template_id,
    )
    if request.method == "POST":
        formset = LineFormSet(request.POST)
        note = (request.POST.get("note") or "").strip()[:2000]
        if formset.is_valid():
            lines = [
                form.cleaned_data
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("remove")
            ]
            try:
                created = new_version(request.user, template, lines, note)
            except ActionError as exc:
                messages.error(request, exc.detail)
                for error in exc.errors:
                    messages.error(request, f"{error['line']} · {error['field']}: {error['error']}")
            else:
                messages.success(
                    request, _("Saved as version %(version)d.") % {"version": created.version}
                )
                return redirect("performance:templates")
    else:
        formset = LineFormSet(
            initial=[
                {
                    "dimension": line.dimension,
                    "source": line.source,
                    "weight": line.weight,
                    "floor": line.floor,
                    "target": line.target,
                    "bands": bands_text(line.bands),
                }
                for line in template.indicators.all()
            ]
        )
    return render(
        request,
        "performance/templates/edit.html",
        {"tab": "templates", "template": template, "formset": formset},
    )


urls = [
    path("scorecards/", template_list, name="templates"),
    path("scorecards/<int:template_id>/edit/", template_edit, name="template_edit"),
]
