"""Training pages: practice with simulated customers (模拟客户练习).

The scenario list (everyone), a scenario, the trainers' editor (YAML/JSON with the
validation errors), the practice workspace (the customer answers each reply; HTMX posts),
a finished practice's QA breakdown, the practice history (agents their own, supervisors
their teams', trainers and managers all) and the new hires' error rate per week since
hire. Every query goes through kefu.accounts.access; another agent's practice is 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access
from kefu.accounts.models import Agent
from kefu.accounts.roles import MANAGE_TRAINING, VIEW_ALL_TRAINING
from kefu.interactions.core.native import conversation_to_native, dumps
from kefu.interactions.views import is_htmx_fragment
from kefu.lib.errors import ActionError, NotFound
from kefu.lib.language import short_language
from kefu.lib.localtime import configured_tz
from kefu.qa.core.figures import format_rate, format_score, score_band
from kefu.training import practice_pages
from kefu.training.actions import practice as actions
from kefu.training.choices import PracticeStatus
from kefu.training.core import dialogue, scenario_files
from kefu.training.core.practice_errors import error_rate
from kefu.training.filtersets import PracticeFilterSet, ScenarioFilterSet
from kefu.training.models import Practice, Scenario
from kefu.training.views._common import refused, require_trainer

HISTORY_LIMIT = 200


def _scenarios(request: HttpRequest):
    rows = access.restrict(Scenario.objects.select_related("area"), request.user)
    if not request.user.has_perm(MANAGE_TRAINING):
        rows = rows.filter(active=True)  # an inactive scenario is the trainers' draft
    return rows


def _scenario(request: HttpRequest, code: str) -> Scenario:
    return get_object_or_404(_scenarios(request), code=code)


def _practices(request: HttpRequest):
    return access.restrict(Practice.objects.all(), request.user).select_related(
        "scenario", "agent", "agent__team"
    )


def _may_see_rates(user) -> bool:
    return user.has_perm(VIEW_ALL_TRAINING) or bool(access.supervised_team_ids(user))


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    filterset = ScenarioFilterSet(request.GET, _scenarios(request), user=request.user)
    scenarios = list(filterset.qs.order_by("area__code", "code"))
    agent_id = access.own_agent_id(request.user)
    mine: dict[int, dict] = {}
    active: list[Practice] = []
    if agent_id is not None:
        own = access.restrict(Practice.objects.all(), request.user, actions.PRACTISE)
        for row in (
            own.filter(status=PracticeStatus.FINISHED)
            .values("scenario_id")
            .annotate(n=Count("pk"), best=Max("qa_score"))
            .order_by()
        ):
            mine[row["scenario_id"]] = row
        active = list(own.filter(status=PracticeStatus.ACTIVE).select_related("scenario")[:20])
    for s in scenarios:
        stats = mine.get(s.pk)
        s.my_count = stats["n"] if stats else 0
        best = stats["best"] if stats else None
        s.my_best = format_score(float(best)) if best is not None else ""
    context = {
        "tab": "practice",
        "scenarios": scenarios,
        "filters": filterset.form,
        "can_practise": agent_id is not None,
        "is_trainer": request.user.has_perm(MANAGE_TRAINING),
        "may_see_rates": _may_see_rates(request.user),
        "active": active,
    }
    return render(request, "training/practice/index.html", context)


@login_required
@require_GET
def scenario_detail(request: HttpRequest, scenario_code: str) -> HttpResponse:
    scenario = _scenario(request, scenario_code)
    is_trainer = request.user.has_perm(MANAGE_TRAINING)
    try:
        compiled: dialogue.Scenario | None = actions.compile_graph(scenario.graph)
    except ActionError:
        compiled = None
    context = {
        "tab": "practice",
        "scenario": scenario,
        "compiled": compiled,
        # The routes are the answer key: trainers see the graph, trainees the brief.
        "nodes": list(compiled.nodes.values()) if compiled and is_trainer else [],
        "is_trainer": is_trainer,
        "can_practise": access.own_agent_id(request.user) is not None and scenario.active,
    }
    return render(request, "training/practice/scenario.html", context)


def _editor(
    request: HttpRequest, scenario: Scenario | None, text: str, problems=(), status: int = 200
) -> HttpResponse:
    context = {
        "tab": "practice",
        "scenario": scenario,
        "text": text,
        "problems": list(problems),
    }
    return render(request, "training/practice/scenario_form.html", context, status=status)


def _save(request: HttpRequest, scenario: Scenario | None) -> HttpResponse:
    text = request.POST.get("definition", "")
    try:
        data = scenario_files.parse_text(text)
    except scenario_files.SyntaxProblem as exc:
        if exc.line is None:
            reason = _("not valid YAML/JSON: %(problem)s") % {"problem": exc.problem}
        else:
            reason = _("line %(line)s, column %(column)s: not valid YAML/JSON: %(problem)s") % {
                "line": exc.line, "column": exc.column, "problem": exc.problem,
            }  # fmt: skip
        return _editor(request, scenario, text, [dialogue.Problem(_("definition"), reason)], 422)
    try:
        saved = actions.save_scenario(request.user, data, scenario)
    except ActionError as exc:
        if exc.errors:  # their reasons in the user's language already
            problems = [
                dialogue.Problem(actions.problem_where(e["field"]), e["reason"]) for e in exc.errors
            ]
        else:
            problems = [dialogue.Problem(_("definition"), _(exc.detail))]
        return _editor(request, scenario, text, problems, exc.status)
    messages.success(request, _("Scenario saved."))
    return redirect("training:practice_scenario", scenario_code=saved.code)


@login_required
@require_http_methods(["GET", "POST"])
def scenario_new(request: HttpRequest) -> HttpResponse:
    require_trainer(request)
    if request.method == "POST":
        return _save(request, None)
    # A shipped scenario as the starting point, under a code of its own.
    template = scenario_files.SCENARIO_DIR / "logistics-delay.yaml"
    text = template.read_text(encoding="utf-8") if template.exists() else ""
    return _editor(request, None, text.replace("code: logistics-delay", "code: my-scenario", 1))


@login_required
@require_http_methods(["GET", "POST"])
def scenario_edit(request: HttpRequest, scenario_code: str) -> HttpResponse:
    require_trainer(request)
    scenario = _scenario(request, scenario_code)
    if request.method == "POST":
        return _save(request, scenario)
    return _editor(request, scenario, scenario_files.dump_text(scenario.graph))


@login_required
@require_POST
def scenario_copy(request: HttpRequest, scenario_code: str) -> HttpResponse:
    require_trainer(request)
    scenario = _scenario(request, scenario_code)
    code = (request.POST.get("code") or "").strip()
    try:
        copy = actions.copy_scenario(request.user, scenario, code)
    except ActionError as exc:
        for e in exc.errors[:3]:
            messages.error(request, f"{e['field']}: {e['reason']}")
        refused(request, exc)
        return redirect("training:practice_scenario", scenario_code=scenario.code)
    messages.success(request, _("Copy made: edit it as you like."))
    return redirect("training:practice_scenario_edit", scenario_code=copy.code)


@login_required
@require_POST
def scenario_active(request: HttpRequest, scenario_code: str) -> HttpResponse:
    require_trainer(request)
    scenario = _scenario(request, scenario_code)
    try:
        actions.set_active(request.user, scenario, request.POST.get("active") == "1")
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:practice_scenario", scenario_code=scenario.code)


@login_required
@require_POST
def start(request: HttpRequest, scenario_code: str) -> HttpResponse:
    scenario = _scenario(request, scenario_code)
    try:
        practice = actions.start_practice(request.user, scenario)
    except NotFound as exc:
        raise Http404 from exc
    except ActionError as exc:
        if exc.status == 403:
            raise PermissionDenied from exc
        refused(request, exc)
        return redirect("training:practice_scenario", scenario_code=scenario.code)
    return redirect("training:practice_run", practice_id=practice.pk)


def _workspace_context(request: HttpRequest, practice: Practice, error: str = "") -> dict:
    compiled = actions.compile_graph(practice.graph)
    node = compiled.nodes.get(practice.node)
    lines = practice_pages.transcript(practice)
    replies = dialogue.agent_turns(actions.lines_of(practice))
    return {
        "practice": practice,
        "compiled": compiled,
        "transcript": lines,
        "at_goal": node is not None and node.kind == dialogue.GOAL,
        "replies": replies,
        "replies_left": max(0, compiled.max_turns - replies),
        "error": error,
        "mine": practice.agent_id == access.own_agent_id(request.user),
    }


@login_required
@require_GET
def practice_detail(request: HttpRequest, practice_id: int) -> HttpResponse:
    practice = get_object_or_404(_practices(request), pk=practice_id)
    if practice.status == PracticeStatus.ACTIVE:
        context = {"tab": "practice"} | _workspace_context(request, practice)
        return render(request, "training/practice/workspace.html", context)
    context = {
        "tab": "practice",
        "practice": practice,
        "result": practice_pages.result(practice, short_language()),
        "duration_s": (practice.finished_at - practice.started_at).total_seconds()
        if practice.finished_at
        else None,
        "mine": practice.agent_id == access.own_agent_id(request.user),
    }
    return render(request, "training/practice/result.html", context)


@login_required
@require_POST
def turn(request: HttpRequest, practice_id: int) -> HttpResponse:
    error = ""
    try:
        practice, _step = actions.send_turn(request.user, practice_id, request.POST.get("text", ""))
    except NotFound as exc:
        raise Http404 from exc
    except ActionError as exc:
        if not is_htmx_fragment(request):
            refused(request, exc)
            return redirect("training:practice_run", practice_id=practice_id)
        error = _(exc.detail)
        practice = get_object_or_404(_practices(request), pk=practice_id)
    if not is_htmx_fragment(request) or practice.status != PracticeStatus.ACTIVE:
        if is_htmx_fragment(request):  # the customer left: show the result page
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("training:practice_run", args=[practice.pk])
            return response
        return redirect("training:practice_run", practice_id=practice.pk)
    context = _workspace_context(request, practice, error)
    return render(request, "training/practice/partials/panel.html", context)


@login_required
@require_POST
def finish(request: HttpRequest, practice_id: int) -> HttpResponse:
    try:
        actions.finish_practice(request.user, practice_id)
    except NotFound as exc:
        raise Http404 from exc
    except ActionError as exc:
        refused(request, exc)
    return redirect("training:practice_run", practice_id=practice_id)


@login_required
@require_GET
def export(request: HttpRequest, practice_id: int) -> HttpResponse:
    """A finished practice as one native JSONL line: `kefu qa score` on it gives the
    practice's score."""
    practice = get_object_or_404(
        _practices(request).filter(status=PracticeStatus.FINISHED), pk=practice_id
    )
    record = actions.practice_record(practice)
    response = HttpResponse(
        dumps(conversation_to_native(record, configured_tz())),
        content_type="application/x-ndjson; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="practice-{practice.pk}.jsonl"'
    return response


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    practices = _practices(request)
    filterset = PracticeFilterSet(request.GET, practices, user=request.user)
    agents = access.restrict(Agent.objects.all(), request.user).filter(
        pk__in=practices.values("agent_id")
    )
    chosen = filterset.applied.get("agent") or []
    agent = chosen[0] if len(chosen) == 1 else None
    own = access.own_agent_id(request.user)
    if not chosen and own is not None and not agents.exclude(pk=own).exists():
        agent = agents.filter(pk=own).first()  # an agent sees their own figures at once
    practices = filterset.qs  # an invalid filter is shown on its field, not applied
    finished = practices.filter(status=PracticeStatus.FINISHED, checks__gt=0)
    facts = practice_pages.facts_by_agent(finished)
    all_facts = [f for rows in facts.values() for f in rows]
    errors, checks = sum(f.errors for f in all_facts), sum(f.checks for f in all_facts)
    totals = {
        "practices": len(all_facts),
        "errors": errors,
        "checks": checks,
        "rate_text": format_rate(error_rate(errors, checks)),
    }
    weeks_kind, weeks = "", []
    if agent is not None:
        weeks_kind, weeks = practice_pages.my_weeks(
            facts.get(agent.pk, []), agent.hired_on, agent.tier
        )
    rows = list(practices.order_by("-started_at", "-pk")[:HISTORY_LIMIT])
    for p in rows:
        p.score_text = format_score(float(p.qa_score)) if p.qa_score is not None else "—"
        p.band = score_band(float(p.qa_score)) if p.qa_score is not None else ""
        p.rate_text = format_rate(error_rate(p.errors or 0, p.checks)) if p.checks else "—"
    context = {
        "tab": "practice",
        "rows": rows,
        "agents": agents.order_by("external_id") if agents.count() > 1 else [],
        "agent": agent,
        "filters": filterset.form,
        "scenario_code": request.GET.get("scenario", ""),
        "status": request.GET.get("status", ""),
        "statuses": PracticeStatus.choices,
        "scenarios": _scenarios(request).order_by("code"),
        "totals": totals,
        "weeks": weeks,
        "weeks_kind": weeks_kind,
        "limit": HISTORY_LIMIT,
        "may_see_rates": _may_see_rates(request.user),
    }
    return render(request, "training/practice/history.html", context)


@login_required
@require_GET
def rates(request: HttpRequest) -> HttpResponse:
    """Each new hire's practice error rate per week since hire (trainers, managers: all;
    supervisors: their teams)."""
    if not _may_see_rates(request.user):
        raise PermissionDenied
    data = practice_pages.new_hire_rates(
        access.restrict(Practice.objects.all(), request.user).filter(status=PracticeStatus.FINISHED)
    )
    return render(request, "training/practice/rates.html", {"tab": "practice", "data": data})


urls = [
    path("practice/", index, name="practice"),
    path("practice/history/", history, name="practice_history"),
    path("practice/error-rates/", rates, name="practice_rates"),
    path("practice/scenarios/new/", scenario_new, name="practice_scenario_new"),
    path("practice/scenarios/<slug:scenario_code>/", scenario_detail, name="practice_scenario"),
    path(
        "practice/scenarios/<slug:scenario_code>/edit/",
        scenario_edit,
        name="practice_scenario_edit",
    ),
    path(
        "practice/scenarios/<slug:scenario_code>/copy/",
        scenario_copy,
        name="practice_scenario_copy",
    ),
    path(
        "practice/scenarios/<slug:scenario_code>/active/",
        scenario_active,
        name="practice_scenario_active",
    ),
    path("practice/scenarios/<slug:scenario_code>/start/", start, name="practice_start"),
    path("practice/<int:practice_id>/", practice_detail, name="practice_run"),
    path("practice/<int:practice_id>/turn/", turn, name="practice_turn"),
    path("practice/<int:practice_id>/finish/", finish, name="practice_finish"),
    path("practice/<int:practice_id>/export.jsonl", export, name="practice_export"),
]
