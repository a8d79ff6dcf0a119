"""Workforce pages. Views parse, call a selector, an action or a core, and render; every
write is a POST that redirects (or, from HTMX, answers the updated fragment). Planning
pages need the workforce permission (managers, admins); supervisors may open rosters
(their teams' rows), their teams' presence and schedule adherence; agents see their own
shifts and set their own presence (a fragment of the workspace)."""

from __future__ import annotations

import io
from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts.access import requires
from kefu.accounts.models import Agent, Team
from kefu.accounts.roles import MANAGE_WORKFORCE
from kefu.audit.actions import record as audit
from kefu.audit.models import AuditAction
from kefu.core import periods
from kefu.interactions.choices import Channel
from kefu.interactions.views import is_htmx_fragment
from kefu.lib.downloads import xlsx_response
from kefu.lib.errors import ActionError
from kefu.workforce import actions, building, exports, selectors
from kefu.workforce.choices import WEEKDAYS, PresenceState
from kefu.workforce.core.adherence import pooled
from kefu.workforce.core.forecast import week_start
from kefu.workforce.filtersets import AdherenceFilterSet, assignments_visible_to
from kefu.workforce.filtersets import default_week as default_adherence_week
from kefu.workforce.forms import AgentRuleForm, EventForm, ParametersForm, TemplateForm
from kefu.workforce.models import (
    AgentWorkRule,
    ForecastEvent,
    Roster,
    ShiftTemplate,
    StaffingParameters,
)

planner_only = requires(MANAGE_WORKFORCE)


def _channel_label(channel: str) -> str:
    return Channel(channel).label if channel in Channel.values else channel


def _week(request: HttpRequest) -> date:
    raw = request.GET.get("week") or request.POST.get("week")
    if not raw:
        return selectors.default_week()
    try:
        day = date.fromisoformat(raw)
        if not periods.day_allowed(day, timezone.localdate()):
            return selectors.default_week()
        return week_start(day)
    except ValueError:
        return selectors.default_week()


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def _forecast_warnings(p: selectors.ChannelPlan) -> list[str]:
    """The plan's warnings in words (see `ChannelPlan.warnings`)."""
    out = []
    if "naive" in p.warnings:
        out.append(
            _(
                "The forecast did not beat the seasonal-naive forecast (the same weekday and "
                "interval a week earlier) in the back-test: WAPE %(ours)s against %(naive)s. "
                "Check the history and the special days before relying on it."
            )
            % {"ours": _pct(p.wape), "naive": _pct(p.naive_wape)}
        )
    if "wape" in p.warnings:
        if p.noise_wape is not None and p.noise_wape > selectors.WAPE_WARNING:
            out.append(
                _(
                    "The interval error is high (WAPE %(wape)s), but so few contacts fall in "
                    "each interval that chance alone gives a perfect forecast about "
                    "%(noise)s; the error of the daily totals is %(daily)s."
                )
                % {"wape": _pct(p.wape), "noise": _pct(p.noise_wape), "daily": _pct(p.wape_daily)}
            )
        else:
            out.append(
                _(
                    "The interval error is high (WAPE %(wape)s against about %(noise)s from "
                    "chance alone): the forecast does not follow the history; check it."
                )
                % {"wape": _pct(p.wape), "noise": _pct(p.noise_wape)}
            )
    return out


# --- planning -----------------------------------------------------------------------------
@planner_only
@require_GET
def plan(request: HttpRequest) -> HttpResponse:
    week = _week(request)
    return render_plan(request, week)


