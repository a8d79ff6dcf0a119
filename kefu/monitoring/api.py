"""REST API v1 of live monitoring (/api/v1/live/…). Messages of live conversations come
in through `POST /api/v1/conversations/{id}/messages` (kefu/interactions/api.py); these
endpoints give consoles and integrations the live picture and the interventions.

Monitors (a team's supervisors; managers and admins for every team) read the live
conversations, alerts and the report and send suggestions; an agent answers the
suggestions sent to them. Everything else is 403 or 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from kefu.accounts import access
from kefu.core.params import MAX_ID
from kefu.interactions.schemas import PeriodQuery
from kefu.lib.errors import ActionError, NotFound
from kefu.lib.schemas import ErrorOut, RowId, Text
from kefu.monitoring import actions, live, reports
from kefu.monitoring.models import Alert, Intervention, LiveState

router = Router(tags=["live"])
ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_ALERTS = 500
MAX_SUGGESTION = 2000


def _monitor(request: HttpRequest) -> None:
    if not access.can_monitor(request.user):
        raise HttpError(403, _("live monitoring is for supervisors and managers"))


class LiveConversationOut(Schema):
    conversation: str
    risk: int
    waiting_s: int
    sla_due: str | None = Field(
        None, description="when the awaited answer falls due under the service-level policy"
    )
    sla_state: str | None = Field(None, description="ok, at_risk or breached (None: not due)")
    rules: dict[str, str]
    agent: str | None
    team: str | None
    message_count: int
    last_message_at: str | None


@router.get("/live/conversations", response={200: list[LiveConversationOut], **ERRORS})
def live_conversations(request: HttpRequest) -> list[dict[str, Any]]:
    """The live conversations of the caller's teams, riskiest first (risk as of now)."""
    _monitor(request)
    states = access.restrict(LiveState.objects.filter(is_live=True), request.user)
    out = []
    now = timezone.now()
    ranked = live.riskiest(states.select_related("conversation", "agent", "team")[:1000], now)
    for state, risk, waiting_s in ranked:
        out.append(
            {
                "conversation": state.conversation.external_id,
                "risk": risk,
                "waiting_s": waiting_s,
                "sla_due": state.sla_due.isoformat() if state.sla_due else None,
                "sla_state": live.sla_state(state, now),
                "rules": state.rules or {},
                "agent": state.agent.external_id if state.agent else None,
                "team": state.team.name if state.team else None,
                "message_count": state.message_count,
                "last_message_at": state.last_message_at.isoformat()
                if state.last_message_at
                else None,
            }
        )
    return out


class AlertQuery(Schema):
    after: int | None = Field(
        None, ge=0, le=MAX_ID, description="only alerts with a larger id (polling)"
    )
    limit: int = Field(100, ge=1, le=MAX_ALERTS)


@router.get("/live/alerts", response={200: list[dict[str, Any]], **ERRORS})
def live_alerts(request: HttpRequest, query: Query[AlertQuery]) -> list[dict[str, Any]]:
    """Alerts of the caller's teams, newest first; `after` returns only newer ones."""
    _monitor(request)
    alerts = access.restrict(Alert.objects.select_related("conversation"), request.user)
    if query.after is not None:
        alerts = alerts.filter(pk__gt=query.after)
    names = live.rule_names()
    return [live.alert_payload(a, names) for a in alerts.order_by("-pk")[: query.limit]]


class SuggestionIn(Schema):
    text: str = Field("", max_length=MAX_SUGGESTION)
    template: RowId | None = None
    alert: RowId | None = None


@router.post(
    "/live/conversations/{path:conversation_id}/suggestions",
    response={201: dict[str, Any], **ERRORS},
)
def post_suggestion(request: HttpRequest, conversation_id: Text, body: SuggestionIn):
    """Send the conversation's agent a suggested sentence (never shown to the customer)."""
    _monitor(request)
    try:
        item = actions.send_suggestion(
            request.user,
            conversation_id,
            body.text,
            template_id=body.template,
            alert_id=body.alert,
        )
    except ActionError as exc:
        raise HttpError(exc.status, exc.detail) from exc
    return Status(201, actions.intervention_payload(item) | {"conversation": conversation_id})


class SuggestionAnswer(Schema):
    used: bool


@router.post("/live/suggestions/{suggestion_id}/response", response={200: dict[str, Any], **ERRORS})
def answer_suggestion(request: HttpRequest, suggestion_id: RowId, body: SuggestionAnswer):
    """The agent uses or dismisses a suggestion sent to them."""
    try:
        item = actions.answer_suggestion(request.user, suggestion_id, used=body.used)
    except NotFound as exc:
        raise HttpError(404, _("no such suggestion")) from exc
    except ActionError as exc:
        raise HttpError(422, _("this suggestion was already answered")) from exc
    return {"ok": True, "suggestion": item.pk, "status": item.status}


@router.get("/live/report", response={200: dict[str, Any], **ERRORS})
def report(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    """Interventions by month, supervisor and rule with the share that avoided escalation
    (default: the last 365 days; at most `KEFU_MAX_PERIOD_DAYS`)."""
    _monitor(request)
    today = timezone.localdate()
    start, end = query.period(today - timedelta(days=365), today)
    lang = "zh" if (request.LANGUAGE_CODE or "zh").startswith("zh") else "en"
    return reports.interventions_report(
        access.restrict(Intervention.objects.all(), request.user), start, end, lang
    )
