"""KPI settings (targets, benchmark sets, improvement actions) and the monthly review
workbook. Views parse, call `kefu.metrics.actions` and render; every write is a POST
that redirects back to the settings page (a bad value re-renders it with the error)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.access import ALL, requires
from kefu.accounts.choices import Tier
from kefu.accounts.roles import MANAGE_KPI_SETTINGS, user_roles
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core.periods import month_key
from kefu.lib.downloads import xlsx_response
from kefu.lib.language import language
from kefu.metrics import actions, exports
from kefu.metrics.core.catalogue import ALL_FIGURES, FIGURES
from kefu.metrics.core.formatting import format_value
from kefu.metrics.forms_settings import (
    BenchmarkSetForm,
    BenchmarkValueForm,
    ImprovementActionForm,
    TargetForm,
    direction,
    to_entered,
    unit_label,
)
from kefu.metrics.models import BenchmarkSet, BenchmarkValue, ImprovementAction, Target

ACTIONS_SHOWN = 200


manager_only = requires(MANAGE_KPI_SETTINGS)


def _back(anchor: str) -> HttpResponse:
    return redirect(reverse("metrics:settings") + f"#{anchor}")


# --- the page -------------------------------------------------------------------------------
def _figure_row(key: str, lang: str) -> dict:
    figure = FIGURES[key] if key in FIGURES else ALL_FIGURES[key]
    return {
        "key": key,
        "label": figure.label(lang),
        "direction": direction(figure),
        "unit": unit_label(figure),
    }


def _target_rows(lang: str) -> tuple[list[dict], list[dict]]:
    """(one row per figure with its department target, the overrides)."""
    department: dict[str, Target] = {}
    overrides: list[dict] = []
    order = {k: i for i, k in enumerate(FIGURES)}
    rows = Target.objects.select_related("team", "updated_by")
    for target in rows:
        if target.key not in FIGURES:
            continue
        item = {
            **_figure_row(target.key, lang),
            "target": target,
            "entered": to_entered(target.key, target.value),
            "shown": format_value(target.key, target.value, lang),
            "tier_label": Tier(target.tier).label if target.tier in Tier.values else "",
        }
        if target.team_id is None and not target.tier:
            department[target.key] = item
        else:
            overrides.append(item)

    def override_order(row: dict) -> tuple:
        target = row["target"]
        return (order[row["key"]], target.team.name if target.team else "", target.tier)

    overrides.sort(key=override_order)
    figures = []
    for key in FIGURES:
        row = _figure_row(key, lang)
        current = department.get(key)
        row["department"] = current
        row["entered"] = current["entered"] if current else ""
        row["shown"] = current["shown"] if current else "—"
        row["overrides"] = sum(1 for o in overrides if o["key"] == key)
        figures.append(row)
    return figures, overrides


def _benchmark_rows(lang: str, value_forms: dict[int, BenchmarkValueForm]) -> list[dict]:
    order = {k: i for i, k in enumerate(ALL_FIGURES)}
    sets = []
    for benchmark in BenchmarkSet.objects.prefetch_related("values"):
        items = [v for v in benchmark.values.all() if v.key in ALL_FIGURES]
        items.sort(key=lambda v: order[v.key])
        values = [
            {
                **_figure_row(item.key, lang),
                "item": item,
                "entered": to_entered(item.key, item.value),
                "shown": format_value(item.key, item.value, lang),
            }
            for item in items
        ]
        form = value_forms.get(benchmark.pk) or BenchmarkValueForm(
            auto_id=f"id_set{benchmark.pk}_%s"
        )
        sets.append({"set": benchmark, "values": values, "form": form})
    return sets


def render_settings(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    lang = language()
    figure_rows, overrides = _target_rows(lang)
    context = {
        "layout": "base.html",
        "figure_rows": figure_rows,
        "overrides": overrides,
        "benchmarks": _benchmark_rows(lang, forms.get("value_forms") or {}),
        "improvement_actions": ImprovementAction.objects.select_related(
            "team", "created_by"
        ).order_by("-on", "-pk")[:ACTIONS_SHOWN],
        "target_form": forms.get("target_form") or TargetForm(),
        "set_form": forms.get("set_form") or BenchmarkSetForm(),
        "action_form": forms.get("action_form") or ImprovementActionForm(),
        "review_month": exports.default_review_month(),
    }
    return render(request, "metrics/settings.html", context, status=status)


@manager_only
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    return render_settings(request)


def _rejected(request: HttpRequest, form, **forms) -> HttpResponse:
    """Re-render the page with the form's errors (and say so at the top)."""
    errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
    messages.error(request, _("Not saved: %(reason)s") % {"reason": " ".join(errors)})
    return render_settings(request, status=400, **forms)