def render_plan(request: HttpRequest, week: date, forms: dict | None = None, status: int = 200):
    plans = selectors.week_plan(week)
    params = {p.channel: p for p in StaffingParameters.objects.all()}
    forms = forms or {}
    rows = []
    chart = {"labels": selectors.interval_labels(week), "channels": []}
    for channel, p in plans.items():
        need = p.requirement["positions"]
        rows.append(
            {
                "channel": channel,
                "label": _channel_label(channel),
                "form": forms.get(channel)
                or ParametersForm(instance=params[channel], prefix=channel),
                "contacts": round(sum(p.forecast)),
                "peak": max(need) if need else 0,
                "agent_hours": sum(need) * selectors.INTERVAL_MIN / 60,
                "mape_daily": _pct(p.mape_daily),
                "mape_interval": _pct(p.mape_interval),
                "wape": _pct(p.wape),
                "naive_wape": _pct(p.naive_wape),
                "mase": "—" if p.mase is None else f"{p.mase:.2f}",
                "beats_naive": p.beats_naive,
                "warnings": _forecast_warnings(p),
                "trend": f"{(p.trend_per_week - 1) * 100:+.2f} %",
                "uplifts": [
                    {"name": k, "value": f"×{v:.2f}", "learnt": p.learnt.get(k)}
                    for k, v in sorted(p.uplifts.items())
                ],
            }
        )
        chart["channels"].append(
            {
                "channel": channel,
                "label": _channel_label(channel),
                "history": p.history,
                "gap_forecast": p.gap_forecast,
                "forecast": p.forecast,
                "requirement": need,
                "raw": p.requirement["raw_positions"],
            }
        )
    chart["text"] = {
        "history": _("History (3 weeks before)"),
        "forecast": _("Forecast contacts"),
        "requirement": _("Required agents (after shrinkage)"),
        "raw": _("Required agents (available)"),
    }
    any_plan = next(iter(plans.values()), None)
    context = {
        "week": week,
        "data_end": any_plan.data_end if any_plan else None,
        "horizon_days": any_plan.horizon_days if any_plan else None,
        "previous_week": week - timedelta(days=7),
        "next_week": week + timedelta(days=7),
        "rows": rows,
        "chart": chart,
        "rosters": selectors.rosters_visible_to(request.user)
        .filter(week_start=week)
        .select_related("created_by")[:10],
        "no_templates": not ShiftTemplate.objects.filter(active=True).exists(),
        "time_limit_s": building.time_limit_s(),
    }
    return render(request, "workforce/plan.html", context, status=status)


@planner_only
@require_POST
def parameters_save(request: HttpRequest, channel: str) -> HttpResponse:
    params = get_object_or_404(StaffingParameters, channel=channel)
    form = ParametersForm(request.POST, instance=params, prefix=channel)
    week = _week(request)
    if form.is_valid():
        try:
            actions.save_parameters(form.instance, by=request.user, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Parameters saved: %(channel)s.") % {"channel": _channel_label(channel)}
            )
            return redirect(reverse("workforce:plan") + f"?week={week}")
    messages.error(request, _("Not saved: check the values."))
    return render_plan(request, week, {channel: form}, status=400)


