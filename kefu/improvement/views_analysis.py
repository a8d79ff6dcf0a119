"""Pages of the analyses: 5-Why records, fishbone diagrams and case retrospectives (list
with filters, new, detail, edit), the retrospective's Excel export, and the hand-off
button of analyses and projects.

Who may do what is the access layer's (kefu/improvement/apps.py): the lists are for
supervisors and the department roles (others 403), an analysis outside the reader's rows
is 404, writing takes MANAGE_IMPROVEMENT (403). Linked conversations are listed only to
whoever may see them."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kefu.accounts import access
from kefu.improvement import actions_analysis, handoffs, selectors
from kefu.improvement.choices import FishboneCategory
from kefu.improvement.core import fishbone as fishbone_core
from kefu.improvement.filtersets_analysis import AnalysisFilterSet
from kefu.improvement.forms_analysis import (
    AnalysisForm,
    FishboneForm,
    FiveWhyForm,
    RetrospectiveForm,
)
from kefu.improvement.selectors_analysis import (
    FISHBONE,
    FIVE_WHY,
    KINDS,
    RETROSPECTIVE,
    Kind,
    analyses,
    last_handoff,
    linked_conversations,
)
from kefu.lib.downloads import xlsx_response
from kefu.lib.errors import ActionError

PAGE = 50
FORMS: dict[str, type[AnalysisForm]] = {
    FIVE_WHY: FiveWhyForm,
    FISHBONE: FishboneForm,
    RETROSPECTIVE: RetrospectiveForm,
}
SAVE = {
    FIVE_WHY: actions_analysis.save_five_why,
    FISHBONE: actions_analysis.save_fishbone,
    RETROSPECTIVE: actions_analysis.save_retrospective,
}


def _context(request: HttpRequest, kind: Kind, **extra: Any) -> dict[str, Any]:
    return {
        "tab": "analyses",
        "kind": kind,
        "kinds": KINDS.values(),
        "manager": access.manages_improvement(request.user),
        "sees_projects": selectors.sees_projects(request.user),
        **extra,
    }


def _require_reader(request: HttpRequest) -> None:
    if not selectors.sees_projects(request.user):
        raise PermissionDenied


def _require_manager(request: HttpRequest) -> None:
    if not access.manages_improvement(request.user):
        raise PermissionDenied


def _visible(request: HttpRequest, kind: Kind, analysis_id: int):
    analysis = analyses(request.user, kind).filter(pk=analysis_id).first()
    if analysis is None:
        raise Http404
    return analysis


def _form(request: HttpRequest, kind: Kind, data=None, initial=None, current=None):
    return FORMS[kind.key](
        data,
        initial=initial,
        problems=list(selectors.current_taxonomy().problems()),
        causes=list(selectors.cause_nodes()),
        current=current,
    )


@login_required
def analysis_list(request: HttpRequest, key: str) -> HttpResponse:
    kind = KINDS[key]
    _require_reader(request)
    filterset = AnalysisFilterSet(request.GET or None, analyses(request.user, kind))
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "improvement/analysis/list.html",
        _context(
            request,
            kind,
            page=page,
            filterset=filterset,
            problems=list(selectors.current_taxonomy().problems()),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def analysis_new(request: HttpRequest, key: str) -> HttpResponse:
    kind = KINDS[key]
    _require_manager(request)
    form = _form(request, kind, initial={"problem": request.GET.get("problem", "")})
    if request.method == "POST":
        form = _form(request, kind, request.POST)
        if form.is_valid():
            try:
                analysis = SAVE[key](form.data_for_action(), user=request.user)
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Analysis saved."))
                return redirect(f"improvement:{key}", analysis.pk)
    return render(
        request, "improvement/analysis/form.html", _context(request, kind, form=form, analysis=None)
    )


@login_required
@require_http_methods(["GET", "POST"])
def analysis_edit(request: HttpRequest, key: str, analysis_id: int) -> HttpResponse:
    kind = KINDS[key]
    analysis = _visible(request, kind, analysis_id)
    _require_manager(request)
    ids = [c.external_id for c in linked_conversations(analysis, request.user)]
    current = analysis.root_cause
    form = _form(request, kind, initial=FORMS[key].initial_of(analysis, ids), current=current)
    if request.method == "POST":
        form = _form(request, kind, request.POST, current=current)
        if form.is_valid():
            try:
                SAVE[key](form.data_for_action(), user=request.user, analysis=analysis)
            except ActionError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Analysis saved."))
                return redirect(f"improvement:{key}", analysis.pk)
    return render(
        request,
        "improvement/analysis/form.html",
        _context(request, kind, form=form, analysis=analysis),
    )


def handoff_context(subject, object_type: str) -> dict[str, Any]:
    """The hand-off offered for the subject's root cause and the last one recorded."""
    cause = subject.root_cause
    return {
        "handoff": handoffs.for_kind(cause.kind if cause else None),
        "last_handoff": last_handoff(object_type, subject.pk),
    }


