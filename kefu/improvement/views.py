"""Pages of complaint root cause: the monthly Top-5 (Pareto) with its drill-down, the
review queue of low-confidence classifications, the taxonomy, and improvement projects
with their before/after figures.

Reads start from `kefu.accounts.access`: a supervisor's Top-5 counts their teams'
complaints, an agent's their own; editing takes MANAGE_IMPROVEMENT (QA specialists,
managers).
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import yaml
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts import access
from kefu.core import periods
from kefu.core.params import parse_id
from kefu.improvement import actions, presenters, selectors, tasks, views_analysis
from kefu.improvement.filtersets import ClassificationFilterSet
from kefu.improvement.forms import (
    CorrectionForm,
    ProjectActionForm,
    ProjectForm,
    SettingsForm,
    TaxonomyForm,
)
from kefu.improvement.models import (
    ClassifierModel,
    ImprovementSettings,
    Project,
    ProjectAction,
    TaxonomyVersion,
)
from kefu.lib.errors import ActionError

PAGE = 50
log = logging.getLogger(__name__)


def _month(request: HttpRequest, default: date | None) -> tuple[date | None, str | None]:
    """The `month` parameter (YYYY-MM) or the default; a bad value is named, not used."""
    raw = request.GET.get("month")
    if not raw:
        return default, None
    bounds = periods.parse_month(raw, timezone.localdate())
    if bounds is None:
        return default, _("“%(value)s” is not a month (YYYY-MM); showing the latest.") % {
            "value": raw[:20]
        }
    return bounds[0], None


def _context(request: HttpRequest, tab: str, **extra: Any) -> dict[str, Any]:
    return {
        "tab": tab,
        "manager": access.manages_improvement(request.user),
        "sees_projects": selectors.sees_projects(request.user),
        **extra,
    }


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The month's Top-5 problems: counts, share, cumulative share, change."""
    month, error = _month(request, selectors.latest_month(request.user))
    pareto = selectors.pareto(request.user, month) if month else None
    chart = None
    if pareto and pareto.rows:
        chart = {
            "problems": [r.problem for r in pareto.rows],
            "counts": [r.count for r in pareto.rows],
            "cumulative": [round(r.cumulative * 100, 1) for r in pareto.rows],
            "count_label": _("Complaints"),
            "cumulative_label": _("Cumulative share (%)"),
        }
    return render(
        request,
        "improvement/home.html",
        _context(
            request,
            "pareto",
            month=month,
            previous=selectors.previous_month(month) if month else None,
            following=_following(month),
            month_error=error,
            pareto=pareto,
            chart=chart,
            to_review=selectors.review_queue(request.user).count(),
        ),
    )