@planner_only
@require_POST
def roster_build(request: HttpRequest) -> HttpResponse:
    """Queue the week's roster; its page shows the build's progress."""
    week = _week(request)
    try:
        roster = actions.start_roster_build(week, by=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(reverse("workforce:plan") + f"?week={week}")
    return redirect("workforce:roster_detail", roster_id=roster.pk)


@planner_only
@require_POST
def roster_rebuild(request: HttpRequest, roster_id: int) -> HttpResponse:
    """Build a failed or stalled roster again."""
    roster = get_object_or_404(Roster, pk=roster_id)
    try:
        actions.restart_roster_build(roster, by=request.user, request=request)
    except ValidationError:
        return HttpResponse(status=409)
    return redirect("workforce:roster_detail", roster_id=roster.pk)


@login_required
@require_GET
def roster_status(request: HttpRequest, roster_id: int) -> HttpResponse:
    """HTMX: the build's progress, polled while it is queued or running; once it has
    ended the whole page is reloaded to show the roster (or the failure)."""
    roster = _visible_roster(request, roster_id)
    response = render(
        request,
        "workforce/partials/build_status.html",
        {"roster": roster, "planner": selectors.may_manage(request.user)},
    )
    if not roster.is_active:
        response["HX-Refresh"] = "true"
    return response


# --- rosters ------------------------------------------------------------------------------
def _visible_roster(request: HttpRequest, roster_id: int):
    return get_object_or_404(selectors.rosters_visible_to(request.user), pk=roster_id)


@login_required
@require_GET
def roster_detail(request: HttpRequest, roster_id: int) -> HttpResponse:
    roster = _visible_roster(request, roster_id)
    planner = selectors.may_manage(request.user)
    if not roster.has_result:
        # Being built, failed, or the solver found nothing: the build's status only.
        context = {"roster": roster, "planner": planner}
        return render(request, "workforce/roster_building.html", context)
    assignments = list(selectors.assignments_visible_to(request.user, roster))
    days = [roster.week_start + timedelta(days=i) for i in range(7)]
    hours = exports.hours_by_agent(assignments)
    grid: dict[int, dict] = {}
    for a in assignments:
        row = grid.setdefault(
            a.agent_id, {"agent": a.agent, "cells": {}, "hours": round(hours[a.agent_id], 1)}
        )
        row["cells"][a.day] = a
    grid_rows = [{**row, "cells": [row["cells"].get(d) for d in days]} for row in grid.values()]
    channels = roster.plan.get("channels", {})
    covered = {c.channel: c for c in roster.coverage.channels}
    actual = selectors.actual(roster.week_start)
    summary, chart = [], {"labels": selectors.interval_labels(roster.week_start), "channels": []}
    for channel, data in channels.items():
        cover = covered[channel]
        seen = actual.get(channel)
        predicted = data["predicted"]
        week = seen["week"] if seen else {}
        # rosters built before SLA policies stored no over-target prediction
        predicted_over_target = predicted.get("frt_over_target_rate")
        summary.append(
            {
                "channel": channel,
                "label": _channel_label(channel),
                "required_hours": cover.required_hours,
                "scheduled_hours": cover.scheduled_hours,
                "gap_hours": cover.gap_hours,
                "gap_share": _pct(cover.gap_share),
                "short": cover.short,
                "uncovered": cover.uncovered,
                "short_intervals": cover.short_intervals,
                "predicted_sl": _pct(predicted["total_service_level"]),
                "predicted_over_30": _pct(predicted["total_frt_over_30s_rate"]),
                "actual_over_30": _pct(week.get("frt_over_30s_rate")),
                "sla_target_s": data["parameters"].get("sla_target_s"),
                "predicted_over_target": _pct(predicted.get("total_frt_over_target_rate")),
                "actual_over_target": _pct(week.get("frt_over_target_rate")),
                "sl_target": _pct(data["parameters"]["sl_target"]),
            }
        )
        chart["channels"].append(
            {
                "channel": channel,
                "label": _channel_label(channel),
                "requirement": data["requirement"],
                "scheduled": data["scheduled"],
                "gap": data["gap"],
                "predicted_over_30": predicted["frt_over_30s_rate"],
                "predicted_sl": predicted["service_level"],
                "actual_over_30": seen["frt_over_30s_rate"] if seen else None,
                "predicted_over_target": predicted_over_target,
                "actual_over_target": seen["frt_over_target_rate"] if seen else None,
            }
        )
    chart["text"] = {
        "requirement": _("Required agents"),
        "scheduled": _("Scheduled agents"),
        "gap": _("Gap"),
        "gap_heatmap": _("Agents short"),
        "days": [f"{d:%m-%d} {WEEKDAYS[d.weekday()][1]}" for d in days],
        "predicted_over_30": _("Predicted share of first responses over 30 s"),
        "actual_over_30": _("Actual share of first responses over 30 s"),
        "predicted_over_target": _("Predicted share of first responses over the SLA target"),
        "actual_over_target": _("Actual share of first responses over the SLA target"),
        "predicted_sl": _("Predicted service level"),
    }
    coverage = roster.coverage
    context = {
        "roster": roster,
        "coverage": coverage,
        "uncovered": [_channel_label(c) for c in coverage.uncovered],
        "short_channels": [
            _channel_label(c) for c in coverage.short if c not in coverage.uncovered
        ],
        "gap_share": _pct(coverage.gap_share),
        "days": days,
        "grid": grid_rows,
        "summary": summary,
        "chart": chart,
        "planner": planner,
        "weekday_names": [str(label) for _i, label in WEEKDAYS],
    }
    return render(request, "workforce/roster.html", context)


@login_required
@require_GET
def roster_export(request: HttpRequest, roster_id: int) -> HttpResponse:
    roster = _visible_roster(request, roster_id)
    if not roster.has_result:
        raise Http404
    assignments = selectors.assignments_visible_to(request.user, roster)
    out = io.BytesIO()
    exports.write_roster(roster, assignments, out, with_plan=selectors.may_manage(request.user))
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="workforce.roster",
        object_id=str(roster.pk),
        detail={"week": str(roster.week_start)},
    )
    return xlsx_response(out.getvalue(), f"roster-{roster.week_start}-{roster.pk}.xlsx")


