"""Pages of live monitoring: the supervisor console, a conversation listened to with the
intervention controls, the agent workspace, the interventions report and the suggestion
library. Every view checks access on the server (`kefu.accounts.access`); the pages
then follow the WebSocket pushes (static/monitoring/live.js)."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kefu.accounts import access
from kefu.core import periods
from kefu.core.masking import mask_text
from kefu.interactions.choices import MessageRole
from kefu.interactions.models import Conversation
from kefu.lib.errors import ActionError
from kefu.lib.language import short_language
from kefu.monitoring import actions, live, reports
from kefu.monitoring.choices import InterventionKind, SuggestionStatus
from kefu.monitoring.models import Alert, Intervention, LiveState, SuggestionTemplate

RECENT_ALERTS = 50
CONSOLE_ROWS = 200


# The state of a wait against its service-level target, as the console shows it.
SLA_LABELS = {
    "ok": gettext_lazy("on time"),
    "at_risk": gettext_lazy("about to breach"),
    "breached": gettext_lazy("breached"),
}


def live_labels(lang: str) -> dict:
    """What live.js needs to label pushed rows: message roles and rule names."""
    return {
        "roles": {value: str(label) for value, label in MessageRole.choices},
        "rules": {rule: names.get(lang) or rule for rule, names in live.rule_names().items()},
        "sla": {state: str(label) for state, label in SLA_LABELS.items()},
    }


def _monitor(request: HttpRequest) -> None:
    if not access.can_monitor(request.user):
        raise PermissionDenied


def console_rows(user, lang: str) -> list[dict]:
    """The live conversations the user watches, riskiest first (risk as of now)."""
    names = live_labels(lang)["rules"]
    states = list(
        access.restrict(LiveState.objects.filter(is_live=True), user)
        .select_related("conversation", "agent", "team")
        .order_by("-risk")[:CONSOLE_ROWS]
    )
    now = timezone.now()
    rows = []
    for state, risk, waiting_s in live.riskiest(states, now):
        sla = live.sla_state(state, now)
        rows.append(
            {
                "state": state,
                "conversation": state.conversation,
                "risk": risk,
                "waiting_s": waiting_s,
                "sla": sla,
                "sla_label": SLA_LABELS.get(sla or "", ""),
                "sla_left_s": int((state.sla_due - now).total_seconds()) if state.sla_due else None,
                "rule_names": [names.get(rule, rule) for rule in state.rules or {}],
            }
        )
    return rows


def _transcript(conversation: Conversation) -> list[dict]:
    """The messages as the live pages show them (personal data masked, the customer's
    own name too; callers select the customer with the conversation)."""
    names = (conversation.customer.name,)
    return [
        {"id": m.external_id, "role": m.get_role_display(), "kind": m.role,
         "text": mask_text(m.text, names), "at": m.at}
        for m in conversation.messages.order_by("seq")
    ]  # fmt: skip


def alert_rows(alerts) -> list[dict]:
    names = live.rule_names()
    return [live.alert_payload(a, names) for a in alerts]


@login_required
@require_GET
def console(request: HttpRequest) -> HttpResponse:
    _monitor(request)
    alerts = access.restrict(Alert.objects.select_related("conversation"), request.user)[
        :RECENT_ALERTS
    ]
    rows = console_rows(request.user, short_language())
    context = {
        "rows": rows,
        "sla_counts": {
            state: sum(1 for row in rows if row["sla"] == state) for state in SLA_LABELS
        },
        "live_labels": live_labels(short_language()),
        "alerts": alert_rows(alerts),
        "lang": short_language(),
        "sound_rules": sorted(live.sound_rules()),
        "all_teams": access.monitors_all(request.user),
        "may_monitor": True,
    }
    return render(request, "monitoring/console.html", context)


def _listened(request: HttpRequest, external_id: str) -> Conversation:
    conversation = (
        access.listenable(request.user)
        .select_related("agent", "team", "customer")
        .filter(external_id=external_id)
        .first()
    )
    if conversation is None:  # outside the user's teams: not found
        raise Http404
    return conversation


@login_required
@require_GET
def listen(request: HttpRequest, external_id: str) -> HttpResponse:
    _monitor(request)
    conversation = _listened(request, external_id)
    transcript = _transcript(conversation)
    state = LiveState.objects.filter(pk=conversation.pk).first()
    context = {
        "conversation": conversation,
        "transcript": transcript,
        "state": state,
        "risk": live.current_risk(state) if state else 0,
        "alerts": alert_rows(conversation.alerts.select_related("conversation")),
        "interventions": conversation.interventions.select_related("supervisor", "alert"),
        "templates": SuggestionTemplate.objects.filter(enabled=True),
        "lang": short_language(),
        "may_monitor": True,
        "live_labels": live_labels(short_language()),
    }
    return render(request, "monitoring/listen.html", context)


def _answer(request: HttpRequest, external_id: str, done: str) -> HttpResponse:
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": True, "detail": done})
    messages.success(request, done)
    return redirect("monitoring:listen", external_id=external_id)


def _refused(request: HttpRequest, external_id: str, exc: ActionError) -> HttpResponse:
    if exc.status == 404:
        raise Http404
    if request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse({"ok": False, "detail": exc.detail}, status=exc.status)
    messages.error(request, exc.detail)
    return redirect("monitoring:listen", external_id=external_id)


@login_required
@require_POST
def suggest(request: HttpRequest, external_id: str) -> HttpResponse:
    _monitor(request)
    try:
        actions.send_suggestion(
            request.user,
            external_id,
            request.POST.get("text"),
            template_id=request.POST.get("template"),
            alert_id=request.POST.get("alert"),
        )
    except ActionError as exc:
        return _refused(request, external_id, exc)
    return _answer(request, external_id, _("Suggestion sent to the agent."))


@login_required
@require_POST
def intervene(request: HttpRequest, external_id: str, kind: str) -> HttpResponse:
    _monitor(request)
    try:
        actions.take_action(
            request.user, external_id, kind, request.POST.get("note"), request.POST.get("alert")
        )
    except ActionError as exc:
        return _refused(request, external_id, exc)
    done = {
        InterventionKind.TAKEOVER: _("Take-over recorded; the agent has been told."),
        InterventionKind.ESCALATE: _("Escalation to an expert recorded; the agent has been told."),
    }.get(kind, "")
    return _answer(request, external_id, done)


@login_required
@require_POST
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    _monitor(request)
    if not actions.acknowledge_alert(request.user, alert_id):
        raise Http404
    return JsonResponse({"ok": True})


@login_required
@require_GET
def workspace(request: HttpRequest) -> HttpResponse:
    agent_id = access.workspace_agent_id(request.user)
    if agent_id is None:
        raise PermissionDenied
    states = list(
        LiveState.objects.filter(is_live=True, agent_id=agent_id)
        .select_related("conversation", "conversation__customer")
        .order_by("-last_message_at")[:50]
    )
    conversations = []
    for state in states:
        conversations.append({"state": state, "conversation": state.conversation,
                              "messages": _transcript(state.conversation)})  # fmt: skip
    pending = Intervention.objects.filter(
        kind=InterventionKind.SUGGESTION,
        status=SuggestionStatus.PENDING,
        agent_id=agent_id,
        conversation__live__is_live=True,
    ).select_related("conversation", "supervisor")
    context = {
        "conversations": conversations,
        "suggestions": pending,
        "may_monitor": access.can_monitor(request.user),
        "live_labels": live_labels(short_language()),
    }
    return render(request, "monitoring/workspace.html", context)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    _monitor(request)
    today = timezone.localdate()
    start = _date(request.GET.get("from")) or date(today.year, 1, 1) - timedelta(days=366)
    end = _date(request.GET.get("to")) or today
    data = reports.interventions_report(
        access.restrict(Intervention.objects.all(), request.user), start, end, short_language()
    )
    context = {"data": data, "date_from": start, "date_to": end, "may_monitor": True}
    return render(request, "monitoring/report.html", context)


def _date(raw: str | None) -> date | None:
    """A `from`/`to` parameter; an invalid or out-of-window day is ignored (default)."""
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return day if day and periods.day_allowed(day, timezone.localdate()) else None


@login_required
@require_http_methods(["GET", "POST"])
def templates(request: HttpRequest) -> HttpResponse:
    _monitor(request)
    if request.method == "POST":
        try:
            actions.add_template(
                request.user, request.POST.get("text"), request.POST.get("category")
            )
        except ActionError as exc:
            messages.error(request, exc.detail)
        else:
            messages.success(request, _("Template added."))
        return redirect("monitoring:templates")
    context = {"templates": SuggestionTemplate.objects.filter(enabled=True), "may_monitor": True}
    return render(request, "monitoring/templates.html", context)