@login_required
def analysis_detail(request: HttpRequest, key: str, analysis_id: int) -> HttpResponse:
    kind = KINDS[key]
    analysis = _visible(request, kind, analysis_id)
    extra: dict[str, Any] = {}
    if key == FISHBONE:
        categories = list(FishboneCategory.choices)
        extra["diagram"] = fishbone_core.layout(categories, analysis.causes)
        extra["categories"] = [(label, analysis.causes.get(v, [])) for v, label in categories]
    return render(
        request,
        f"improvement/analysis/{key}.html",
        _context(
            request,
            kind,
            analysis=analysis,
            conversations=linked_conversations(analysis, request.user)[:200],
            handoff_url=kind.url_handoff,
            **handoff_context(analysis, kind.object_type),
            **extra,
        ),
    )


@login_required
def retrospective_export(request: HttpRequest, analysis_id: int) -> HttpResponse:
    """The retrospective as Excel (sections; linked conversations the reader may see,
    customers masked); audited."""
    retrospective = _visible(request, KINDS[RETROSPECTIVE], analysis_id)
    content = actions_analysis.export_retrospective(
        retrospective, user=request.user, request=request
    )
    return xlsx_response(content, actions_analysis.retrospective_filename(retrospective))


def _hand_off(request: HttpRequest, subject, back: str) -> HttpResponse:
    """Run the hand-off of the subject's root cause kind (kefu/improvement/handoffs.py);
    back: the URL name of the subject's page."""
    _require_manager(request)
    cause = subject.root_cause
    handoff = handoffs.for_kind(cause.kind if cause else None)
    if handoff is None or handoff.run is None:
        messages.error(
            request,
            str(handoff.unavailable) if handoff else _("This root cause has no hand-off."),
        )
        return redirect(back, subject.pk)
    try:
        n = handoff.run(subject, user=request.user, request=request)
    except ActionError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Handed off (%(n)s recipients).") % {"n": n})
    return redirect(back, subject.pk)


@login_required
@require_POST
def analysis_handoff(request: HttpRequest, key: str, analysis_id: int) -> HttpResponse:
    analysis = _visible(request, KINDS[key], analysis_id)
    return _hand_off(request, analysis, f"improvement:{key}")


@login_required
@require_POST
def project_handoff(request: HttpRequest, project_id: int) -> HttpResponse:
    project = selectors.projects(request.user).filter(pk=project_id).first()
    if project is None:
        raise Http404
    return _hand_off(request, project, "improvement:project")


def _urls() -> list:
    out = []
    for kind in KINDS.values():
        base = f"analyses/{kind.slug}/"
        extra = {"key": kind.key}
        out += [
            path(base, analysis_list, extra, name=f"{kind.key}_list"),
            path(f"{base}new/", analysis_new, extra, name=f"{kind.key}_new"),
            path(f"{base}<int:analysis_id>/", analysis_detail, extra, name=kind.key),
            path(f"{base}<int:analysis_id>/edit/", analysis_edit, extra, name=f"{kind.key}_edit"),
            path(
                f"{base}<int:analysis_id>/handoff/",
                analysis_handoff,
                extra,
                name=f"{kind.key}_handoff",
            ),
        ]
    out += [
        path(
            f"analyses/{KINDS[RETROSPECTIVE].slug}/<int:analysis_id>/export.xlsx",
            retrospective_export,
            name="retrospective_export",
        ),
        path("projects/<int:project_id>/handoff/", project_handoff, name="project_handoff"),
    ]
    return out


urls = _urls()