# --- targets ------------------------------------------------------------------------------
@manager_only
@require_POST
def target_save(request: HttpRequest) -> HttpResponse:
    form = TargetForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            target = actions.set_target(
                key=data["key"],
                value=data["stored_value"],
                team=data["team"],
                tier=data["tier"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            label = FIGURES[target.key].label(language())
            messages.success(request, _("Target saved: %(figure)s.") % {"figure": label})
            return _back("targets")
    return _rejected(request, form, target_form=form)


@manager_only
@require_POST
def target_delete(request: HttpRequest, target_id: int) -> HttpResponse:
    target = get_object_or_404(Target.objects.select_related("team"), pk=target_id)
    actions.delete_target(target, by=request.user, request=request)
    label = ALL_FIGURES[target.key].label(language()) if target.key in ALL_FIGURES else target.key
    messages.success(request, _("Target removed: %(figure)s.") % {"figure": label})
    return _back("targets")


# --- benchmark sets -----------------------------------------------------------------------
@manager_only
@require_POST
def benchmark_create(request: HttpRequest) -> HttpResponse:
    form = BenchmarkSetForm(request.POST)
    if form.is_valid():
        try:
            benchmark = actions.create_benchmark_set(
                name=form.cleaned_data["name"], by=request.user, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Benchmark set added: %(name)s.") % {"name": benchmark})
            return _back(f"benchmark-{benchmark.pk}")
    return _rejected(request, form, set_form=form)


@manager_only
@require_POST
def benchmark_rename(request: HttpRequest, set_id: int) -> HttpResponse:
    benchmark = get_object_or_404(BenchmarkSet, pk=set_id)
    form = BenchmarkSetForm(request.POST)
    if form.is_valid():
        try:
            actions.rename_benchmark_set(
                benchmark, name=form.cleaned_data["name"], by=request.user, request=request
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Benchmark set renamed: %(name)s.") % {"name": benchmark})
            return _back(f"benchmark-{benchmark.pk}")
    return _rejected(request, form)


@manager_only
@require_POST
def benchmark_delete(request: HttpRequest, set_id: int) -> HttpResponse:
    benchmark = get_object_or_404(BenchmarkSet, pk=set_id)
    name = benchmark.name
    actions.delete_benchmark_set(benchmark, by=request.user, request=request)
    messages.success(request, _("Benchmark set deleted: %(name)s.") % {"name": name})
    return _back("benchmarks")


@manager_only
@require_POST
def benchmark_value_save(request: HttpRequest, set_id: int) -> HttpResponse:
    benchmark = get_object_or_404(BenchmarkSet, pk=set_id)
    form = BenchmarkValueForm(request.POST, auto_id=f"id_set{benchmark.pk}_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.set_benchmark_value(
                benchmark,
                key=data["key"],
                value=data["stored_value"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Benchmark saved: %(name)s.") % {"name": benchmark})
            return _back(f"benchmark-{benchmark.pk}")
    return _rejected(request, form, value_forms={benchmark.pk: form})


@manager_only
@require_POST
def benchmark_value_delete(request: HttpRequest, value_id: int) -> HttpResponse:
    item = get_object_or_404(BenchmarkValue.objects.select_related("benchmark"), pk=value_id)
    benchmark = item.benchmark
    actions.delete_benchmark_value(item, by=request.user, request=request)
    messages.success(request, _("Benchmark value removed from %(name)s.") % {"name": benchmark})
    return _back(f"benchmark-{benchmark.pk}")


# --- improvement actions --------------------------------------------------------------------
@manager_only
@require_POST
def improvement_add(request: HttpRequest) -> HttpResponse:
    form = ImprovementActionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_improvement_action(
                on=data["on"],
                title=data["title"],
                note=data["note"],
                team=data["team"],
                by=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Improvement action added."))
            return _back("improvements")
    return _rejected(request, form, action_form=form)


@manager_only
@require_POST
def improvement_delete(request: HttpRequest, action_id: int) -> HttpResponse:
    action = get_object_or_404(ImprovementAction.objects.select_related("team"), pk=action_id)
    actions.delete_improvement_action(action, by=request.user, request=request)
    messages.success(request, _("Improvement action deleted."))
    return _back("improvements")


# --- the monthly review workbook -------------------------------------------------------------
@login_required
@require_GET
def review_export(request: HttpRequest) -> HttpResponse:
    """`?month=2024-05` (default: the last month with data) as an Excel workbook, holding
    what the user may see: everything, their teams, or only their own row."""
    if not user_roles(request.user):
        raise PermissionDenied
    month = request.GET.get("month") or exports.default_review_month()
    try:
        exports.parse_month(month)
    except ValueError:
        return HttpResponseBadRequest(_("Give the month as YYYY-MM, for example 2024-05."))
    scope = exports.review_scope(month, request.user)
    stream = io.BytesIO()
    exports.write_review_workbook(scope, stream, language=language(), user=request.user)
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="kpi_review",
        object_id=month_key(scope.date_from),
        detail={
            "from": scope.date_from.isoformat(),
            "to": scope.date_to.isoformat(),
            "scoped": scope.visible is not ALL,
        },
    )
    return xlsx_response(stream.getvalue(), exports.review_filename(scope))