@login_required
@require_GET
def my_shifts(request: HttpRequest) -> HttpResponse:
    if selectors.own_agent_id_of(request.user) is None:
        raise Http404
    shifts = selectors.own_shifts(request.user)
    return render(request, "workforce/my_shifts.html", {"shifts": shifts})


# --- settings: special days and shift templates -------------------------------------------
def render_settings(request: HttpRequest, status: int = 200, **forms) -> HttpResponse:
    context = {
        "events": ForecastEvent.objects.all(),
        "templates": ShiftTemplate.objects.all(),
        "event_form": forms.get("event_form") or EventForm(),
        "template_form": forms.get("template_form") or TemplateForm(),
    }
    return render(request, "workforce/settings.html", context, status=status)


@planner_only
@require_GET
def settings_page(request: HttpRequest) -> HttpResponse:
    return render_settings(request)


def _add(request: HttpRequest, form, action, form_name: str, anchor: str) -> HttpResponse:
    if form.is_valid():
        try:
            action(form.instance, by=request.user, request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect(reverse("workforce:settings") + f"#{anchor}")
    messages.error(request, _("Not saved: check the values."))
    return render_settings(request, status=400, **{form_name: form})


@planner_only
@require_POST
def event_add(request: HttpRequest) -> HttpResponse:
    return _add(request, EventForm(request.POST), actions.add_event, "event_form", "events")


@planner_only
@require_POST
def event_delete(request: HttpRequest, event_id: int) -> HttpResponse:
    event = get_object_or_404(ForecastEvent, pk=event_id)
    actions.delete_event(event, by=request.user, request=request)
    messages.success(request, _("Removed."))
    return redirect(reverse("workforce:settings") + "#events")


@planner_only
@require_POST
def template_add(request: HttpRequest) -> HttpResponse:
    form = TemplateForm(request.POST)
    return _add(request, form, actions.add_template, "template_form", "templates")


@planner_only
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    template = get_object_or_404(ShiftTemplate, pk=template_id)
    actions.delete_template(template, by=request.user, request=request)
    messages.success(request, _("Removed."))
    return redirect(reverse("workforce:settings") + "#templates")


# --- settings: agents' scheduling rules ----------------------------------------------------
def _rule_row(agent: Agent, learnt: dict[int, set[str]], template_names: dict[str, str]) -> dict:
    rule = getattr(agent, "work_rule", None)
    channels = rule.skills if rule is not None and rule.skills else sorted(learnt.get(agent.pk, ()))
    weekday = dict(WEEKDAYS)
    return {
        "agent": agent,
        "rule": rule,
        "channels": [_channel_label(c) for c in channels],
        "channels_learnt": not (rule is not None and rule.skills),
        "min_hours": rule.min_hours if rule else AgentWorkRule.DEFAULT_MIN_HOURS,
        "max_hours": rule.max_hours if rule else AgentWorkRule.DEFAULT_MAX_HOURS,
        "max_days": rule.max_days if rule else AgentWorkRule.DEFAULT_MAX_DAYS,
        "days_off": [weekday[d] for d in rule.days_off] if rule else [],
        "nights": rule.nights if rule else True,
        "new_hire": agent.tier == "new",
        "templates": [template_names.get(k, k) for k in rule.templates] if rule else [],
        "schedulable": rule.schedulable if rule else True,
    }


def _one_agent(agent_id: int) -> Agent:
    return get_object_or_404(Agent.objects.select_related("team", "work_rule"), pk=agent_id)


def _render_rule_row(request: HttpRequest, agent: Agent) -> HttpResponse:
    names = dict(ShiftTemplate.objects.values_list("key", "name"))
    row = _rule_row(agent, selectors.learnt_skills(agent_ids=[agent.pk]), names)
    return render(request, "workforce/partials/agent_rule_row.html", {"row": row})


@planner_only
@require_GET
def agent_rules(request: HttpRequest) -> HttpResponse:
    """Every agent's scheduling rule, editable in place (HTMX) or on its own page."""
    teams = list(Team.objects.order_by("name"))
    team_id = request.GET.get("team")
    team = next((t for t in teams if str(t.pk) == team_id), None)
    agents = selectors.agents_with_rules(team.pk if team else None)
    names = dict(ShiftTemplate.objects.values_list("key", "name"))
    learnt = selectors.learnt_skills()
    context = {
        "rows": [_rule_row(a, learnt, names) for a in agents],
        "teams": teams,
        "team": team,
    }
    return render(request, "workforce/agent_rules.html", context)


@planner_only
@require_http_methods(["GET", "POST"])
def agent_rule_edit(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = _one_agent(agent_id)
    rule = getattr(agent, "work_rule", None) or AgentWorkRule(agent=agent)
    templates = ShiftTemplate.objects.filter(active=True)
    fragment = is_htmx_fragment(request)
    status = 200
    if request.method == "POST":
        form = AgentRuleForm(request.POST, instance=rule, templates=templates)
        if form.is_valid():
            try:
                actions.save_work_rule(form.instance, by=request.user, request=request)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                if fragment:
                    return _render_rule_row(request, _one_agent(agent_id))
                messages.success(request, _("Saved: %(agent)s.") % {"agent": agent})
                return redirect(reverse("workforce:agent_rules") + f"#agent-{agent.pk}")
        # HTMX swaps 2xx answers only: the form with its errors comes back as 200.
        status = 200 if fragment else 400
    else:
        form = AgentRuleForm(instance=rule, templates=templates)
    template = (
        "workforce/partials/agent_rule_form.html" if fragment else "workforce/agent_rule.html"
    )
    return render(request, template, {"agent": agent, "form": form}, status=status)


@planner_only
@require_POST
def agent_rule_reset(request: HttpRequest, agent_id: int) -> HttpResponse:
    agent = _one_agent(agent_id)
    rule = getattr(agent, "work_rule", None)
    if rule is not None:
        actions.reset_work_rule(rule, by=request.user, request=request)
    if is_htmx_fragment(request):
        return _render_rule_row(request, _one_agent(agent_id))
    messages.success(request, _("Back to the defaults: %(agent)s.") % {"agent": agent})
    return redirect(reverse("workforce:agent_rules") + f"#agent-{agent.pk}")


@planner_only
@require_GET
def agent_rule_row(request: HttpRequest, agent_id: int) -> HttpResponse:
    """HTMX: the row as shown (the inline form's Cancel)."""
    return _render_rule_row(request, _one_agent(agent_id))


# --- presence -------------------------------------------------------------------------------
def _presence_context(request: HttpRequest, agent: Agent, error: str = "") -> dict:
    state, since = selectors.state_of(agent)
    today = timezone.localdate()
    return {
        "agent": agent,
        "state": state,
        "state_label": PresenceState(state).label,
        "since": since,
        "states": PresenceState.choices,
        "history": selectors.presence_history(request.user, agent.pk, today),
        "error": error,
    }


@login_required
@require_http_methods(["GET", "POST"])
def presence(request: HttpRequest) -> HttpResponse:
    """The agent's own presence control and today's history: a fragment the workspace
    loads (HTMX); a POST sets the state and answers the fragment again."""
    agent = selectors.own_presence_agent(request.user)
    if agent is None:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        try:
            actions.check_presence(request.user, agent.pk, request.POST.get("state", ""))
            actions.set_presence(agent, request.POST["state"], by=request.user)
        except ActionError as exc:
            error, status = exc.detail, exc.status
        agent = selectors.own_presence_agent(request.user) or agent
        if not is_htmx_fragment(request) and not error:
            return redirect("monitoring:workspace")
    # HTMX swaps 2xx answers only: a refusal comes back as 200 with its message.
    status = 200 if is_htmx_fragment(request) else status
    context = _presence_context(request, agent, error)
    return render(request, "workforce/partials/presence.html", context, status=status)


@login_required
@require_GET
def team_presence(request: HttpRequest) -> HttpResponse:
    """Supervisors: their teams' agents and their presence now; planners: everyone."""
    if not selectors.may_view_adherence(request.user):
        raise PermissionDenied
    rows = []
    for agent in selectors.presence_agents(request.user):
        state, since = selectors.state_of(agent)
        rows.append({"agent": agent, "state": state, "label": PresenceState(state).label,
                     "since": since})  # fmt: skip
    return render(request, "workforce/presence_team.html", {"rows": rows})


@login_required
@require_POST
def presence_offline(request: HttpRequest, agent_id: int) -> HttpResponse:
    """A supervisor (or planner) sets an agent of theirs offline."""
    try:
        agent = actions.check_presence(request.user, agent_id, PresenceState.OFFLINE)
    except ActionError as exc:
        if exc.status == 404:
            raise Http404 from None
        raise PermissionDenied from None
    actions.set_presence(agent, PresenceState.OFFLINE, by=request.user)
    messages.success(request, _("%(agent)s is now offline.") % {"agent": agent.name})
    return redirect("workforce:team_presence")


# --- schedule adherence ---------------------------------------------------------------------
def _adherence(request: HttpRequest) -> tuple[AdherenceFilterSet, list]:
    if not selectors.may_view_adherence(request.user):
        raise PermissionDenied
    data = request.GET.copy()
    if not data.get("week"):
        data["week"] = str(default_adherence_week())
    filterset = AdherenceFilterSet(data, assignments_visible_to(request.user), user=request.user)
    rows = selectors.adherence_rows(filterset.qs) if filterset.is_valid() else []
    return filterset, rows


def _percent(value: float | None) -> float | None:
    return None if value is None else 100 * value


@login_required
@require_GET
def adherence(request: HttpRequest) -> HttpResponse:
    """Schedule adherence per agent and day of the chosen week (docs/workforce.md)."""
    filterset, rows = _adherence(request)
    week = filterset.form.cleaned_data.get("week") if filterset.is_valid() else None
    week = week_start(week) if week else None
    query = request.GET.copy()
    if week and not query.get("week"):
        query["week"] = str(week)
    context = {
        "form": filterset.form,
        "rows": rows,
        "week": week,
        "roster": selectors.adherence_roster(week) if week else None,
        "overall": _percent(pooled(r.figure for r in rows)),
        "query": query.urlencode(),
    }
    return render(request, "workforce/adherence.html", context)


@login_required
@require_GET
def adherence_export(request: HttpRequest) -> HttpResponse:
    filterset, rows = _adherence(request)
    out = io.BytesIO()
    exports.write_adherence(rows, out)
    audit(
        AuditAction.EXPORT,
        request=request,
        object_type="workforce.adherence",
        object_id="xlsx",
        detail={"filters": request.GET.dict(), "rows": len(rows)},
    )
    week = filterset.form.cleaned_data.get("week") if filterset.is_valid() else None
    return xlsx_response(out.getvalue(), f"adherence-{week or 'none'}.xlsx")