def _following(month: date | None) -> date | None:
    if month is None:
        return None
    nxt = (month.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    return nxt if nxt <= timezone.localdate() else None


@login_required
def problem(request: HttpRequest) -> HttpResponse:
    """Drill-down: a month's complaints classified to one problem (the classification
    list's FilterSet: problem, month, scene, source, review)."""
    month, error = _month(request, selectors.latest_month(request.user))
    if not request.GET.get("problem") or month is None:
        raise Http404
    data = request.GET.copy()
    data["month"] = f"{month:%Y-%m}"
    filterset = ClassificationFilterSet(
        data, selectors.complaints(request.user).select_related("conversation", "agent__user")
    )
    rows = filterset.qs.order_by("-created_at", "-pk") if filterset.is_valid() else []
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "improvement/problem.html",
        _context(
            request,
            "pareto",
            problem=filterset.form.cleaned_data.get("problem") if filterset.is_valid() else "",
            month=month,
            month_error=error,
            page=page,
            filter_errors=filterset.errors,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest) -> HttpResponse:
    """Low-confidence classifications: a person confirms or corrects each one."""
    problems = list(selectors.current_taxonomy().problems())
    if request.method == "POST":
        form = CorrectionForm(request.POST, problems=problems)
        if not form.is_valid():
            messages.error(request, _("Choose a problem from the taxonomy."))
        else:
            try:
                actions.correct(
                    form.cleaned_data["conversation"],
                    form.cleaned_data["problem"],
                    user=request.user,
                )
                messages.success(request, _("Classification saved."))
            except ActionError as error:
                messages.error(request, str(error))
        return redirect("improvement:review")
    rows = selectors.review_queue(request.user).order_by("confidence", "-created_at")
    page = Paginator(rows, PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "improvement/review.html",
        _context(
            request,
            "review",
            page=page,
            problems=problems,
            threshold=ImprovementSettings.current().review_below,
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def taxonomy(request: HttpRequest) -> HttpResponse:
    version = selectors.current_version()
    tree = selectors.taxonomy_of(version)
    manager = access.manages_improvement(request.user)
    form = TaxonomyForm(
        initial={"text": yaml.safe_dump(tree.as_data(), allow_unicode=True, sort_keys=False)}
    )
    settings_form = SettingsForm(instance=ImprovementSettings.current())
    if request.method == "POST":
        if not manager:
            raise PermissionDenied
        if "save_settings" in request.POST:
            settings_form = SettingsForm(request.POST, instance=ImprovementSettings.current())
            if settings_form.is_valid():
                actions.save_settings(
                    {f: settings_form.cleaned_data[f] for f in SettingsForm.Meta.fields},
                    user=request.user,
                )
                messages.success(request, _("Settings saved."))
                return redirect("improvement:taxonomy")
        else:
            form = TaxonomyForm(request.POST)
            if form.is_valid():
                try:
                    new = actions.save_taxonomy(
                        form.cleaned_data["text"], note=form.cleaned_data["note"], user=request.user
                    )
                except ActionError as error:
                    form.add_error("text", str(error))
                else:
                    messages.success(
                        request, _("Taxonomy saved as version %(n)s.") % {"n": new.number}
                    )
                    return redirect("improvement:taxonomy")
    return render(
        request,
        "improvement/taxonomy.html",
        _context(
            request,
            "taxonomy",
            version=version,
            tree=tree,
            versions=TaxonomyVersion.objects.select_related("created_by")[:20],
            form=form,
            settings_form=settings_form,
        ),
    )


def _project_form(request: HttpRequest, data=None, initial=None) -> ProjectForm:
    return ProjectForm(
        data,
        initial=initial,
        problems=list(selectors.current_taxonomy().problems()),
        causes=selectors.cause_nodes(),
        owners=get_user_model().objects.filter(is_active=True).order_by("username"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def projects(request: HttpRequest) -> HttpResponse:
    if not selectors.sees_projects(request.user):
        raise PermissionDenied
    rows = selectors.projects(request.user)
    form = _project_form(
        request,
        initial={
            "start": timezone.localdate(),
            "owner": request.user.pk,
            "problem": request.GET.get("problem", ""),
        },
    )
    if request.method == "POST":
        if not access.manages_improvement(request.user):
            raise PermissionDenied
        form = _project_form(request, request.POST)
        if form.is_valid():
            try:
                project = actions.create_project(form.cleaned_data, user=request.user)
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Project started."))
                return redirect("improvement:project", project_id=project.pk)
    return render(
        request,
        "improvement/projects.html",
        _context(request, "projects", projects=rows, form=form),
    )


def _visible_project(request: HttpRequest, project_id: int) -> Project:
    project = selectors.projects(request.user).filter(pk=project_id).first()
    if project is None:
        raise Http404
    return project


@login_required
@require_http_methods(["GET", "POST"])
def project(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _visible_project(request, project_id)
    form = _project_form(
        request,
        initial={
            "title": project.title,
            "problem": project.problem,
            "root_cause": project.root_cause_id,
            "owner": project.owner_id,
            "status": project.status,
            "start": project.start,
            "end": project.end,
            "note": project.note,
        },
    )
    action_form = ProjectActionForm()
    if request.method == "POST":
        if not access.manages_improvement(request.user):
            raise PermissionDenied
        form = _project_form(request, request.POST)
        if form.is_valid():
            try:
                actions.update_project(project, form.cleaned_data, user=request.user)
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Project saved."))
                return redirect("improvement:project", project_id=project.pk)
    figures = selectors.project_figures(project, timezone.localdate())
    return render(
        request,
        "improvement/project.html",
        _context(
            request,
            "projects",
            project=project,
            figures=figures,
            rate_rows=[
                ("complaints", _("Complaints of the problem per 1,000"), figures["complaints"]),
                ("repeats", _("Repeat complaints per 1,000"), figures["repeats"]),
                ("inquiries", _("Related inquiries per 1,000"), figures["inquiries"]),
            ],
            project_actions=project.actions.select_related("owner"),
            form=form,
            action_form=action_form,
            # the hand-off of the root cause's kind (kefu/improvement/views_analysis.py)
            handoff_url="improvement:project_handoff",
            **views_analysis.handoff_context(project, "improvement.project"),
        ),
    )


@login_required
@require_POST
def project_action(request: HttpRequest, project_id: int) -> HttpResponse:
    """Add an action (text, due) or mark one done (`done` = the action's id)."""
    project = _visible_project(request, project_id)
    if not access.manages_improvement(request.user):
        raise PermissionDenied
    done = parse_id(request.POST.get("done"))
    try:
        if done is not None:
            action = ProjectAction.objects.filter(project=project, pk=done).first()
            if action is None:
                raise Http404
            actions.mark_action_done(action, on=timezone.localdate(), user=request.user)
        else:
            form = ProjectActionForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("An action needs a text; the due date is a day."))
                return redirect("improvement:project", project_id=project.pk)
            actions.add_project_action(
                project,
                form.cleaned_data["text"],
                due=form.cleaned_data["due"],
                owner=request.user,
                user=request.user,
            )
    except ActionError as error:
        messages.error(request, str(error))
    return redirect("improvement:project", project_id=project.pk)


@login_required
@require_http_methods(["GET", "POST"])
def classifier(request: HttpRequest) -> HttpResponse:
    """The classifier in use with its measured figures, earlier ones, and (for managers)
    retraining from today's labels, people's corrections included."""
    if not selectors.sees_projects(request.user):
        raise PermissionDenied
    if request.method == "POST":
        if not access.manages_improvement(request.user):
            raise PermissionDenied
        try:
            tasks.retrain.enqueue(request.user.pk)
        except Exception:  # no task queue reachable: do it now rather than never
            log.warning("could not enqueue the classifier's training; training now", exc_info=True)
            try:
                actions.retrain_and_reclassify(user=request.user)
            except ActionError as error:
                messages.error(request, str(error))
                return redirect("improvement:classifier")
        messages.success(
            request,
            _("Training started: the new classifier labels the complaints again when it is done."),
        )
        return redirect("improvement:classifier")
    models = ClassifierModel.objects.defer("blob").select_related("created_by")[:10]
    active = next((m for m in models if m.active), None)
    return render(
        request,
        "improvement/classifier.html",
        _context(
            request,
            "classifier",
            active=active,
            models=models,
            figures=presenters.classifier_figures(active.report) if active else None,
            counts=selectors.classification_counts(),
        ),
    )
